//! The ELF loader: each rule of SPEC §3 refused with the rule, segment and
//! addresses named; valid files loaded exactly.

use ember_core::{BufferHost, Exit, LoadError, Machine, Program, SegmentRule, asm};

use crate::common::*;

fn halt_code() -> Vec<u32> {
    vec![asm::addi(A0, 0, 9), asm::addi(T0, 0, 0), asm::ecall()]
}

fn load(h: &ElfHeader, phs: &[Ph]) -> Result<Program, LoadError> {
    Program::load_elf(&elf32(h, phs))
}

fn segment_rule(r: Result<Program, LoadError>) -> (usize, u64, SegmentRule) {
    match r {
        Err(LoadError::Segment {
            index, vaddr, rule, ..
        }) => (index, vaddr, rule),
        other => panic!("expected a segment error, got {other:?}"),
    }
}

#[test]
fn a_valid_file_loads_and_runs() {
    let phs = [
        Ph::code(CODE, &halt_code()),
        Ph::load(DATA, PF_R | PF_W, vec![1, 2, 3], 0x2000),
        // A bss-only segment.
        Ph::load(DATA + 0x2000, PF_R | PF_W, vec![], 0x1000),
        // Non-LOAD headers are ignored.
        Ph {
            p_type: 4,
            ..Ph::load(0, 0, vec![], 0)
        },
    ];
    let p = load(&ElfHeader::default(), &phs).unwrap();
    assert_eq!(p.entry(), CODE);
    assert_eq!(p.segments().len(), 3);
    assert_eq!(p.image_end(), DATA + 0x3000);
    assert_eq!(p.code().len(), 1);
    assert_eq!(p.code()[0].instructions.len(), 3);
    let mut m = Machine::new(&p);
    assert_eq!(m.memory().load::<4>(DATA), Some([1, 2, 3, 0]));
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Halted { code: 9 })
    );
}

#[test]
fn header_rules() {
    let phs = [Ph::code(CODE, &halt_code())];
    let with = |f: fn(&mut ElfHeader)| {
        let mut h = ElfHeader::default();
        f(&mut h);
        load(&h, &phs).unwrap_err()
    };
    assert!(matches!(
        with(|h| h.machine = 62),
        LoadError::WrongMachine { machine: 62 }
    ));
    assert!(matches!(
        with(|h| h.e_type = 3),
        LoadError::NotExecutable { e_type: 3 }
    ));
    assert!(matches!(
        with(|h| h.flags = 1),
        LoadError::CompressedFlag { flags: 1 }
    ));
    assert!(matches!(
        with(|h| h.flags = 2),
        LoadError::FloatAbi { flags: 2 }
    ));
    assert!(matches!(
        with(|h| h.flags = 4),
        LoadError::FloatAbi { flags: 4 }
    ));
    assert!(matches!(with(|h| h.flags = 8), LoadError::Rve { flags: 8 }));
    assert!(matches!(
        with(|h| h.entry = CODE + 2),
        LoadError::EntryMisaligned { entry } if entry == u64::from(CODE + 2)
    ));
    assert!(matches!(
        with(|h| h.entry = CODE + 12),
        LoadError::EntryNotExecutable { entry } if entry == u64::from(CODE + 12)
    ));
    // The flag for the TSO memory model is harmless.
    let h = ElfHeader {
        flags: 0x10,
        ..ElfHeader::default()
    };
    assert!(load(&h, &phs).is_ok());
}

/// A bare ELF header with no program headers, in either class and byte order.
fn bare_header(class64: bool, big_endian: bool) -> Vec<u8> {
    let mut out = vec![
        0x7f,
        b'E',
        b'L',
        b'F',
        1 + u8::from(class64),
        1 + u8::from(big_endian),
        1,
    ];
    out.resize(16, 0);
    let mut put = |v: u64, n: usize| {
        let bytes = v.to_le_bytes();
        let field = &bytes[..n];
        if big_endian {
            out.extend(field.iter().rev());
        } else {
            out.extend(field);
        }
    };
    let word = if class64 { 8 } else { 4 };
    put(2, 2); // e_type
    put(243, 2); // e_machine
    put(1, 4); // e_version
    put(u64::from(CODE), word); // e_entry
    put(0, word); // e_phoff
    put(0, word); // e_shoff
    put(0, 4); // e_flags
    put(if class64 { 64 } else { 52 }, 2); // e_ehsize
    put(if class64 { 56 } else { 32 }, 2); // e_phentsize
    put(0, 2); // e_phnum
    put(if class64 { 64 } else { 40 }, 2); // e_shentsize
    put(0, 2); // e_shnum
    put(0, 2); // e_shstrndx
    out
}

#[test]
fn class_and_endianness() {
    assert!(matches!(
        Program::load_elf(&bare_header(true, false)),
        Err(LoadError::NotElf32)
    ));
    assert!(matches!(
        Program::load_elf(&bare_header(false, true)),
        Err(LoadError::NotLittleEndian)
    ));
    // The same bare header as ELF32 little-endian passes the header checks
    // and fails only for want of code at the entry.
    assert!(matches!(
        Program::load_elf(&bare_header(false, false)),
        Err(LoadError::EntryNotExecutable { .. })
    ));
}

