//! Every fault kind, triggered, with the exact pc, word and address; and the
//! machine left as it was before the faulting instruction.

use ember_core::{Access, BufferHost, BufferProblem, Exit, Fault, FaultKind, Machine, Region, asm};

use crate::common::*;

/// Runs `words` and returns the fault it must end in.
fn fault_of(words: &[u32]) -> Fault {
    let (r, _, _) = run_with(words, &[]);
    r.expect_err("program should fault")
}

fn at(index: usize) -> u32 {
    CODE + 4 * index as u32
}

#[test]
fn illegal_instructions() {
    for word in [
        0x0000_0000u32,          // all zero (compressed c.unimp space)
        0xffff_ffff,             // all ones
        0x3400_2573,             // csrr a0, mscratch
        0x3020_0073,             // mret
        0x1050_0073,             // wfi
        0x1000_252f,             // lr.w a0, (zero)
        0x0000_2007,             // flw f0, 0(zero)
        0x0000_4501,             // c.li a0, 0 (compressed)
        0x0200_1013,             // slli with shamt bit 5 (reserved on RV32)
        0x4000_0033 | (1 << 12), // sub's funct7 with sll's funct3
    ] {
        let f = fault_of(&[asm::addi(1, 0, 1), word]);
        assert_eq!(
            f,
            Fault {
                kind: FaultKind::IllegalInstruction,
                pc: at(1),
                word: Some(word)
            },
            "{word:#010x}"
        );
    }
}

#[test]
fn fault_message_names_pc_and_instruction() {
    let f = fault_of(&[0x3400_2573]);
    assert_eq!(
        f.to_string(),
        "illegal instruction at pc 0x00400000 (0x34002573: .insn 0x34002573)"
    );
    let f = fault_of(&code(&[&li(1, 0x10), &[asm::lw(10, 1, 4)]]));
    assert_eq!(
        f.to_string(),
        "access violation: load from 0x00000014 in the guard region 0x00000000..0x00010000 \
         at pc 0x00400008 (0x0040a503: lw a0,4(ra))"
    );
}

#[test]
fn misaligned_jumps_fault_at_the_jump_without_linking() {
    let f = fault_of(&[asm::jal(1, 6)]);
    assert_eq!(f.kind, FaultKind::MisalignedJump { target: CODE + 6 });
    assert_eq!(f.pc, CODE);

    let words = code(&[&li(2, CODE + 2), &[asm::jalr(1, 2, 0)]]);
    let p = program(&words);
    let mut m = Machine::new(&p);
    let f = m.run(&mut BufferHost::default()).unwrap_err();
    assert_eq!(f.kind, FaultKind::MisalignedJump { target: CODE + 2 });
    assert_eq!((f.pc, m.pc()), (at(2), at(2)));
    assert_eq!(m.registers()[1], 0, "no link on a faulting jump");

    let f = fault_of(&[asm::beq(0, 0, 6)]);
    assert_eq!(f.kind, FaultKind::MisalignedJump { target: CODE + 6 });
    // An untaken branch to a misaligned target does not fault.
    let (r, _, _) = run_with(&with_halt(&[asm::bne(0, 0, 6)]), &[]);
    assert_eq!(r, Ok(Exit::Halted { code: 0 }));
}

#[test]
fn fetch_outside_code() {
    // Falling off the end of the code segment.
    let f = fault_of(&[asm::addi(1, 0, 1)]);
    assert_eq!(
        f,
        Fault {
            kind: FaultKind::FetchNotExecutable {
                region: Region::Image
            },
            pc: at(1),
            word: None
        }
    );
    // Jumping into the data segment.
    let f = fault_of(&code(&[&li(1, DATA), &[asm::jalr(0, 1, 0)]]));
    assert_eq!(f.pc, DATA);
    assert_eq!(
        f.kind,
        FaultKind::FetchNotExecutable {
            region: Region::Image
        }
    );
    // Jumping to null.
    let f = fault_of(&[asm::jalr(0, 0, 0)]);
    assert_eq!(
        (f.pc, f.kind),
        (
            0,
            FaultKind::FetchNotExecutable {
                region: Region::Guard
            }
        )
    );
}

#[test]
fn misaligned_loads_and_stores() {
    for (word, access, offset, size) in [
        (asm::lw(2, 1, 2), Access::Load, 2, 4),
        (asm::lh(2, 1, 1), Access::Load, 1, 2),
        (asm::lhu(2, 1, 3), Access::Load, 3, 2),
        (asm::sw(2, 1, 1), Access::Store, 1, 4),
        (asm::sh(2, 3, 1), Access::Store, 3, 2),
    ] {
        let f = fault_of(&code(&[&li(1, DATA), &[word]]));
        let addr = DATA + offset;
        assert_eq!(f.kind, FaultKind::Misaligned { access, addr, size });
        assert_eq!((f.pc, f.word), (at(2), Some(word)));
    }
}

