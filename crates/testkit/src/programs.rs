//! Random RV32IM programs: the generator behind ember-core's differential
//! tests and ember-prover's random proofs.
//!
//! A program is a list of [`Op`]s turned into words by [`assemble`]. Loads and
//! stores address `x31 ± 2047`, and no instruction writes x31, so every access
//! stays inside a 4 KiB data window; branches and jumps land inside the
//! program or on its end.

use ember_core::{Program, Segment, asm};
use proptest::prelude::*;

use crate::{CODE, DATA};

type RegOp = fn(u8, u8, u8) -> u32;
type ImmOp = fn(u8, u8, i32) -> u32;
type StoreOp = fn(u8, i32, u8) -> u32;

/// The register that holds the data window's middle; never written.
pub const BASE_REG: u8 = 31;

/// The data window's size: 4 KiB at [`DATA`], [`BASE_REG`] at its middle.
pub const WINDOW: u32 = 0x1000;

/// A program of `words` at [`CODE`] and the data window at [`DATA`], holding
/// `data` (at most [`WINDOW`] bytes; zero after them).
pub fn program(words: &[u32], data: &[u8]) -> Program {
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, words),
            Segment::data(DATA, data, WINDOW),
        ],
    )
    .expect("generated program is valid")
}

/// One generated instruction (or `auipc`+`jalr` pair): a selector and raw
/// operands that [`assemble`] maps onto a valid encoding.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    sel: u8,
    a: u8,
    b: u8,
    c: u8,
    imm: i32,
}

/// What kinds of op to generate.
#[derive(Clone, Copy, PartialEq)]
pub enum Flavour {
    /// Everything, including control flow and misaligned accesses.
    Full,
    /// Straight-line code with aligned accesses only (for qemu, which
    /// emulates misaligned accesses instead of faulting).
    StraightLine,
    /// [`Flavour::Full`] plus ECALLs (with their arguments set up just
    /// before: a buffer in the data window, up to 64 bytes) and EBREAK.
    WithEcalls,
    /// For proofs, whose cost hardly depends on the run's length: runs that
    /// go on. [`Flavour::WithEcalls`] plus WRITEs to stderr and PANIC (`a0`
    /// a buffer in the data window, `a1` its length), so every ECALL but
    /// SHA256_COMPRESS; no EBREAK; branches and jumps land on ops, jumps
    /// only forward. Faults stay, but rarer: bad ECALLs and (one access in
    /// 64) misaligned ones.
    Provable,
}

/// Words in the ECALL group [`assemble`] emits for [`Flavour::WithEcalls`]
/// and [`Flavour::Provable`].
const ECALL_GROUP: usize = 5;

/// Any op: [`assemble`] maps every value onto a valid encoding.
pub fn op() -> impl Strategy<Value = Op> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<i32>(),
    )
        .prop_map(|(sel, a, b, c, imm)| Op { sel, a, b, c, imm })
}

fn width(op: &Op, flavour: Flavour) -> usize {
    match (flavour, op.sel % sels(flavour)) {
        (_, 10) => 2,
        (Flavour::WithEcalls | Flavour::Provable, 13) => ECALL_GROUP,
        _ => 1,
    }
}

/// How many kinds of op a flavour draws from.
fn sels(flavour: Flavour) -> u8 {
    match flavour {
        Flavour::StraightLine => 8,
        Flavour::Full => 13,
        Flavour::WithEcalls => 15,
        Flavour::Provable => 14,
    }
}

/// A memory offset from x31 for an access of `size` bytes: aligned, except
/// in one case of sixteen (of 64 for [`Flavour::Provable`]) when misaligned
/// accesses are allowed.
fn offset(imm: i32, size: i32, flavour: Flavour) -> i32 {
    let raw = imm.rem_euclid(4096) - 2048;
    let misaligned = match flavour {
        Flavour::StraightLine => false,
        Flavour::Full | Flavour::WithEcalls => imm & 0xf000 == 0,
        Flavour::Provable => imm & 0x3f000 == 0,
    };
    if misaligned { raw } else { raw & !(size - 1) }
}