#[test]
fn not_an_elf_and_truncated_files() {
    assert!(matches!(Program::load_elf(b""), Err(LoadError::Parse(_))));
    assert!(matches!(
        Program::load_elf(b"#!/bin/sh\necho hi\n"),
        Err(LoadError::Parse(_))
    ));
    let bytes = elf32(&ElfHeader::default(), &[Ph::code(CODE, &halt_code())]);
    for cut in [10, 51, 60] {
        assert!(
            matches!(Program::load_elf(&bytes[..cut]), Err(LoadError::Parse(_))),
            "cut at {cut}"
        );
    }
    // Cut inside the segment data: the header is intact, the file range is not.
    let cut = bytes.len() - 4;
    let (index, _, rule) = segment_rule(Program::load_elf(&bytes[..cut]));
    assert_eq!(index, 0);
    assert!(matches!(rule, SegmentRule::OutsideFile { filesz: 12, .. }));
}

#[test]
fn segment_rules() {
    let code = Ph::code(CODE, &halt_code());
    let h = ElfHeader::default();

    let r = load(&h, &[code.clone(), Ph::load(DATA + 2, PF_R, vec![0; 4], 4)]);
    assert_eq!(
        segment_rule(r),
        (1, u64::from(DATA + 2), SegmentRule::Misaligned)
    );

    let r = load(&h, &[code.clone(), Ph::load(DATA, PF_R, vec![0; 8], 4)]);
    assert_eq!(
        segment_rule(r),
        (
            1,
            u64::from(DATA),
            SegmentRule::FileLargerThanMemory { filesz: 8 }
        )
    );

    // Overlapping the guard/stack, the system region, or wrapping.
    for vaddr in [0x0000_0000, 0x003f_fffc, 0xbfff_fffc, 0xffff_fff0] {
        let r = load(&h, &[code.clone(), Ph::load(vaddr, PF_R, vec![0; 8], 8)]);
        assert_eq!(
            segment_rule(r),
            (1, u64::from(vaddr), SegmentRule::OutsideImageRange),
            "{vaddr:#x}"
        );
    }

    let r = load(
        &h,
        &[code.clone(), Ph::load(CODE + 8, PF_R | PF_W, vec![0; 8], 8)],
    );
    assert_eq!(
        segment_rule(r),
        (1, u64::from(CODE + 8), SegmentRule::Overlap { other: 0 })
    );

    let r = load(
        &h,
        &[Ph::load(CODE, PF_R | PF_W | PF_X, code.data.clone(), 12)],
    );
    assert_eq!(
        segment_rule(r),
        (0, u64::from(CODE), SegmentRule::WritableExecutable)
    );

    let mut far = Ph::load(DATA, PF_R, vec![0; 8], 8);
    far.offset = Some(0xffff_fff0);
    let r = load(&h, &[code.clone(), far]);
    assert!(matches!(
        segment_rule(r),
        (
            1,
            _,
            SegmentRule::OutsideFile {
                offset: 0xffff_fff0,
                filesz: 8,
                ..
            }
        )
    ));
}

