//! Every RV32IM instruction on its edge cases, with exact expected values.
//! Expected values come from the RISC-V specification's definitions.

use ember_core::{BufferHost, Machine, asm};

use crate::common::*;

const MIN: u32 = 0x8000_0000;
const MAX: u32 = 0x7fff_ffff;
const NEG1: u32 = u32::MAX;

/// Executes one instruction with x1 = a, x2 = b; returns x3 and the new pc.
fn exec(word: u32, a: u32, b: u32) -> (u32, u32) {
    let p = program(&[word, asm::ebreak()]);
    let mut m = Machine::new(&p);
    m.set_register(1, a);
    m.set_register(2, b);
    assert_eq!(m.step(&mut BufferHost::default()), Ok(None), "{word:#010x}");
    assert_eq!(m.cycles(), 1);
    (m.registers()[3], m.pc())
}

/// `rd = x3`, `rs1 = x1`, `rs2 = x2`.
fn rr(op: fn(u8, u8, u8) -> u32, a: u32, b: u32) -> u32 {
    let (v, pc) = exec(op(3, 1, 2), a, b);
    assert_eq!(pc, CODE + 4);
    v
}

fn ri(op: fn(u8, u8, i32) -> u32, a: u32, imm: i32) -> u32 {
    exec(op(3, 1, imm), a, 0).0
}

fn rs(op: fn(u8, u8, u8) -> u32, a: u32, shamt: u8) -> u32 {
    exec(op(3, 1, shamt), a, 0).0
}

#[test]
fn add_sub_wrap() {
    assert_eq!(rr(asm::add, 1, 2), 3);
    assert_eq!(rr(asm::add, MAX, 1), MIN);
    assert_eq!(rr(asm::add, NEG1, 1), 0);
    assert_eq!(rr(asm::sub, 0, 1), NEG1);
    assert_eq!(rr(asm::sub, MIN, 1), MAX);
}

#[test]
fn logic_ops() {
    assert_eq!(rr(asm::and, 0xff00_ff00, 0x0ff0_0ff0), 0x0f00_0f00);
    assert_eq!(rr(asm::or, 0xff00_ff00, 0x0ff0_0ff0), 0xfff0_fff0);
    assert_eq!(rr(asm::xor, 0xff00_ff00, 0x0ff0_0ff0), 0xf0f0_f0f0);
}

#[test]
fn set_less_than() {
    assert_eq!(rr(asm::slt, NEG1, 1), 1);
    assert_eq!(rr(asm::slt, 1, NEG1), 0);
    assert_eq!(rr(asm::slt, MIN, MAX), 1);
    assert_eq!(rr(asm::sltu, NEG1, 1), 0);
    assert_eq!(rr(asm::sltu, 1, NEG1), 1);
    assert_eq!(rr(asm::sltu, 5, 5), 0);
}

#[test]
fn register_shifts_use_low_five_bits() {
    assert_eq!(rr(asm::sll, 1, 31), MIN);
    assert_eq!(rr(asm::sll, 1, 32), 1);
    assert_eq!(rr(asm::sll, 3, 0xffff_ffe1), 6);
    assert_eq!(rr(asm::srl, MIN, 31), 1);
    assert_eq!(rr(asm::srl, MIN, 63), 1);
    assert_eq!(rr(asm::sra, MIN, 31), NEG1);
    assert_eq!(rr(asm::sra, MIN, 4), 0xf800_0000);
    assert_eq!(rr(asm::sra, MAX, 30), 1);
}

#[test]
fn immediate_shifts() {
    assert_eq!(rs(asm::slli, 0x8000_0001, 1), 2);
    assert_eq!(rs(asm::slli, 1, 31), MIN);
    assert_eq!(rs(asm::srli, MIN, 31), 1);
    assert_eq!(rs(asm::srli, NEG1, 0), NEG1);
    assert_eq!(rs(asm::srai, MIN, 31), NEG1);
    assert_eq!(rs(asm::srai, 0x4000_0000, 30), 1);
}