/// Turns ops into instruction words; the program ends at word `len`.
pub fn assemble(ops: &[Op], flavour: Flavour) -> Vec<u32> {
    let total: usize = ops.iter().map(|o| width(o, flavour)).sum();
    let mut words = Vec::with_capacity(total);
    // Where each op starts, and the end.
    let starts: Vec<i32> = ops
        .iter()
        .scan(0, |at, o| {
            let start = *at;
            *at += width(o, flavour) as i32;
            Some(start)
        })
        .chain([total as i32])
        .collect();
    for (i, o) in ops.iter().enumerate() {
        let here = words.len() as i32;
        let rd = o.a % 31; // x0..x30: never the base
        let (rs1, rs2) = (o.b % 32, o.c % 32);
        // A control-flow target in -3..=+4 words, clamped to the program.
        // For Provable, the start of an op -3..=+4 ops away (never this
        // one), so that ECALL set-ups and auipc-jalr pairs run whole, and
        // for a jump (which would loop forever) one of the next four.
        let op_start = |j: usize| starts[j.min(ops.len())];
        let target = |from: i32| match flavour {
            Flavour::Provable => {
                let d = o.imm.rem_euclid(7) - 3;
                op_start((i as i32 + d + i32::from(d >= 0)).max(0) as usize)
            }
            _ => (from + (o.imm.rem_euclid(8) - 3)).clamp(0, total as i32),
        };
        let jump_target = |from: i32| match flavour {
            Flavour::Provable => op_start(i + 1 + o.imm.rem_euclid(4) as usize),
            _ => target(from),
        };
        let imm12 = o.imm << 20 >> 20;
        let word = match o.sel % sels(flavour) {
            0 => {
                let ops: [RegOp; 10] = [
                    asm::add,
                    asm::sub,
                    asm::sll,
                    asm::slt,
                    asm::sltu,
                    asm::xor,
                    asm::srl,
                    asm::sra,
                    asm::or,
                    asm::and,
                ];
                ops[o.imm.rem_euclid(10) as usize](rd, rs1, rs2)
            }
            1 => {
                let ops: [RegOp; 8] = [
                    asm::mul,
                    asm::mulh,
                    asm::mulhsu,
                    asm::mulhu,
                    asm::div,
                    asm::divu,
                    asm::rem,
                    asm::remu,
                ];
                ops[(o.imm as u32 >> 29) as usize](rd, rs1, rs2)
            }
            2 => {
                let ops: [fn(u8, u8, i32) -> u32; 6] = [
                    asm::addi,
                    asm::slti,
                    asm::sltiu,
                    asm::xori,
                    asm::ori,
                    asm::andi,
                ];
                ops[usize::from(o.c % 6)](rd, rs1, imm12)
            }
            3 => {
                let ops: [RegOp; 3] = [asm::slli, asm::srli, asm::srai];
                ops[usize::from(o.c % 3)](rd, rs1, (o.imm & 31) as u8)
            }
            4 => asm::lui(rd, o.imm as u32),
            5 => asm::auipc(rd, o.imm as u32),
            6 => {
                let ops: [(ImmOp, i32); 5] = [
                    (asm::lb, 1),
                    (asm::lbu, 1),
                    (asm::lh, 2),
                    (asm::lhu, 2),
                    (asm::lw, 4),
                ];
                let (f, size) = ops[usize::from(o.c % 5)];
                f(rd, BASE_REG, offset(o.imm, size, flavour))
            }
            7 => {
                let ops: [(StoreOp, i32); 3] = [(asm::sb, 1), (asm::sh, 2), (asm::sw, 4)];
                let (f, size) = ops[usize::from(o.c % 3)];
                f(rs2, offset(o.imm, size, flavour), BASE_REG)
            }
            8 => {
                let ops: [ImmOp; 6] =
                    [asm::beq, asm::bne, asm::blt, asm::bge, asm::bltu, asm::bgeu];
                let f = ops[usize::from(o.a % 6)];
                f(rs1, rs2, (target(here) - here) * 4)
            }
            9 => asm::jal(rd, (jump_target(here) - here) * 4),
            10 => {
                // auipc rd, 0; jalr rd2, rd, offset: an indirect jump inside the program.
                let link = 1 + o.a % 30;
                words.push(asm::auipc(link, 0));
                asm::jalr(rs1 % 31, link, (jump_target(here) - here) * 4)
            }
            11 => asm::fence(),
            12 => asm::addi(rd, rs1, imm12),
            13 => {
                use ember_abi::{ecall, fd};
                let kinds = if flavour == Flavour::Provable { 10 } else { 8 };
                let (number, fd) = match o.c % kinds {
                    0 => (ecall::HALT, 0),
                    1 | 2 => (ecall::WRITE, fd::JOURNAL),
                    3 => (ecall::WRITE, fd::STDOUT),
                    4 => (ecall::READ, fd::INPUT),
                    5 => (ecall::INPUT_REMAINING, fd::INPUT),
                    6 => (ecall::CYCLE_COUNT, 0),
                    7 if o.b % 2 == 0 => (7, 0), // an unknown ECALL
                    7 => (ecall::WRITE, 9),      // a bad fd
                    8 => (ecall::WRITE, fd::STDERR),
                    _ => (ecall::PANIC, 0),
                };
                // A buffer of up to 64 bytes inside the data window.
                let at = o.imm.rem_euclid(1984) - 1024;
                let len = i32::from(o.a % 65);
                let args = if number == ecall::PANIC {
                    [
                        asm::addi(10, BASE_REG, at),
                        asm::addi(11, 0, len),
                        asm::addi(12, 0, 0), // unused: keeps the group's width
                    ]
                } else {
                    [
                        asm::addi(10, 0, fd as i32),
                        asm::addi(11, BASE_REG, at),
                        asm::addi(12, 0, len),
                    ]
                };
                words.push(asm::addi(5, 0, number as i32));
                words.extend(args);
                asm::ecall()
            }
            _ => asm::ebreak(),
        };
        words.push(word);
    }
    debug_assert_eq!(words.len(), total);
    words
}

/// A small deterministic generator for register and memory contents.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as u32
    }

    /// Interesting register values: edge cases half the time.
    pub fn value(&mut self) -> u32 {
        const EDGES: [u32; 8] = [
            0,
            1,
            2,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_ffff,
            0xffff_fffe,
            31,
        ];
        let r = self.next_u32();
        if r & 1 == 0 {
            EDGES[(r >> 1) as usize % EDGES.len()]
        } else {
            self.next_u32()
        }
    }
}