#[test]
fn error_messages_name_the_rule_and_segment() {
    let h = ElfHeader::default();
    let code = Ph::code(CODE, &halt_code());
    let e = load(&h, &[code.clone(), Ph::load(CODE + 8, PF_R, vec![0; 8], 8)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "segment 1 (0x00400008, 8 bytes): overlaps segment 0"
    );
    let h = ElfHeader {
        flags: 0x5,
        ..ElfHeader::default()
    };
    assert_eq!(
        load(&h, &[code]).unwrap_err().to_string(),
        "ELF flags 0x5 include RVC (compressed instructions); build for riscv32im"
    );
}

#[test]
fn a_huge_bss_costs_nothing_until_touched() {
    let phs = [
        Ph::code(CODE, &halt_code()),
        Ph::load(DATA, PF_R | PF_W, vec![], 0xbf00_0000 - DATA),
    ];
    let p = load(&ElfHeader::default(), &phs).unwrap();
    let m = Machine::new(&p);
    assert_eq!(m.memory().committed_pages(), 1);
}

#[test]
fn code_past_its_file_bytes_is_zero_and_illegal() {
    let mut ph = Ph::code(CODE, &[asm::addi(1, 0, 1)]);
    ph.memsz = 16;
    let p = load(&ElfHeader::default(), &[ph]).unwrap();
    let mut m = Machine::new(&p);
    let f = m.run(&mut BufferHost::default()).unwrap_err();
    assert_eq!((f.pc, f.word), (CODE + 4, Some(0)));
    assert_eq!(f.kind, ember_core::FaultKind::IllegalInstruction);
}

/// An executable segment of 6 bytes would decode a padded last word while
/// bytes 6..8 stayed writable beside it: refused, so decoded code always
/// equals memory.
#[test]
fn code_must_be_whole_words() {
    let mut ph = Ph::code(CODE, &halt_code());
    ph.memsz = 14;
    ph.data.truncate(10);
    let r = load(&ElfHeader::default(), &[ph]);
    assert_eq!(
        segment_rule(r),
        (0, u64::from(CODE), SegmentRule::CodeSizeNotWordMultiple)
    );
    let mut segment = ember_core::Segment::code(CODE, &[asm::addi(1, 0, 1), 0]);
    segment.memsz = 6;
    segment.data.truncate(6);
    let r = Program::from_segments(CODE, vec![segment]);
    assert_eq!(
        segment_rule(r),
        (0, u64::from(CODE), SegmentRule::CodeSizeNotWordMultiple)
    );
}

/// Overlap is found between any two segments, whatever their order in the
/// file, and the later header is the one named.
#[test]
fn overlap_is_found_in_any_order() {
    let h = ElfHeader::default();
    let phs = [
        Ph::load(DATA + 0x4000, PF_R, vec![], 0x1000),
        Ph::code(CODE, &halt_code()),
        Ph::load(DATA, PF_R, vec![], 0x1000),
        Ph::load(DATA + 0x0ffc, PF_R, vec![], 4),
    ];
    assert_eq!(
        segment_rule(load(&h, &phs)),
        (
            3,
            u64::from(DATA + 0x0ffc),
            SegmentRule::Overlap { other: 2 }
        )
    );
    let phs = [phs[3].clone(), phs[1].clone(), phs[2].clone()];
    assert_eq!(
        segment_rule(load(&h, &phs)),
        (2, u64::from(DATA), SegmentRule::Overlap { other: 0 })
    );
}

/// A file with 200,000 program headers (PN_XNUM: the count lives in
/// section header 0) is refused by the documented cap, in milliseconds.
#[test]
fn too_many_program_headers_are_refused_quickly() {
    const COUNT: usize = 200_000;
    let mut bytes = elf32(&ElfHeader::default(), &[]);
    bytes.truncate(52);
    let phoff = 52u32;
    let shoff = phoff + 32 * COUNT as u32;
    bytes[28..32].copy_from_slice(&phoff.to_le_bytes());
    bytes[32..36].copy_from_slice(&shoff.to_le_bytes());
    bytes[44..46].copy_from_slice(&0xffffu16.to_le_bytes()); // e_phnum = PN_XNUM
    bytes[46..48].copy_from_slice(&40u16.to_le_bytes()); // e_shentsize
    bytes[48..50].copy_from_slice(&1u16.to_le_bytes()); // e_shnum
    for i in 0..COUNT as u32 {
        // Tiny disjoint read-only segments, each 4 bytes of bss.
        for field in [1, 0, DATA + 4 * i, DATA + 4 * i, 0, 4, PF_R, 4] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
    }
    // Section header 0: sh_info holds the real program-header count.
    let mut sh0 = [0u8; 40];
    sh0[28..32].copy_from_slice(&(COUNT as u32).to_le_bytes());
    bytes.extend_from_slice(&sh0);

    let started = std::time::Instant::now();
    let err = Program::load_elf(&bytes).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, LoadError::TooManyProgramHeaders { count: COUNT, limit } if limit == ember_core::MAX_PROGRAM_HEADERS),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the file has 200000 program headers; Ember accepts at most 1024"
    );
    // Not a timing assertion on speed, only a guard against the quadratic
    // loader this replaced (minutes): generous on any machine.
    assert!(took.as_secs() < 5, "took {took:?}");
}

/// The most headers allowed still load, with the overlap check and the
/// code lookups taking the sorted path.
#[test]
fn many_segments_load_and_code_is_found_in_each() {
    let n = ember_core::MAX_PROGRAM_HEADERS;
    // n - 1 code segments of one jump each, chained, and a halt at the end.
    let mut phs = Vec::new();
    for i in 0..n as u32 - 1 {
        phs.push(Ph::code(CODE + 0x1000 * i, &[asm::jal(0, 0x1000)]));
    }
    phs.push(Ph::code(CODE + 0x1000 * (n as u32 - 1), &halt_code()));
    phs.reverse();
    let p = load(&ElfHeader::default(), &phs).unwrap();
    assert_eq!(p.code().len(), n);
    let mut m = Machine::new(&p);
    assert_eq!(
        m.run(&mut BufferHost::default()),
        Ok(Exit::Halted { code: 9 })
    );
    assert_eq!(m.cycles(), n as u64 - 1 + 3);
    let mut too_many = phs.clone();
    too_many.push(Ph::load(DATA + 0x1000_0000, PF_R, vec![], 4));
    assert!(matches!(
        load(&ElfHeader::default(), &too_many),
        Err(LoadError::TooManyProgramHeaders { count, .. }) if count == n + 1
    ));
}