#[test]
fn null_pointer_is_an_access_violation_in_the_guard() {
    let f = fault_of(&[asm::lw(1, 0, 0)]);
    assert_eq!(
        f.kind,
        FaultKind::AccessViolation {
            access: Access::Load,
            addr: 0,
            region: Region::Guard
        }
    );
    let f = fault_of(&[asm::sb(1, 0xff, 0)]);
    assert_eq!(
        f.kind,
        FaultKind::AccessViolation {
            access: Access::Store,
            addr: 0xff,
            region: Region::Guard
        }
    );
}

#[test]
fn system_region_is_inaccessible() {
    let f = fault_of(&code(&[&li(1, 0xc000_0000), &[asm::lw(2, 1, 0)]]));
    assert_eq!(
        f.kind,
        FaultKind::AccessViolation {
            access: Access::Load,
            addr: 0xc000_0000,
            region: Region::System
        }
    );
    // The last heap byte is fine.
    let (r, _, _) = run_with(
        &with_halt(&code(&[&li(1, 0xc000_0000), &[asm::sb(0, -1, 1)]])),
        &[],
    );
    assert_eq!(r, Ok(Exit::Halted { code: 0 }));
}

#[test]
fn stack_overflow_is_named() {
    // A recursion that pushes 64 bytes a frame until sp leaves the stack.
    let words = [asm::addi(SP, SP, -64), asm::sw(1, 60, SP), asm::jal(0, -8)];
    let p = program(&words);
    let mut m = Machine::new(&p);
    let f = m.run(&mut BufferHost::default()).unwrap_err();
    assert_eq!(
        f.kind,
        FaultKind::StackOverflow {
            access: Access::Store,
            addr: 0xfffc,
            sp: 0xffc0
        }
    );
    assert_eq!(f.pc, at(1));
    assert!(
        f.to_string()
            .starts_with("stack overflow: store to 0x0000fffc")
    );
}

#[test]
fn stores_into_code_fault() {
    let words = code(&[&li(1, CODE), &[asm::sw(0, 0, 1), asm::sb(0, 1, 1)]]);
    let p = program(&words);
    let mut m = Machine::new(&p);
    let f = m.run(&mut BufferHost::default()).unwrap_err();
    assert_eq!(f.kind, FaultKind::StoreToCode { addr: CODE });
    assert_eq!(m.memory().read_u32(CODE), words[0], "code unchanged");
    // Loads from code are allowed (constants may live there).
    let regs = run_regs(&code(&[&li(1, CODE), &[asm::lw(2, 1, 0)]]));
    assert_eq!(regs[2], asm::li(1, CODE)[0]);
}

#[test]
fn breakpoint() {
    let f = fault_of(&[asm::addi(1, 0, 1), asm::ebreak()]);
    assert_eq!((f.kind, f.pc), (FaultKind::Breakpoint, at(1)));
}

#[test]
fn unknown_ecall() {
    for number in [6u32, 15, 18, 63, 0xffff_ffff] {
        let f = fault_of(&code(&[&li(T0, number), &[asm::ecall()]]));
        assert_eq!((f.kind, f.pc), (FaultKind::UnknownEcall { number }, at(2)));
    }
}

#[test]
fn unknown_fds() {
    for (number, fd, name) in [
        (1, 1, "READ"),
        (2, 0, "WRITE"),
        (2, 4, "WRITE"),
        (3, 3, "INPUT_REMAINING"),
    ] {
        let f = fault_of(&[asm::addi(T0, 0, number), asm::addi(A0, 0, fd), asm::ecall()]);
        assert_eq!(
            f.kind,
            FaultKind::BadFd {
                name,
                fd: fd as u32
            }
        );
    }
}

