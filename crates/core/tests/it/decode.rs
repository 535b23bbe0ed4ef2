//! The decoder against the in-Rust assembler, against rrs-lib's decoder (an
//! independent implementation) on random words, and the disassembler's text.

use ember_core::{Instruction, Instruction::*, asm, decode};
use proptest::prelude::*;
use rrs_lib::instruction_string_outputter::InstructionStringOutputter;

#[test]
fn every_instruction_decodes_from_its_encoding() {
    let cases: Vec<(u32, Instruction)> = vec![
        (
            asm::lui(1, 0xfffff),
            Lui {
                rd: 1,
                imm: 0xffff_f000,
            },
        ),
        (
            asm::auipc(31, 1),
            Auipc {
                rd: 31,
                imm: 0x1000,
            },
        ),
        (
            asm::jal(1, -(1 << 20)),
            Jal {
                rd: 1,
                offset: -(1 << 20),
            },
        ),
        (
            asm::jal(0, (1 << 20) - 2),
            Jal {
                rd: 0,
                offset: (1 << 20) - 2,
            },
        ),
        (
            asm::jalr(1, 2, -2048),
            Jalr {
                rd: 1,
                rs1: 2,
                offset: -2048,
            },
        ),
        (
            asm::beq(1, 2, -4096),
            Beq {
                rs1: 1,
                rs2: 2,
                offset: -4096,
            },
        ),
        (
            asm::bne(3, 4, 4094),
            Bne {
                rs1: 3,
                rs2: 4,
                offset: 4094,
            },
        ),
        (
            asm::blt(5, 6, 2),
            Blt {
                rs1: 5,
                rs2: 6,
                offset: 2,
            },
        ),
        (
            asm::bge(7, 8, -2),
            Bge {
                rs1: 7,
                rs2: 8,
                offset: -2,
            },
        ),
        (
            asm::bltu(9, 10, 2048),
            Bltu {
                rs1: 9,
                rs2: 10,
                offset: 2048,
            },
        ),
        (
            asm::bgeu(11, 12, 16),
            Bgeu {
                rs1: 11,
                rs2: 12,
                offset: 16,
            },
        ),
        (
            asm::lb(1, 2, -1),
            Lb {
                rd: 1,
                rs1: 2,
                offset: -1,
            },
        ),
        (
            asm::lh(1, 2, 2047),
            Lh {
                rd: 1,
                rs1: 2,
                offset: 2047,
            },
        ),
        (
            asm::lw(1, 2, -2048),
            Lw {
                rd: 1,
                rs1: 2,
                offset: -2048,
            },
        ),
        (
            asm::lbu(1, 2, 0),
            Lbu {
                rd: 1,
                rs1: 2,
                offset: 0,
            },
        ),
        (
            asm::lhu(1, 2, 6),
            Lhu {
                rd: 1,
                rs1: 2,
                offset: 6,
            },
        ),
        (
            asm::sb(3, -2048, 4),
            Sb {
                rs1: 4,
                rs2: 3,
                offset: -2048,
            },
        ),
        (
            asm::sh(3, 2047, 4),
            Sh {
                rs1: 4,
                rs2: 3,
                offset: 2047,
            },
        ),
        (
            asm::sw(3, -1, 4),
            Sw {
                rs1: 4,
                rs2: 3,
                offset: -1,
            },
        ),
        (
            asm::addi(1, 2, -1),
            Addi {
                rd: 1,
                rs1: 2,
                imm: -1,
            },
        ),
        (
            asm::slti(1, 2, 5),
            Slti {
                rd: 1,
                rs1: 2,
                imm: 5,
            },
        ),
        (
            asm::sltiu(1, 2, -5),
            Sltiu {
                rd: 1,
                rs1: 2,
                imm: -5,
            },
        ),
        (
            asm::xori(1, 2, -1),
            Xori {
                rd: 1,
                rs1: 2,
                imm: -1,
            },
        ),
        (
            asm::ori(1, 2, 0x7ff),
            Ori {
                rd: 1,
                rs1: 2,
                imm: 0x7ff,
            },
        ),
        (
            asm::andi(1, 2, -2048),
            Andi {
                rd: 1,
                rs1: 2,
                imm: -2048,
            },
        ),
        (
            asm::slli(1, 2, 31),
            Slli {
                rd: 1,
                rs1: 2,
                shamt: 31,
            },
        ),
        (
            asm::srli(1, 2, 1),
            Srli {
                rd: 1,
                rs1: 2,
                shamt: 1,
            },
        ),
        (
            asm::srai(1, 2, 17),
            Srai {
                rd: 1,
                rs1: 2,
                shamt: 17,
            },
        ),
        (
            asm::add(1, 2, 3),
            Add {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::sub(1, 2, 3),
            Sub {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::sll(1, 2, 3),
            Sll {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::slt(1, 2, 3),
            Slt {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::sltu(1, 2, 3),
            Sltu {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::xor(1, 2, 3),
            Xor {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::srl(1, 2, 3),
            Srl {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::sra(1, 2, 3),
            Sra {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::or(1, 2, 3),
            Or {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::and(1, 2, 3),
            And {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::mul(29, 30, 31),
            Mul {
                rd: 29,
                rs1: 30,
                rs2: 31,
            },
        ),
        (
            asm::mulh(1, 2, 3),
            Mulh {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::mulhsu(1, 2, 3),
            Mulhsu {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::mulhu(1, 2, 3),
            Mulhu {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::div(1, 2, 3),
            Div {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::divu(1, 2, 3),
            Divu {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::rem(1, 2, 3),
            Rem {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (
            asm::remu(1, 2, 3),
            Remu {
                rd: 1,
                rs1: 2,
                rs2: 3,
            },
        ),
        (asm::fence(), Fence { pred: 15, succ: 15 }),
        (asm::fence_i(), FenceI),
        (asm::ecall(), Ecall),
        (asm::ebreak(), Ebreak),
    ];
    for (word, want) in cases {
        assert_eq!(decode(word), want, "{word:#010x}");
    }
}

#[test]
fn known_encodings_from_the_spec() {
    // Words as GNU as assembles them.
    assert_eq!(
        decode(0x00a00513),
        Addi {
            rd: 10,
            rs1: 0,
            imm: 10
        }
    ); // li a0,10
    assert_eq!(
        decode(0x00008067),
        Jalr {
            rd: 0,
            rs1: 1,
            offset: 0
        }
    ); // ret
    assert_eq!(
        decode(0xfe010113),
        Addi {
            rd: 2,
            rs1: 2,
            imm: -32
        }
    ); // addi sp,sp,-32
    assert_eq!(
        decode(0x00112e23),
        Sw {
            rs1: 2,
            rs2: 1,
            offset: 28
        }
    ); // sw ra,28(sp)
    assert_eq!(
        decode(0x02b50533),
        Mul {
            rd: 10,
            rs1: 10,
            rs2: 11
        }
    ); // mul a0,a0,a1
    assert_eq!(decode(0x0330000f), Fence { pred: 3, succ: 3 }); // fence rw,rw
}

#[test]
fn non_rv32im_words_are_illegal() {
    for word in [
        0x0000_0000u32,
        0xffff_ffff,
        0x0000_0001, // compressed quadrant 1
        0x0000_0002, // compressed quadrant 2
        0x3400_2573, // csrr a0, mscratch
        0xc000_2573, // rdcycle a0
        0x3020_0073, // mret
        0x1050_0073, // wfi
        0x1200_0073, // sfence.vma
        0x0010_1073, // csrw with funct3 1
        0x0020_0073, // uret
        0x1000_252f, // lr.w
        0x0c00_202f, // amoswap.w
        0x0000_2007, // flw
        0x0000_2027, // fsw
        0x0000_0053, // fadd.s
        0x0000_3003, // ld (RV64)
        0x0000_301b, // addiw (RV64)
        0x0200_1013, // slli shamt[5] = 1
        0x0200_5013, // srli shamt[5] = 1
        0x4200_5013, // srai shamt[5] = 1
        0x2000_5013, // srli with a reserved funct7 bit
        0x0000_1067, // jalr with funct3 = 1
        0x0000_2063, // branch funct3 = 2
        0x0000_6003, // load funct3 = 6
        0x0000_3023, // store funct3 = 3 (sd)
        0x4000_1033, // sub-funct7 with sll
        0x0400_0033, // reserved funct7
        0x0000_200f, // MISC-MEM funct3 = 2 (cbo)
        0x0000_0077, // SYSTEM-like opcode with rd bits
        0x0000_107f, // 64-bit encoding prefix
    ] {
        assert_eq!(decode(word), Illegal(word), "{word:#010x}");
    }
}

/// Words on which Ember deliberately differs from rrs-lib's decoder.
fn rrs_differs(word: u32) -> bool {
    let (opcode, f3, f7) = (word & 0x7f, (word >> 12) & 7, word >> 25);
    // rrs accepts slli with any funct7 (RV32 reserves shamt[5] and the rest).
    (opcode == 0x13 && f3 == 1 && f7 != 0)
        // rrs accepts jalr with any funct3.
        || (opcode == 0x67 && f3 != 0)
        // rrs does not implement fence.i, ecall or ebreak.
        || (opcode == 0x0f && f3 == 1)
        || word == 0x73
        || word == 0x0010_0073
}

fn rrs_legal(word: u32) -> bool {
    let mut out = InstructionStringOutputter { insn_pc: 0 };
    rrs_lib::process_instruction(&mut out, word).is_some()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200_000))]

    /// Legal and illegal words agree with rrs-lib on random words of every
    /// opcode (rare words are made common by forcing the low two bits).
    #[test]
    fn legality_agrees_with_rrs(word in any::<u32>(), force_32bit in any::<bool>()) {
        let word = if force_32bit { word | 3 } else { word };
        if !rrs_differs(word) {
            let ours = !matches!(decode(word), Illegal(_));
            prop_assert_eq!(ours, rrs_legal(word), "{:#010x}: {}", word, decode(word));
        }
    }
}

#[test]
fn deliberate_differences_from_rrs() {
    assert!(rrs_legal(0x0200_1013) && decode(0x0200_1013) == Illegal(0x0200_1013));
    assert!(rrs_legal(0x0000_1067) && decode(0x0000_1067) == Illegal(0x0000_1067));
    assert!(!rrs_legal(0x0000_100f) && decode(0x0000_100f) == FenceI);
}

#[test]
fn disassembly_uses_objdump_syntax() {
    let cases: Vec<(u32, &str)> = vec![
        (0x00a00513, "li a0,10"),
        (0x00008067, "ret"),
        (0xfe010113, "addi sp,sp,-32"),
        (0x00112e23, "sw ra,28(sp)"),
        (0x01c12083, "lw ra,28(sp)"),
        (0x02b50533, "mul a0,a0,a1"),
        (0x00000013, "nop"),
        (0x00050593, "mv a1,a0"),
        (asm::lui(10, 0x12345), "lui a0,0x12345"),
        (asm::auipc(3, 0), "auipc gp,0x0"),
        (asm::slli(10, 10, 3), "slli a0,a0,0x3"),
        (asm::srai(10, 11, 31), "srai a0,a1,0x1f"),
        (asm::jalr(1, 15, 0), "jalr ra,0(a5)"),
        (asm::jalr(0, 6, 0), "jr t1"),
        (asm::lbu(31, 8, -1), "lbu t6,-1(s0)"),
        (asm::sub(5, 6, 7), "sub t0,t1,t2"),
        (asm::remu(18, 19, 27), "remu s2,s3,s11"),
        (asm::fence(), "fence"),
        (0x0330000f, "fence rw,rw"),
        (asm::fence_i(), "fence.i"),
        (asm::ecall(), "ecall"),
        (asm::ebreak(), "ebreak"),
        (0x3400_2573, ".insn 0x34002573"),
    ];
    for (word, text) in cases {
        assert_eq!(decode(word).to_string(), text, "{word:#010x}");
    }
}

#[test]
fn jump_targets_are_absolute_at_a_pc_and_relative_without() {
    let pc = 0x0040_0100;
    assert_eq!(decode(asm::jal(1, -16)).at(pc).to_string(), "jal 0x4000f0");
    assert_eq!(decode(asm::jal(1, -16)).to_string(), "jal .-16");
    assert_eq!(decode(asm::jal(0, 8)).at(pc).to_string(), "j 0x400108");
    assert_eq!(decode(asm::jal(5, 8)).to_string(), "jal t0,.+8");
    assert_eq!(
        decode(asm::beq(10, 0, 12)).at(pc).to_string(),
        "beqz a0,0x40010c"
    );
    assert_eq!(decode(asm::bne(10, 0, -4)).to_string(), "bnez a0,.-4");
    assert_eq!(
        decode(asm::bltu(10, 11, 64)).at(pc).to_string(),
        "bltu a0,a1,0x400140"
    );
}

#[test]
fn instructions_are_eight_bytes() {
    assert_eq!(size_of::<Instruction>(), 8);
}
