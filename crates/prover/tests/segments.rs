//! Runs proven in segments: a run of tens of segments, with READs, journal
//! WRITEs and CYCLE_COUNT on the way and memory touched in many segments,
//! proves and verifies against the executor's claim; dropped, duplicated,
//! reordered and edited segments are rejected, each by the check that
//! says so.

use ember_abi::{ecall, fd};
use ember_air::{EmberProof, Params};
use ember_core::{BufferHost, Exit, Machine, Program, Segment, asm};
use ember_prover::prove_segments;
use ember_verifier::{Statement, VerifyError, VerifyingKey, verify_segments};
use p3_matrix::Matrix;
use std::sync::OnceLock;

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;
/// Segments of 2^10 cycles.
const PO2: usize = 10;

/// Reads 3 input bytes and writes them to the journal, `rounds` times, with
/// a loop of loads, stores and multiplications over 64 words of data
/// between; then writes CYCLE_COUNT's result to the journal and halts
/// with the last word of the data as the exit code.
fn program(rounds: u32) -> Program {
    let (s0, s1, s2, s3, t1, t2) = (8u8, 9u8, 18u8, 19u8, 6u8, 7u8);
    let mut w = Vec::new();
    w.extend(asm::li(s0, DATA));
    w.extend(asm::li(s1, rounds));
    let top = w.len();
    // READ(fd 0, s0 + 0x400, 3), then WRITE(journal, s0 + 0x400, 3).
    w.extend([
        asm::addi(10, 0, fd::INPUT as i32),
        asm::addi(11, s0, 0x400),
        asm::addi(12, 0, 3),
        asm::addi(5, 0, ecall::READ as i32),
        asm::ecall(),
        asm::addi(10, 0, fd::JOURNAL as i32),
        asm::addi(11, s0, 0x400),
        asm::addi(12, 0, 3),
        asm::addi(5, 0, ecall::WRITE as i32),
        asm::ecall(),
    ]);
    // 64 words: word[i] = word[i] * 3 + i.
    w.extend([asm::addi(s2, 0, 0), asm::addi(s3, s0, 0)]);
    let inner = w.len();
    w.extend([
        asm::lw(t1, s3, 0),
        asm::addi(t2, 0, 3),
        asm::mul(t1, t1, t2),
        asm::add(t1, t1, s2),
        asm::sw(t1, 0, s3),
        asm::addi(s3, s3, 4),
        asm::addi(s2, s2, 1),
        asm::addi(t2, 0, 64),
    ]);
    let back = -4 * (w.len() - inner) as i32;
    w.push(asm::bne(s2, t2, back));
    w.push(asm::addi(s1, s1, -1));
    let back = -4 * (w.len() - top) as i32;
    w.push(asm::bne(s1, 0, back));
    // CYCLE_COUNT into the journal, then HALT with word 63.
    w.extend([
        asm::addi(5, 0, ecall::CYCLE_COUNT as i32),
        asm::ecall(),
        asm::sw(10, 0x7fc, s0),
        asm::addi(10, 0, fd::JOURNAL as i32),
        asm::addi(11, s0, 0x7fc),
        asm::addi(12, 0, 4),
        asm::addi(5, 0, ecall::WRITE as i32),
        asm::ecall(),
        asm::lw(10, s0, 252),
        asm::addi(5, 0, ecall::HALT as i32),
        asm::ecall(),
    ]);
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, &w),
            Segment::data(DATA, &[7; 16], 0x1000),
        ],
    )
    .unwrap()
}

const INPUT: &[u8] = b"the quick brown fox jumps over the lazy dog, twice over and over";

/// The run, its claim and journal, and its segment proofs (made once).
struct Proven {
    program: Program,
    statement: Statement,
    journal: Vec<u8>,
    proofs: Vec<EmberProof>,
}

