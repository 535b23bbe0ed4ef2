//! Every ECALL: results, effects and cycle costs (SPEC §4, §5).

use ember_core::{BufferHost, Exit, Machine, asm};
use sha2::{Digest, Sha256};

use crate::common::*;

fn halt_with(code: u32) -> Vec<u32> {
    let mut w = li(A0, code);
    w.extend([asm::addi(T0, 0, 0), asm::ecall()]);
    w
}

#[test]
fn halt_reports_the_exit_code_and_costs_one_cycle() {
    for code in [0, 1, 255, 0xffff_ffff] {
        let (r, _, cycles) = run_with(&halt_with(code), &[]);
        assert_eq!(r, Ok(Exit::Halted { code }));
        assert_eq!(cycles, 4);
    }
}

/// WRITE(fd, DATA, len) after storing `bytes` at DATA.
fn write_program(fd: u32, len: u32) -> Vec<u32> {
    code(&[
        &[asm::addi(T0, 0, 2), asm::addi(A0, 0, fd as i32)],
        &li(A1, DATA),
        &li(A2, len),
        &[asm::ecall(), asm::addi(20, A0, 0)],
        &halt_with(0),
    ])
}

#[test]
fn write_goes_to_the_named_output_and_costs_per_word() {
    let data = b"hello, journal!";
    for fd in 1..=3u32 {
        let p = program_with_data(&write_program(fd, data.len() as u32), data);
        let mut m = Machine::new(&p);
        let mut host = BufferHost::default();
        assert_eq!(m.run(&mut host), Ok(Exit::Halted { code: 0 }));
        let outputs = [&host.stdout, &host.stderr, &host.journal];
        for (i, out) in outputs.iter().enumerate() {
            let want: &[u8] = if i + 1 == fd as usize { data } else { b"" };
            assert_eq!(out.as_slice(), want, "fd {fd}, output {i}");
        }
        assert_eq!(m.registers()[20], 15, "bytes written");
        // 2 + 2 + 2 (li) + 1 ecall + ceil(15/4) + 1 mv + 4 halt
        assert_eq!(m.cycles(), 2 + 2 + 2 + 1 + 4 + 1 + 4);
    }
}

#[test]
fn empty_write_from_any_pointer_is_allowed() {
    let words = code(&[
        &[
            asm::addi(T0, 0, 2),
            asm::addi(A0, 0, 1),
            asm::addi(A1, 0, 1),
        ],
        &[asm::ecall()],
        &halt_with(0),
    ]);
    let (r, host, cycles) = run_with(&words, &[]);
    assert_eq!(r, Ok(Exit::Halted { code: 0 }));
    assert!(host.stdout.is_empty());
    assert_eq!(cycles, 8);
}

#[test]
fn read_copies_input_and_reports_the_count() {
    // READ 8 bytes, then READ 8 more (only 2 left), then INPUT_REMAINING.
    let read = |dst: u32| -> Vec<u32> {
        code(&[
            &[
                asm::addi(T0, 0, 1),
                asm::addi(A0, 0, 0),
                asm::addi(A2, 0, 8),
            ],
            &li(A1, dst),
            &[asm::ecall()],
        ])
    };
    let words = code(&[
        &read(DATA),
        &[asm::addi(20, A0, 0)],
        &read(DATA + 8),
        &[asm::addi(21, A0, 0)],
        &read(DATA + 16),
        &[asm::addi(22, A0, 0)],
        &[asm::addi(T0, 0, 3), asm::addi(A0, 0, 0), asm::ecall()],
        &[asm::addi(23, A0, 0)],
        &halt_with(0),
    ]);
    let p = program(&words);
    let mut m = Machine::new(&p);
    let mut host = BufferHost::with_input(b"0123456789".to_vec());
    assert_eq!(m.run(&mut host), Ok(Exit::Halted { code: 0 }));
    let r = m.registers();
    assert_eq!((r[20], r[21], r[22], r[23]), (8, 2, 0, 0));
    let mut buf = [0u8; 12];
    m.memory().read_bytes(DATA, &mut buf);
    assert_eq!(&buf, b"0123456789\0\0");
    // Three READs of 6 instructions, the copies cost ceil(8/4) + ceil(2/4) + 0.
    assert_eq!(m.cycles(), 3 * 6 + 2 + 1 + 3 + 3 + 1 + 4);
}

#[test]
fn input_remaining_counts_down() {
    let words = code(&[
        &[asm::addi(T0, 0, 3), asm::addi(A0, 0, 0), asm::ecall()],
        &[asm::addi(20, A0, 0)],
        &halt_with(0),
    ]);
    let p = program(&words);
    let mut m = Machine::new(&p);
    let mut host = BufferHost::with_input(vec![7; 1234]);
    m.run(&mut host).unwrap();
    assert_eq!(m.registers()[20], 1234);
}

#[test]
fn cycle_count_returns_cycles_before_the_call() {
    let words = code(&[
        &[asm::addi(1, 0, 1); 5],
        &[
            asm::addi(T0, 0, 4),
            asm::ecall(),
            asm::addi(20, A0, 0),
            asm::addi(21, A1, 0),
        ],
        &halt_with(0),
    ]);
    let regs = {
        let p = program(&words);
        let mut m = Machine::new(&p);
        m.run(&mut BufferHost::default()).unwrap();
        *m.registers()
    };
    assert_eq!((regs[20], regs[21]), (6, 0));
}