#[test]
fn immediates_are_sign_extended() {
    assert_eq!(ri(asm::addi, 0, -1), NEG1);
    assert_eq!(ri(asm::addi, 0, -2048), 0xffff_f800);
    assert_eq!(ri(asm::addi, 0, 2047), 2047);
    assert_eq!(ri(asm::addi, MAX, 1), MIN);
    assert_eq!(ri(asm::andi, 0x1234_5678, -1), 0x1234_5678);
    assert_eq!(ri(asm::andi, 0x1234_5678, 0x7f0), 0x0000_0670);
    assert_eq!(ri(asm::ori, 0, -2048), 0xffff_f800);
    assert_eq!(ri(asm::xori, 0x1234_5678, -1), !0x1234_5678);
    assert_eq!(ri(asm::slti, NEG1, 0), 1);
    assert_eq!(ri(asm::slti, 0, -1), 0);
    // sltiu compares against the sign-extended immediate as unsigned.
    assert_eq!(ri(asm::sltiu, 5, -1), 1);
    assert_eq!(ri(asm::sltiu, NEG1, -1), 0);
    assert_eq!(ri(asm::sltiu, 0, 1), 1);
}

#[test]
fn multiply() {
    assert_eq!(rr(asm::mul, 0x0001_0001, 0x0001_0001), 0x0002_0001);
    assert_eq!(rr(asm::mul, NEG1, NEG1), 1);
    assert_eq!(rr(asm::mul, MIN, NEG1), MIN);
    assert_eq!(rr(asm::mulh, NEG1, NEG1), 0);
    assert_eq!(rr(asm::mulh, MIN, MIN), 0x4000_0000);
    assert_eq!(rr(asm::mulh, MIN, MAX), 0xc000_0000);
    assert_eq!(rr(asm::mulhu, NEG1, NEG1), 0xffff_fffe);
    assert_eq!(rr(asm::mulhu, MIN, 2), 1);
    assert_eq!(rr(asm::mulhsu, NEG1, NEG1), NEG1);
    assert_eq!(rr(asm::mulhsu, MIN, NEG1), 0x8000_0000);
    assert_eq!(rr(asm::mulhsu, 1, NEG1), 0);
}

#[test]
fn divide_by_zero_and_overflow() {
    assert_eq!(rr(asm::div, 20, 0), NEG1);
    assert_eq!(rr(asm::divu, 20, 0), NEG1);
    assert_eq!(rr(asm::rem, 20, 0), 20);
    assert_eq!(rr(asm::remu, 20, 0), 20);
    assert_eq!(rr(asm::div, MIN, NEG1), MIN);
    assert_eq!(rr(asm::rem, MIN, NEG1), 0);
    assert_eq!(rr(asm::divu, MIN, NEG1), 0);
    assert_eq!(rr(asm::remu, MIN, NEG1), MIN);
}

#[test]
fn divide_rounds_toward_zero() {
    let n = |v: i32| v as u32;
    assert_eq!(rr(asm::div, n(-7), 2), n(-3));
    assert_eq!(rr(asm::rem, n(-7), 2), n(-1));
    assert_eq!(rr(asm::div, 7, n(-2)), n(-3));
    assert_eq!(rr(asm::rem, 7, n(-2)), 1);
    assert_eq!(rr(asm::divu, n(-7), 2), 0x7fff_fffc);
    assert_eq!(rr(asm::remu, n(-7), 2), 1);
}

#[test]
fn writes_to_x0_are_discarded() {
    let regs = run_regs(&[asm::addi(0, 0, 5), asm::lui(0, 1), asm::add(1, 0, 0)]);
    assert_eq!(regs[0], 0);
    assert_eq!(regs[1], 0);
}