fn proven() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| {
        let program = program(20);
        let mut m = Machine::new(&program);
        let mut host = BufferHost::with_input(INPUT);
        let Exit::Halted { code } = m.run(&mut host).unwrap() else {
            panic!("halts")
        };
        let statement = Statement {
            status: 0,
            exit_code: code,
            cycles: m.cycles(),
        };
        let proofs = prove_segments(&program, INPUT, PO2, Params::default())
            .unwrap()
            .into_iter()
            .map(|p| p.proof)
            .collect();
        Proven {
            program,
            statement,
            journal: host.journal,
            proofs,
        }
    })
}

fn check(proofs: &[EmberProof], statement: &Statement) -> Result<(), VerifyError> {
    let p = proven();
    let key = VerifyingKey::new(&p.program).unwrap();
    verify_segments(&key, INPUT, &p.journal, statement, proofs)
}

#[test]
fn a_run_of_many_segments_proves_and_verifies() {
    let p = proven();
    // 20 rounds of about 530 cycles: ten segments or more of 2^10.
    assert!(p.statement.cycles > 10 << PO2, "{}", p.statement.cycles);
    assert!(p.proofs.len() > 10, "{} segments", p.proofs.len());
    assert_eq!(p.journal.len(), 20 * 3 + 4);
    assert_eq!(&p.journal[..60], &INPUT[..60]);
    // CYCLE_COUNT's result is the run's cycles before it, past the first
    // segment's.
    let counted = u32::from_le_bytes(p.journal[60..].try_into().unwrap());
    assert!(u64::from(counted) > 10 << PO2 && u64::from(counted) < p.statement.cycles);
    check(&p.proofs, &p.statement).unwrap();
    // Each segment but the last stops within its 2^10 cycles.
    for proof in &p.proofs {
        assert!(proof.end.cycles <= 1 << PO2);
    }
    // The claim is the run's: another exit code or cycle count is rejected.
    let wrong = Statement {
        exit_code: p.statement.exit_code ^ 1,
        ..p.statement
    };
    assert!(matches!(
        check(&p.proofs, &wrong),
        Err(VerifyError::Stark(_))
    ));
    let wrong = Statement {
        cycles: p.statement.cycles + 1,
        ..p.statement
    };
    assert_eq!(
        check(&p.proofs, &wrong).unwrap_err().to_string(),
        format!(
            "the proof's shape is wrong: segment {n} of {n}: the segments' cycles add up to {}, and the claim says {}",
            p.statement.cycles,
            p.statement.cycles + 1,
            n = p.proofs.len()
        )
    );
}

/// Segments proven on three threads while the run goes on: the same
/// segments, each reported once, and a chain that verifies.
#[test]
fn segments_proven_on_several_threads_verify() {
    let p = proven();
    let mut reported = Vec::new();
    let segmenter = ember_prover::Segmenter::new(&p.program, INPUT, PO2, Params::default())
        .unwrap()
        .jobs(3)
        .on_segment(|done| reported.push((done.index, done.proof.proof.end.cycles)));
    let (proofs, _) = run_segmented(&p.program, INPUT, segmenter);
    assert_eq!(proofs.len(), p.proofs.len());
    reported.sort();
    let ends: Vec<(usize, u32)> = p.proofs.iter().map(|x| x.end.cycles).enumerate().collect();
    assert_eq!(reported, ends);
    check(&proofs, &p.statement).unwrap();
}

