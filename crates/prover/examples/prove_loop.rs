//! Proves a synthetic loop of `2^k` cycles and reports the figures:
//! `cargo run --release -p ember-prover --example prove_loop -- 16 18 20`.
//! Used by `cargo xtask bench --prove`; a benchmark, never a test.

use std::time::Instant;

use ember_core::{BufferHost, Machine, Program, Segment, asm};

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;

/// A loop of mixed work (ALU, multiply, divide, a load and a store) that
/// runs for about `cycles` cycles, then HALTs.
fn program(cycles: u64) -> Program {
    let body = [
        asm::add(5, 5, 6),
        asm::xor(6, 6, 5),
        asm::mul(7, 5, 6),
        asm::srli(7, 7, 3),
        asm::divu(28, 7, 6),
        asm::sw(7, 0, 29),
        asm::lw(30, 29, 0),
        asm::addi(29, 29, 4),
        asm::andi(29, 29, 0x3fc),
        asm::add(29, 29, 31),
        asm::addi(10, 10, -1),
    ];
    let per = body.len() as u64 + 1;
    let n = (cycles.saturating_sub(16) / per) as u32;
    let mut words = asm::li(10, n).to_vec();
    words.extend(asm::li(31, DATA));
    words.extend(asm::li(29, DATA));
    words.extend([asm::addi(6, 0, 7)]);
    let top = words.len();
    words.extend(body);
    let back = -4 * (words.len() - top) as i32;
    words.push(asm::bne(10, 0, back));
    words.extend([asm::addi(5, 0, 0), asm::ecall()]);
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, &words),
            Segment::data(DATA, &[], 0x1000),
        ],
    )
    .expect("a valid program")
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let logs: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    println!("cycles     trace s  prove s   kHz   proof KiB  verify ms  peak RSS MiB");
    for log in if logs.is_empty() { vec![16] } else { logs } {
        let p = program(1 << log);
        let mut m = Machine::new(&p);
        m.run(&mut BufferHost::default()).expect("the loop halts");
        let cycles = m.cycles();
        let started = Instant::now();
        let (airs, traces) = ember_prover::trace(&p, b"").expect("provable");
        let traced = started.elapsed().as_secs_f64();
        let proof = ember_prover::prove_traces(&airs, &traces).expect("proves");
        let total = started.elapsed().as_secs_f64();
        let size = postcard_len(&proof);
        let statement = ember_verifier::Statement {
            status: 0,
            exit_code: 0,
            cycles,
        };
        let v = Instant::now();
        ember_verifier::verify(&p, b"", b"", &statement, &proof.proof).expect("verifies");
        let verify_ms = v.elapsed().as_secs_f64() * 1e3;
        println!(
            "{cycles:<10} {traced:>7.2} {total:>8.2} {:>5.1} {:>10.0} {verify_ms:>10.1} {:>13.0}",
            cycles as f64 / total / 1e3,
            size as f64 / 1024.0,
            peak_rss_kib() as f64 / 1024.0
        );
    }
}

fn postcard_len(proof: &ember_prover::Proof) -> usize {
    postcard::to_allocvec(&proof.proof).map_or(0, |v| v.len())
}