#[test]
fn panic_reports_the_message() {
    let msg = "guest panicked at src/main.rs:3:5: oh no";
    let words = code(&[
        &li(A0, DATA),
        &li(A1, msg.len() as u32),
        &li(T0, 5),
        &[asm::ecall()],
    ]);
    let p = program_with_data(&words, msg.as_bytes());
    let mut m = Machine::new(&p);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Panicked {
            message: msg.to_string()
        })
    );
    assert_eq!(m.cycles(), 7);
}

#[test]
fn panic_with_invalid_utf8_keeps_the_rest() {
    let words = code(&[&li(A0, DATA), &li(A1, 4), &li(T0, 5), &[asm::ecall()]]);
    let p = program_with_data(&words, &[b'o', 0xff, b'k', b'!']);
    let mut m = Machine::new(&p);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Panicked {
            message: "o\u{fffd}k!".to_string()
        })
    );
}

const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Pads `msg` the SHA-256 way (FIPS 180-4 §5.1.1).
fn pad(msg: &[u8]) -> Vec<u8> {
    let mut m = msg.to_vec();
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&((msg.len() as u64) * 8).to_be_bytes());
    m
}

/// Runs SHA256_COMPRESS over the padded `msg` from the IV; returns the digest.
fn guest_sha256(msg: &[u8]) -> ([u8; 32], u64) {
    let blocks = pad(msg);
    let mut data: Vec<u8> = SHA256_IV.iter().flat_map(|w| w.to_le_bytes()).collect();
    data.extend_from_slice(&blocks);
    let words = code(&[
        &li(A0, DATA),
        &li(A1, DATA + 32),
        &li(A2, (blocks.len() / 64) as u32),
        &li(T0, 16),
        &[asm::ecall()],
        &halt_with(0),
    ]);
    let p = program_with_data(&words, &data);
    let mut m = Machine::new(&p);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Halted { code: 0 })
    );
    let mut digest = [0u8; 32];
    for i in 0..8 {
        let word = m.memory().read_u32(DATA + 4 * i);
        digest[4 * i as usize..][..4].copy_from_slice(&word.to_be_bytes());
    }
    (digest, m.cycles())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn sha256_compress_matches_nist_vectors() {
    // FIPS 180-2 appendix B examples.
    let (d, cycles) = guest_sha256(b"abc");
    assert_eq!(
        hex(&d),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // 8 li words + ecall (1 + 68) + 4 halt
    assert_eq!(cycles, 8 + 1 + 68 + 4);
    let (d, _) = guest_sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    assert_eq!(
        hex(&d),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    let (d, _) = guest_sha256(b"");
    assert_eq!(
        hex(&d),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn sha256_compress_agrees_with_sha2_on_many_blocks() {
    let msg: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
    let (d, cycles) = guest_sha256(&msg);
    assert_eq!(d.as_slice(), Sha256::digest(&msg).as_slice());
    let blocks = pad(&msg).len() as u64 / 64;
    assert_eq!(cycles, 8 + 1 + 68 * blocks + 4);
}

#[test]
fn a_huge_write_streams_from_guest_pages() {
    // WRITE 1 GiB of untouched heap to stdout: delivered in page-sized pieces,
    // never copied whole.
    struct Counting(u64, usize);
    impl ember_core::Host for Counting {
        fn read_input(&mut self, _: &mut [u8]) -> usize {
            0
        }
        fn input_remaining(&self) -> usize {
            0
        }
        fn write(&mut self, _: ember_core::Output, bytes: &[u8]) {
            self.0 += bytes.len() as u64;
            self.1 = self.1.max(bytes.len());
        }
    }
    let words = code(&[
        &[asm::addi(T0, 0, 2), asm::addi(A0, 0, 1)],
        &li(A1, 0x8000_0000),
        &li(A2, 1 << 30),
        &[asm::ecall()],
        &halt_with(0),
    ]);
    let p = program(&words);
    let mut m = Machine::new(&p);
    let mut host = Counting(0, 0);
    assert_eq!(m.run(&mut host), Ok(Exit::Halted { code: 0 }));
    assert_eq!((host.0, host.1), (1 << 30, 4096));
    assert_eq!(m.cycles(), 2 + 2 + 2 + 1 + (1 << 28) + 4);
}

#[test]
fn long_panic_messages_are_cut_and_say_so() {
    let words = code(&[
        &li(A0, 0x8000_0000),
        &li(A1, 100_000),
        &li(T0, 5),
        &[asm::ecall()],
    ]);
    let (r, _, _) = run_with(&words, &[]);
    let Ok(Exit::Panicked { message }) = r else {
        panic!("expected a panic, got {r:?}");
    };
    assert_eq!(
        message.len(),
        65536 + " [message truncated: 34464 more bytes]".len()
    );
    assert!(message.ends_with("\0 [message truncated: 34464 more bytes]"));
}

/// The journal limit: a WRITE that would take the journal past it faults
/// before any effect, naming the limit, what was committed and what was
/// asked; the journal so far is kept and exactly the limit is allowed.
#[test]
fn journal_writes_stop_at_the_journal_limit() {
    let data = b"0123456789abcdef";
    // Two journal WRITEs of 10 bytes each.
    let words = code(&[
        &[asm::addi(T0, 0, 2), asm::addi(A0, 0, 3)],
        &li(A1, DATA),
        &li(A2, 10),
        &[asm::ecall()],
        &[asm::addi(T0, 0, 2), asm::addi(A0, 0, 3)],
        &[asm::ecall()],
        &halt_with(0),
    ]);
    let p = program_with_data(&words, data);
    for (limit, ok) in [(20, true), (19, false), (10, false)] {
        let mut m = Machine::new(&p);
        m.set_journal_limit(limit);
        let mut host = BufferHost::default();
        let r = m.run(&mut host);
        if ok {
            assert_eq!(r, Ok(Exit::Halted { code: 0 }));
            assert_eq!(host.journal, b"01234567890123456789");
            assert_eq!(m.journal_len(), 20);
            continue;
        }
        let fault = r.unwrap_err();
        assert_eq!(
            fault.kind,
            ember_core::FaultKind::JournalLimitExceeded {
                limit,
                journal: 10,
                len: 10
            }
        );
        assert_eq!(fault.pc, CODE + 4 * 9, "the second ecall");
        assert_eq!(host.journal, b"0123456789", "the journal so far is kept");
        assert_eq!(m.journal_len(), 10);
        assert_eq!(
            fault.kind.to_string(),
            format!(
                "journal limit exceeded: limit {limit} bytes, 10 bytes committed, 10 more asked for"
            )
        );
    }
    // Output to stdout does not count.
    let p = program_with_data(&write_program(1, 16), data);
    let mut m = Machine::new(&p);
    m.set_journal_limit(0);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Halted { code: 0 })
    );
}

/// KECCAK_PERMUTE on the 200 bytes at DATA holding `lanes`, `times` times
/// in a row; returns the lanes after and the cycles.
fn guest_keccak(lanes: &[u64; 25], times: usize) -> ([u64; 25], u64) {
    let data: Vec<u8> = lanes.iter().flat_map(|l| l.to_le_bytes()).collect();
    let mut calls = Vec::new();
    for _ in 0..times {
        calls.push(asm::ecall());
    }
    let words = code(&[&li(A0, DATA), &li(T0, 17), &calls, &halt_with(0)]);
    let p = program_with_data(&words, &data);
    let mut m = Machine::new(&p);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Halted { code: 0 })
    );
    let mut out = [0u64; 25];
    for (i, lane) in out.iter_mut().enumerate() {
        let at = DATA + 8 * i as u32;
        let (lo, hi) = (m.memory().read_u32(at), m.memory().read_u32(at + 4));
        *lane = u64::from(lo) | u64::from(hi) << 32;
    }
    (out, m.cycles())
}