/// `body` (with `s0` = DATA, and `s1` counting down from `rounds`), then
/// HALT with exit code 0, over `data` bytes of zeros: proven in segments
/// of 2^`po2` cycles with the compression table held to 2^`log_rows` rows
/// (the whole run fits one segment's cycles), checked to verify. Returns
/// each segment's compression and node table heights.
fn cut_by_paging(
    body: &[u32],
    rounds: u32,
    data: u32,
    po2: usize,
    log_rows: usize,
) -> Vec<(usize, usize)> {
    let (s0, s1) = (8u8, 9u8);
    let mut w = Vec::new();
    w.extend(asm::li(s0, DATA));
    w.extend(asm::li(s1, rounds));
    let top = w.len();
    w.extend(body);
    w.push(asm::addi(s1, s1, -1));
    let back = -4 * (w.len() - top) as i32;
    w.push(asm::bne(s1, 0, back));
    w.extend([
        asm::addi(10, 0, 0),
        asm::addi(5, 0, ecall::HALT as i32),
        asm::ecall(),
    ]);
    let program = Program::from_segments(
        CODE,
        vec![Segment::code(CODE, &w), Segment::data(DATA, &[], data)],
    )
    .unwrap();
    let mut heights = Vec::new();
    let segmenter = ember_prover::Segmenter::new(&program, b"", po2, Params::default())
        .unwrap()
        .paging_log_limit(log_rows)
        .on_segment(|done| {
            let t = &done.traces.matrices;
            heights.push((
                t[ember_air::table::PERM].height(),
                t[ember_air::table::NODE].height(),
            ));
        });
    let (proofs, cycles) = run_segmented(&program, b"", segmenter);
    assert!(cycles < 1 << po2);
    assert_eq!(proofs.len(), heights.len());
    for &(perm, _) in &heights {
        assert!(perm <= 1 << log_rows, "a compression table of {perm} rows");
    }
    let statement = Statement {
        status: 0,
        exit_code: 0,
        cycles,
    };
    let key = VerifyingKey::new(&program).unwrap();
    verify_segments(&key, b"", &[], &statement, &proofs).unwrap();
    heights
}

/// Runs `program` on `input` under `segmenter`: the segments' proofs and
/// the run's cycles.
fn run_segmented(
    program: &Program,
    input: &[u8],
    mut segmenter: ember_prover::Segmenter<'_>,
) -> (Vec<EmberProof>, u64) {
    let mut machine = Machine::new(program);
    let mut host = BufferHost::with_input(input);
    let result = machine.run_observed(&mut host, &mut segmenter);
    let proofs = segmenter
        .finish(&result, machine.cycles())
        .unwrap()
        .into_iter()
        .map(|p| p.proof)
        .collect();
    (proofs, machine.cycles())
}

/// A run whose stores touch chunks far apart (a new path of the memory
/// tree each) is cut where its compression table would pass its limit,
/// long before its segments' cycles are spent: every segment's table
/// stays within the limit, the cuts fall where the tree's nodes (as the
/// segment's node table counts them) reach it, and the chain verifies.
#[test]
fn a_run_touching_much_memory_is_cut_by_its_compression_table() {
    // 240 stores 4 KiB apart, in segments of 2^12 cycles (the run takes
    // about 1,200).
    let (s0, s1) = (8u8, 9u8);
    let body = [asm::sw(s1, 0, s0), asm::lui(6, 1), asm::add(s0, s0, 6)];
    let log_rows = 14;
    let heights = cut_by_paging(&body, 240, 240 << 12, 12, log_rows);
    assert!(heights.len() >= 3, "{} segments", heights.len());
    // Cut no earlier than it must: each segment but the last held enough
    // of the tree that a few more paths would not have fit.
    for &(_, nodes) in &heights[..heights.len() - 1] {
        assert!(nodes >= 1 << (log_rows - 4), "a node table of {nodes} rows");
    }
}

/// READs into four 8 KiB buffers far apart, with no input left: each
/// costs two cycles but touches its buffer's every word, so the segment
/// is cut by the buffers' size, not by the cycles: every compression table
/// stays within its limit (counting each READ by its cost, two READs would
/// share a segment and pass it), and the chain verifies.
#[test]
fn reads_of_large_buffers_are_cut_by_their_buffers() {
    let s0 = 8u8;
    let body = [
        asm::addi(10, 0, fd::INPUT as i32),
        asm::addi(11, s0, 0),
        asm::lui(12, 2),
        asm::addi(5, 0, ecall::READ as i32),
        asm::ecall(),
        asm::lui(6, 64),
        asm::add(s0, s0, 6),
    ];
    // Segments of 2^14 cycles (and I/O rows).
    let heights = cut_by_paging(&body, 4, 4 << 18, 14, 14);
    assert_eq!(heights.len(), 4, "a READ a segment");
}