#[test]
fn lui_and_auipc() {
    assert_eq!(exec(asm::lui(3, 0xfffff), 0, 0).0, 0xffff_f000);
    assert_eq!(exec(asm::lui(3, 0x12345), 0, 0).0, 0x1234_5000);
    assert_eq!(exec(asm::auipc(3, 0), 0, 0).0, CODE);
    assert_eq!(exec(asm::auipc(3, 0xfffff), 0, 0).0, CODE - 0x1000);
    assert_eq!(exec(asm::auipc(3, 1), 0, 0).0, CODE + 0x1000);
}

#[test]
fn li_loads_every_kind_of_constant() {
    for v in [
        0,
        1,
        0x7ff,
        0x800,
        0xfff,
        MIN,
        MAX,
        NEG1,
        0x1234_5800,
        0xdead_beef,
    ] {
        let regs = run_regs(&li(7, v));
        assert_eq!(regs[7], v, "{v:#x}");
    }
}

#[test]
fn jal_links_and_jumps() {
    let (link, pc) = exec(asm::jal(3, 8), 0, 0);
    assert_eq!((link, pc), (CODE + 4, CODE + 8));
    // A backward jump: reach the third word first, then jump back to the second.
    let p2 = program(&[asm::jal(0, 8), asm::ebreak(), asm::jal(3, -4)]);
    let mut m2 = Machine::new(&p2);
    let mut h = BufferHost::default();
    m2.step(&mut h).unwrap();
    m2.step(&mut h).unwrap();
    assert_eq!(m2.pc(), CODE + 4);
    assert_eq!(m2.registers()[3], CODE + 12);
}

#[test]
fn jalr_clears_bit_zero_and_reads_rs1_before_linking() {
    let (link, pc) = exec(asm::jalr(3, 1, 1), CODE + 8, 0);
    assert_eq!((link, pc), (CODE + 4, CODE + 8));
    let (link, pc) = exec(asm::jalr(3, 1, -3), CODE + 11, 0);
    assert_eq!((link, pc), (CODE + 4, CODE + 8));
    // rd == rs1: the target uses the old value.
    let p = program(&[asm::jalr(1, 1, 0), asm::ebreak(), asm::ebreak()]);
    let mut m = Machine::new(&p);
    m.set_register(1, CODE + 8);
    m.step(&mut BufferHost::default()).unwrap();
    assert_eq!((m.pc(), m.registers()[1]), (CODE + 8, CODE + 4));
}

#[test]
fn branches_compare_signed_and_unsigned() {
    type B = fn(u8, u8, i32) -> u32;
    let cases: [(B, u32, u32, bool); 18] = [
        (asm::beq, 5, 5, true),
        (asm::beq, 5, 6, false),
        (asm::bne, 5, 6, true),
        (asm::bne, 5, 5, false),
        (asm::blt, NEG1, 0, true),
        (asm::blt, 0, NEG1, false),
        (asm::blt, 3, 3, false),
        (asm::bge, 0, NEG1, true),
        (asm::bge, 3, 3, true),
        (asm::bge, MIN, MAX, false),
        (asm::bltu, 0, NEG1, true),
        (asm::bltu, NEG1, 0, false),
        (asm::bltu, 3, 3, false),
        (asm::bgeu, NEG1, 0, true),
        (asm::bgeu, 3, 3, true),
        (asm::bgeu, 0, NEG1, false),
        (asm::blt, MIN, MAX, true),
        (asm::bltu, MAX, MIN, true),
    ];
    for (i, (op, a, b, taken)) in cases.into_iter().enumerate() {
        let (_, pc) = exec(op(1, 2, 8), a, b);
        let want = if taken { CODE + 8 } else { CODE + 4 };
        assert_eq!(pc, want, "case {i}: {a:#x} vs {b:#x}");
    }
}

#[test]
fn backward_branch_loops() {
    // x1 = 10; loop: x2 += 3; x1 -= 1; bnez x1, loop
    let regs = run_regs(&[
        asm::addi(1, 0, 10),
        asm::addi(3, 3, 3),
        asm::addi(1, 1, -1),
        asm::bne(1, 0, -8),
    ]);
    assert_eq!((regs[1], regs[3]), (0, 30));
}