#[test]
fn keccak_permute_matches_the_keccak_teams_known_answer() {
    // Keccak-f[1600] of the all-zero state, from the Keccak team's
    // KeccakF-1600-IntermediateValues.txt.
    const ZERO_PERMUTED: [u64; 25] = [
        0xF1258F7940E1DDE7,
        0x84D5CCF933C0478A,
        0xD598261EA65AA9EE,
        0xBD1547306F80494D,
        0x8B284E056253D057,
        0xFF97A42D7F8E6FD4,
        0x90FEE5A0A44647C4,
        0x8C5BDA0CD6192E76,
        0xAD30A6F71B19059C,
        0x30935AB7D08FFC64,
        0xEB5AA93F2317D635,
        0xA9A6E6260D712103,
        0x81A57C16DBCF555F,
        0x43B831CD0347C826,
        0x01F22F1A11A5569F,
        0x05E5635A21D9AE61,
        0x64BEFEF28CC970F2,
        0x613670957BC46611,
        0xB87C5A554FD00ECB,
        0x8C3EE88A1CCF32C8,
        0x940C7922AE3A2614,
        0x1841F924A2C509E4,
        0x16F53526E70465C2,
        0x75F644E97F30A13B,
        0xEAF1FF7B5CECA249,
    ];
    let (out, cycles) = guest_keccak(&[0; 25], 1);
    assert_eq!(out, ZERO_PERMUTED);
    // 4 li words + ecall (1 + 100) + 4 halt
    assert_eq!(cycles, 4 + 1 + 100 + 4);
}

#[test]
fn keccak_permute_agrees_with_tiny_keccak_on_random_states() {
    // splitmix64: states that are neither zero nor structured.
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for times in [1, 2, 3] {
        let state: [u64; 25] = std::array::from_fn(|_| next());
        let mut want = state;
        for _ in 0..times {
            tiny_keccak::keccakf(&mut want);
        }
        let (out, cycles) = guest_keccak(&state, times);
        assert_eq!(out, want, "{times} permutation(s)");
        assert_eq!(cycles, 4 + times as u64 * 101 + 4);
    }
}