/// The chain: every segment must start where the previous one ended.
#[test]
fn dropped_duplicated_and_reordered_segments_are_rejected() {
    let p = proven();
    let n = p.proofs.len();
    let owned = |v: Vec<&EmberProof>| -> Vec<EmberProof> {
        v.into_iter()
            .map(|x| postcard::from_bytes(&postcard::to_allocvec(x).unwrap()).unwrap())
            .collect()
    };
    let message =
        |proofs: Vec<&EmberProof>| check(&owned(proofs), &p.statement).unwrap_err().to_string();
    // A middle segment dropped: the cycles no longer add up (checked on
    // the chain, before any proof).
    let mut dropped: Vec<&EmberProof> = p.proofs.iter().collect();
    dropped.remove(n / 2);
    let e = message(dropped);
    assert!(
        e.starts_with(&format!(
            "the proof's shape is wrong: segment {m} of {m}: the segments' cycles add up to {}, and the claim says",
            p.statement.cycles - u64::from(p.proofs[n / 2].end.cycles),
            m = n - 1
        )),
        "{e}"
    );
    // A segment twice: too many cycles.
    let mut twice: Vec<&EmberProof> = p.proofs.iter().collect();
    twice.insert(n / 2, &p.proofs[n / 2]);
    let e = message(twice);
    assert!(
        e.starts_with(&format!(
            "the proof's shape is wrong: segment {m} of {m}: the segments' cycles add up to {}, and the claim says",
            p.statement.cycles + u64::from(p.proofs[n / 2].end.cycles),
            m = n + 1
        )),
        "{e}"
    );
    // Two segments swapped: the cycles add up, but the third segment would
    // read the input backwards.
    let mut swapped: Vec<&EmberProof> = p.proofs.iter().collect();
    swapped.swap(1, 2);
    let e = message(swapped);
    assert!(
        e.starts_with(&format!(
            "the proof's shape is wrong: segment 3 of {n}: it reads input bytes {}..{}, and the input has {}",
            p.proofs[2].end.input_pos,
            p.proofs[1].end.input_pos,
            INPUT.len()
        )),
        "{e}"
    );

    // The last one missing: the run does not end.
    let cut: Vec<&EmberProof> = p.proofs[..n - 1].iter().collect();
    assert_eq!(
        check(&owned(cut), &p.statement).unwrap_err().to_string(),
        format!(
            "the proof's shape is wrong: segment {m} of {m}: the last segment does not end the run",
            m = n - 1
        )
    );
    // No segment at all.
    assert_eq!(
        check(&[], &p.statement).unwrap_err().to_string(),
        "the proof's shape is wrong: no segment"
    );
}

/// An edit of a proof.
type Edit = fn(&mut EmberProof);

/// A segment's stated end edited: the STARK binds it (public values).
#[test]
fn a_segments_stated_end_is_bound_by_its_proof() {
    let p = proven();
    let reload = |x: &EmberProof| -> EmberProof {
        postcard::from_bytes(&postcard::to_allocvec(x).unwrap()).unwrap()
    };
    let edits: [(&str, Edit); 5] = [
        ("pc", |x| x.end.pc += 4),
        ("clock", |x| x.end.clk += 1),
        ("root", |x| {
            x.end.root[0] += <ember_air::Val as p3_field::PrimeCharacteristicRing>::ONE
        }),
        ("input position", |x| x.end.input_pos += 1),
        ("journal position", |x| x.end.journal_pos -= 1),
    ];
    for (what, edit) in edits {
        let mut proofs: Vec<EmberProof> = p.proofs.iter().map(reload).collect();
        edit(&mut proofs[1]);
        // The chain takes the edited end as the next start; the edited
        // segment's own proof (its public values) refuses it first.
        let e = check(&proofs, &p.statement).unwrap_err();
        assert!(
            matches!(&e, VerifyError::Stark(m) if m.starts_with(&format!("segment 2 of {}: ", proofs.len()))),
            "{what}: {e}"
        );
    }
    // A segment that claims more cycles than a proof holds: refused on
    // the chain.
    let mut proofs: Vec<EmberProof> = p.proofs.iter().map(reload).collect();
    proofs[1].end.cycles = (1 << 23) + 1;
    assert_eq!(
        check(&proofs, &p.statement).unwrap_err().to_string(),
        format!(
            "the proof's shape is wrong: segment 2 of {}: 8388609 cycles cannot be proven",
            proofs.len()
        )
    );
    // A journal shorter than the segments wrote.
    let key = VerifyingKey::new(&p.program).unwrap();
    let short = &p.journal[..10];
    let e = verify_segments(&key, INPUT, short, &p.statement, &p.proofs)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(": it writes journal bytes ") && e.ends_with(", and the journal has 10"),
        "{e}"
    );
    // A middle segment claiming to end the run.
    let mut proofs: Vec<EmberProof> = p.proofs.iter().map(reload).collect();
    proofs[1].end.ended = true;
    assert_eq!(
        check(&proofs, &p.statement).unwrap_err().to_string(),
        format!(
            "the proof's shape is wrong: segment 2 of {}: it ends the run, and segments follow",
            proofs.len()
        )
    );
}