#[test]
fn bad_ecall_buffers_have_no_effect() {
    // WRITE of 16 bytes from the guard.
    let words = [
        asm::addi(T0, 0, 2),
        asm::addi(A0, 0, 1),
        asm::addi(A1, 0, 0x100),
        asm::addi(A2, 0, 16),
        asm::ecall(),
    ];
    let (r, host, cycles) = run_with(&words, &[]);
    assert_eq!(
        r.unwrap_err().kind,
        FaultKind::BadBuffer {
            name: "WRITE",
            addr: 0x100,
            len: 16,
            problem: BufferProblem::Inaccessible {
                at: 0x100,
                region: Region::Guard
            }
        }
    );
    assert!(host.stdout.is_empty());
    assert_eq!(cycles, 4);

    // READ into code.
    let words = code(&[
        &[
            asm::addi(T0, 0, 1),
            asm::addi(A0, 0, 0),
            asm::addi(A2, 0, 4),
        ],
        &li(A1, CODE),
        &[asm::ecall()],
    ]);
    let (r, host, _) = run_with(&words, b"abcd");
    assert_eq!(
        r.unwrap_err().kind,
        FaultKind::BadBuffer {
            name: "READ",
            addr: CODE,
            len: 4,
            problem: BufferProblem::Code { at: CODE }
        }
    );
    assert_eq!(host.input_pos, 0, "no input consumed");

    // SHA256_COMPRESS with a misaligned state.
    let words = code(&[&li(A0, DATA + 2), &li(T0, 16), &[asm::ecall()]]);
    let (r, _, _) = run_with(&words, &[]);
    assert_eq!(
        r.unwrap_err().kind,
        FaultKind::BadBuffer {
            name: "SHA256_COMPRESS",
            addr: DATA + 2,
            len: 32,
            problem: BufferProblem::Misaligned { align: 4 }
        }
    );

    // KECCAK_PERMUTE with a misaligned state, and with a state in the code.
    let words = code(&[&li(A0, DATA + 2), &li(T0, 17), &[asm::ecall()]]);
    let (r, _, _) = run_with(&words, &[]);
    assert_eq!(
        r.unwrap_err().kind,
        FaultKind::BadBuffer {
            name: "KECCAK_PERMUTE",
            addr: DATA + 2,
            len: 200,
            problem: BufferProblem::Misaligned { align: 4 }
        }
    );
    let words = code(&[&li(A0, CODE), &li(T0, 17), &[asm::ecall()]]);
    let (r, _, _) = run_with(&words, &[]);
    assert_eq!(
        r.unwrap_err().kind,
        FaultKind::BadBuffer {
            name: "KECCAK_PERMUTE",
            addr: CODE,
            len: 200,
            problem: BufferProblem::Code { at: CODE }
        }
    );

    // PANIC with a message that wraps the address space.
    let words = code(&[
        &li(A0, 0xffff_fff0),
        &li(A1, 0x20),
        &li(T0, 5),
        &[asm::ecall()],
    ]);
    let (r, _, _) = run_with(&words, &[]);
    assert_eq!(
        r.unwrap_err().kind,
        FaultKind::BadBuffer {
            name: "PANIC",
            addr: 0xffff_fff0,
            len: 0x20,
            problem: BufferProblem::Wraps
        }
    );
}

#[test]
fn cycle_limit_stops_before_the_instruction_that_would_pass_it() {
    // An endless loop.
    let p = program(&[asm::addi(1, 1, 1), asm::jal(0, -4)]);
    let mut m = Machine::new(&p);
    m.set_cycle_limit(1001);
    let f = m.run(&mut BufferHost::default()).unwrap_err();
    assert_eq!(
        f.kind,
        FaultKind::CycleLimitExceeded {
            limit: 1001,
            cycles: 1001
        }
    );
    assert_eq!((f.pc, m.cycles(), m.registers()[1]), (at(1), 1001, 501));
    assert_eq!(
        f.to_string(),
        "cycle limit exceeded: limit 1001, 1001 cycles done at pc 0x00400004 (0xffdff06f: j 0x400000)"
    );
}

#[test]
fn a_program_may_use_exactly_its_limit() {
    let p = program(&with_halt(&[]));
    let mut m = Machine::new(&p);
    m.set_cycle_limit(3);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Halted { code: 0 })
    );
    let mut m = Machine::new(&p);
    m.set_cycle_limit(2);
    assert!(matches!(
        m.run(&mut BufferHost::default()).unwrap_err().kind,
        FaultKind::CycleLimitExceeded {
            limit: 2,
            cycles: 2
        }
    ));
}

#[test]
fn an_ecall_over_the_limit_has_no_effect() {
    // WRITE of 40 bytes costs 1 + 10 cycles; only 10 remain.
    let words = [
        asm::addi(T0, 0, 2),
        asm::addi(A0, 0, 1),
        asm::lui(A1, 0x500),
        asm::addi(A2, 0, 40),
        asm::ecall(),
    ];
    let p = program(&words);
    let mut m = Machine::new(&p);
    m.set_cycle_limit(14);
    let mut host = BufferHost::default();
    let f = m.run(&mut host).unwrap_err();
    assert_eq!(
        f.kind,
        FaultKind::CycleLimitExceeded {
            limit: 14,
            cycles: 4
        }
    );
    assert!(host.stdout.is_empty());
    let mut m = Machine::new(&p);
    m.set_cycle_limit(15);
    let f = m.run(&mut host).unwrap_err();
    assert_eq!(
        f.kind,
        FaultKind::FetchNotExecutable {
            region: Region::Image
        }
    );
    assert_eq!((host.stdout.len(), m.cycles()), (40, 15));
}

/// Register indices past x31 are a programming error, not a silent alias.
#[test]
#[should_panic(expected = "x33 is not a register")]
fn set_register_refuses_an_index_past_x31() {
    let p = program(&with_halt(&[]));
    Machine::new(&p).set_register(33, 1);
}

/// The public memory reader takes any address: unaligned, across a page,
/// in the system region, wrapping at the top.
#[test]
fn reading_memory_words_never_panics() {
    let p = program_with_data(&with_halt(&[]), &[1, 2, 3, 4, 5, 6, 7, 8]);
    let m = Machine::new(&p);
    assert_eq!(m.memory().read_u32(DATA + 1), 0x0504_0302);
    assert_eq!(m.memory().read_u32(DATA + 0x0fff), 0);
    assert_eq!(m.memory().read_u32(0xffff_fffe), 0);
    assert_eq!(m.memory().read_u32(0xc000_0000), 0);
}