#[test]
fn loads_sign_and_zero_extend() {
    let data = [0x80, 0xff, 0x7f, 0x01, 0xef, 0xbe, 0xad, 0xde];
    let p = program_with_data(
        &with_halt(&code(&[
            &li(1, DATA),
            &[
                asm::lb(3, 1, 0),
                asm::lbu(4, 1, 0),
                asm::lh(15, 1, 0),
                asm::lhu(6, 1, 0),
                asm::lw(7, 1, 0),
                asm::lh(8, 1, 2),
                asm::lw(9, 1, 4),
                asm::lb(13, 1, 3),
                asm::lbu(14, 1, 7),
            ],
        ])),
        &data,
    );
    let mut m = Machine::new(&p);
    m.run(&mut BufferHost::default()).unwrap();
    let r = m.registers();
    assert_eq!(r[3], 0xffff_ff80);
    assert_eq!(r[4], 0x80);
    assert_eq!(r[15], 0xffff_ff80);
    assert_eq!(r[6], 0xff80);
    assert_eq!(r[7], 0x017f_ff80);
    assert_eq!(r[8], 0x017f);
    assert_eq!(r[9], 0xdead_beef);
    assert_eq!(r[13], 1);
    assert_eq!(r[14], 0xde);
}

#[test]
fn negative_offsets_and_unwritten_memory() {
    let regs = run_regs(&code(&[
        &li(1, DATA + 0x100),
        &li(2, 0x1122_3344),
        &[asm::sw(2, -4, 1), asm::lw(3, 1, -4), asm::lw(4, 1, 0x7fc)],
    ]));
    assert_eq!(regs[3], 0x1122_3344);
    assert_eq!(regs[4], 0);
}

#[test]
fn stores_write_only_their_width() {
    let p = program(&with_halt(&code(&[
        &li(1, DATA),
        &li(2, 0xa1b2_c3d4),
        &[
            asm::sw(2, 0, 1),
            asm::sh(0, 0, 1),
            asm::sb(2, 3, 1),
            asm::sb(2, 4, 1),
            asm::sh(2, 6, 1),
            asm::lw(3, 1, 0),
            asm::lw(4, 1, 4),
        ],
    ])));
    let mut m = Machine::new(&p);
    m.run(&mut BufferHost::default()).unwrap();
    assert_eq!(m.registers()[3], 0xd4b2_0000);
    assert_eq!(m.registers()[4], 0xc3d4_00d4);
    let mut bytes = [0; 8];
    m.memory().read_bytes(DATA, &mut bytes);
    assert_eq!(bytes, [0, 0, 0xb2, 0xd4, 0xd4, 0, 0xd4, 0xc3]);
}

#[test]
fn stack_is_usable_from_the_initial_sp() {
    let regs = run_regs(&[
        asm::addi(SP, SP, -16),
        asm::addi(1, 0, 42),
        asm::sw(1, 12, SP),
        asm::lw(3, SP, 12),
        asm::addi(SP, SP, 16),
    ]);
    assert_eq!(regs[3], 42);
    assert_eq!(regs[SP as usize], 0x0040_0000);
}

#[test]
fn fences_are_no_ops() {
    let regs = run_regs(&[
        asm::addi(1, 0, 1),
        asm::fence(),
        asm::fence_i(),
        asm::addi(1, 1, 1),
    ]);
    assert_eq!(regs[1], 2);
    // A fence with nonzero reserved fields (rd, rs1) is still a fence.
    let (_, pc) = exec(0x0ff0_8f8f, 0, 0);
    assert_eq!(pc, CODE + 4);
}

#[test]
fn initial_state_matches_the_abi() {
    let p = program(&[asm::ebreak()]);
    let m = Machine::new(&p);
    let mut want = [0u32; 32];
    want[2] = 0x0040_0000;
    assert_eq!(m.registers(), &want);
    assert_eq!((m.pc(), m.cycles(), m.instructions()), (CODE, 0, 0));
}