/// SHA-256's initial state, as the ECALL's state words.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The accelerators' data: SHA-256's IV at DATA, then pseudo-random bytes
/// up to DATA + 0x300 (a block at DATA + 0x40, a Keccak state at DATA +
/// 0x100).
fn accelerator_data() -> Vec<u8> {
    let mut data: Vec<u8> = IV.iter().flat_map(|w| w.to_le_bytes()).collect();
    data.resize(0x300, 0);
    for (i, b) in data[0x40..].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(97).wrapping_add(13);
    }
    data
}

/// `rounds` times: one SHA256_COMPRESS of the block at DATA + 0x40 into
/// the state at DATA, one KECCAK_PERMUTE of the 200 bytes at DATA + 0x100,
/// and a store of the round number into the block (so every block
/// differs); then both states' first 32 bytes to the journal, and HALT.
fn accelerator_program(rounds: u32) -> (Program, Vec<u8>) {
    let (s0, s1) = (8u8, 9u8);
    let mut w = Vec::new();
    w.extend(asm::li(s0, DATA));
    w.extend(asm::li(s1, rounds));
    let top = w.len();
    w.push(asm::sw(s1, 0x40, s0));
    w.extend(asm::ecall_with(
        ecall::SHA256_COMPRESS,
        [DATA, DATA + 0x40, 1],
    ));
    w.extend(asm::ecall_with(ecall::KECCAK_PERMUTE, [DATA + 0x100, 0, 0]));
    w.push(asm::addi(s1, s1, -1));
    let back = -4 * (w.len() - top) as i32;
    w.push(asm::bne(s1, 0, back));
    for at in [DATA, DATA + 0x100] {
        w.extend(asm::ecall_with(ecall::WRITE, [fd::JOURNAL, at, 32]));
    }
    w.extend(asm::ecall_with(ecall::HALT, [0, 0, 0]));
    let data = accelerator_data();
    // The journal, from `sha2` and `tiny-keccak`.
    let (mut state, mut block, mut lanes) = (IV, [0u8; 64], [0u64; 25]);
    block.copy_from_slice(&data[0x40..0x80]);
    for (i, lane) in lanes.iter_mut().enumerate() {
        *lane = u64::from_le_bytes(data[0x100 + 8 * i..0x108 + 8 * i].try_into().unwrap());
    }
    for round in (1..=rounds).rev() {
        block[..4].copy_from_slice(&round.to_le_bytes());
        sha2::compress256(&mut state, &[block.into()]);
        tiny_keccak::keccakf(&mut lanes);
    }
    let mut journal: Vec<u8> = state.iter().flat_map(|w| w.to_le_bytes()).collect();
    journal.extend(lanes[..4].iter().flat_map(|l| l.to_le_bytes()));
    let program = Program::from_segments(
        CODE,
        vec![Segment::code(CODE, &w), Segment::data(DATA, &data, 0x1000)],
    )
    .unwrap();
    (program, journal)
}

/// SHA-256 and Keccak calls in many segments, each reading the state the
/// previous segment's calls left in memory: the journal is what `sha2` and
/// `tiny-keccak` compute, and the receipt verifies.
#[test]
fn accelerator_calls_across_segments_prove_and_agree() {
    let (program, journal) = accelerator_program(24);
    let mut m = Machine::new(&program);
    let mut host = BufferHost::default();
    assert_eq!(m.run(&mut host).unwrap(), Exit::Halted { code: 0 });
    assert_eq!(host.journal, journal);
    let statement = Statement {
        status: 0,
        exit_code: 0,
        cycles: m.cycles(),
    };
    let proofs: Vec<EmberProof> = prove_segments(&program, b"", PO2, Params::default())
        .unwrap()
        .into_iter()
        .map(|p| p.proof)
        .collect();
    // About 190 cycles a round: five segments of 2^10 or more, each with
    // calls of both accelerators.
    assert!(proofs.len() >= 5, "{} segments", proofs.len());
    for proof in &proofs[..proofs.len() - 1] {
        assert!(proof.tables.contains(ember_air::Table::ShaCall));
        assert!(proof.tables.contains(ember_air::Table::KeccakCall));
    }
    let key = VerifyingKey::new(&program).unwrap();
    verify_segments(&key, b"", &journal, &statement, &proofs).unwrap();
    let mut other = journal.clone();
    other[40] ^= 1;
    assert!(verify_segments(&key, b"", &other, &statement, &proofs).is_err());
}

/// The cycles at which a run's ECALLs start.
#[derive(Default)]
struct EcallCycles(Vec<u64>);

impl ember_core::Observer for EcallCycles {
    fn step(&mut self, _: &ember_core::Step) {}

    fn ecall(&mut self, e: &ember_core::EcallStep<'_>) {
        self.0.push(e.cycle);
    }
}

/// `(t0, a0, a1, a2)` of each ECALL, one per segment of 2^10 cycles: every
/// kind that does not end the run, then `last` (HALT or PANIC).
fn ecalls_at_boundaries(last: (u32, u32, u32, u32)) -> [(u32, u32, u32, u32); 10] {
    [
        (ecall::READ, fd::INPUT, DATA + 0x400, 5),
        (ecall::INPUT_REMAINING, fd::INPUT, 0, 0),
        (ecall::WRITE, fd::STDOUT, DATA + 0x400, 3),
        (ecall::WRITE, fd::STDERR, DATA + 0x400, 2),
        (ecall::WRITE, fd::JOURNAL, DATA + 0x400, 5),
        (ecall::CYCLE_COUNT, 0, 0, 0),
        (ecall::SHA256_COMPRESS, DATA, DATA + 0x40, 1),
        (ecall::KECCAK_PERMUTE, DATA + 0x100, 0, 0),
        (ecall::WRITE, fd::JOURNAL, DATA, 32),
        last,
    ]
}

/// A program whose ECALL `k` starts at cycle `2^10 (k + 1)`: each one's
/// arguments set, then no-ops up to the boundary (found by running the
/// program built so far).
fn boundary_program(calls: &[(u32, u32, u32, u32)]) -> Program {
    let build = |pads: &[usize]| {
        let mut w = Vec::new();
        for (&(number, a0, a1, a2), &pad) in calls.iter().zip(pads) {
            w.extend(std::iter::repeat_n(asm::addi(0, 0, 0), pad));
            w.extend(asm::ecall_with(number, [a0, a1, a2]));
        }
        // The last ECALL ends the run; a HALT after it is never reached.
        w.extend([asm::addi(5, 0, ecall::HALT as i32), asm::ecall()]);
        let data = accelerator_data();
        Program::from_segments(
            CODE,
            vec![Segment::code(CODE, &w), Segment::data(DATA, &data, 0x1000)],
        )
        .unwrap()
    };
    let mut pads = vec![0; calls.len()];
    for k in 0..calls.len() {
        let mut cycles = EcallCycles::default();
        let program = build(&pads);
        let mut host = BufferHost::with_input(INPUT);
        let _ = Machine::new(&program).run_observed(&mut host, &mut cycles);
        let target = (k as u64 + 1) << PO2;
        pads[k] = usize::try_from(target - cycles.0[k]).unwrap();
    }
    build(&pads)
}

/// Every ECALL kind as the first instruction of a segment (READ,
/// INPUT_REMAINING, WRITE to each fd, CYCLE_COUNT, SHA256_COMPRESS,
/// KECCAK_PERMUTE, and the HALT or PANIC that ends the run): each segment
/// starts at an ECALL, and the receipt verifies against the executor's
/// claim.
#[test]
fn every_ecall_kind_first_in_a_segment() {
    let halt = (ecall::HALT, 7, 0, 0);
    let panic = (ecall::PANIC, DATA + 0x400, 4, 0);
    for (last, status, exit_code) in [(halt, 0, 7), (panic, 1, 0)] {
        let calls = ecalls_at_boundaries(last);
        let program = boundary_program(&calls);
        let mut cycles = EcallCycles::default();
        let mut machine = Machine::new(&program);
        let mut host = BufferHost::with_input(INPUT);
        let exit = machine.run_observed(&mut host, &mut cycles).unwrap();
        let starts: Vec<u64> = (1..=calls.len() as u64).map(|k| k << PO2).collect();
        assert_eq!(cycles.0, starts, "{exit:?}");
        let statement = Statement {
            status,
            exit_code,
            cycles: machine.cycles(),
        };
        let proofs: Vec<EmberProof> = prove_segments(&program, INPUT, PO2, Params::default())
            .unwrap()
            .into_iter()
            .map(|p| p.proof)
            .collect();
        // A first segment of set-up and no-ops, then one per ECALL.
        let mut at = 0;
        let mut boundaries = Vec::new();
        for proof in &proofs[..proofs.len() - 1] {
            at += u64::from(proof.end.cycles);
            boundaries.push(at);
        }
        assert_eq!(boundaries, starts, "segments end where the ECALLs start");
        let key = VerifyingKey::new(&program).unwrap();
        verify_segments(&key, INPUT, &host.journal, &statement, &proofs).unwrap();
    }
}

/// A run that reaches the most cycles a receipt holds (2^30) is refused
/// before the instruction that passes it, by name, and nothing of it is
/// proven: the Segmenter's own guard, fed one step at that cycle.
#[test]
fn a_run_past_2_30_cycles_is_refused_at_the_step_that_passes() {
    use ember_core::Observer;
    let p = proven();
    let mut segmenter =
        ember_prover::Segmenter::new(&p.program, INPUT, PO2, Params::default()).unwrap();
    let insn = ember_core::decode(asm::addi(5, 5, 1));
    let step = |cycle| ember_core::Step {
        cycle,
        pc: CODE,
        insn,
        next_pc: CODE + 4,
        rs1_value: 0,
        rs2_value: 0,
        rd: 5,
        rd_value: 1,
        result: 1,
        mem: None,
    };
    segmenter.step(&step(0));
    segmenter.step(&step(ember_prover::MAX_RUN_CYCLES));
    let result = segmenter.finish(&Ok(Exit::Halted { code: 0 }), ember_prover::MAX_RUN_CYCLES);
    let Err(err) = result else {
        panic!("a run past 2^30 cycles proven");
    };
    assert_eq!(
        err.to_string(),
        "cannot prove this run: it runs past 1073741824 cycles, the most a receipt holds in all \
         its segments (stopped after 1073741824)"
    );
}

/// A run stopped at 2^30 cycles (the limit `prove_segments` and
/// `Executor::prove` set) is a run too long to prove, with the same words
/// as the Segmenter's guard; a stop at any other limit stays a fault.
#[test]
fn a_stop_at_2_30_cycles_is_a_run_too_long_to_prove() {
    use ember_core::{Fault, FaultKind};
    let stop = |limit| Fault {
        kind: FaultKind::CycleLimitExceeded {
            limit,
            cycles: (1 << 30) - 3,
        },
        pc: CODE,
        word: None,
    };
    let err = ember_prover::run_too_long(&stop(ember_prover::MAX_RUN_CYCLES)).unwrap();
    assert_eq!(
        err.to_string(),
        "cannot prove this run: it runs past 1073741824 cycles, the most a receipt holds in all \
         its segments (stopped after 1073741821)"
    );
    assert!(ember_prover::run_too_long(&stop(1 << 29)).is_none());
}
