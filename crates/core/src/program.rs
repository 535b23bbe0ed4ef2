//! Program images: the ELF loader (SPEC §3) and the validated, decoded form
//! the machine runs.
//!
//! A [`Program`] is immutable and reusable across runs: its executable
//! segments are decoded once, here, into [`Instruction`]s.

use core::ops::Range;

use elf::ElfBytes;
use elf::abi::{EM_RISCV, ET_EXEC, PF_W, PF_X, PT_LOAD};
use elf::endian::AnyEndian;
use elf::file::Class;
use ember_abi::memory::{IMAGE_START, SYSTEM_START};

use crate::commit::{self, Digest};
use crate::decode::decode;
use crate::error::{LoadError, SegmentRule};
use crate::instruction::Instruction;
use crate::memory::Memory;

/// The most program headers an ELF file may have (of any type). Real guests
/// have fewer than ten; the cap bounds the loader's work on hostile files.
pub const MAX_PROGRAM_HEADERS: usize = 1024;

/// `e_flags` bit: the program may contain compressed (RVC) instructions.
const EF_RISCV_RVC: u32 = 0x1;
/// `e_flags` bits: the floating-point ABI (0 = soft-float).
const EF_RISCV_FLOAT_ABI: u32 = 0x6;
/// `e_flags` bit: the RV32E base (16 registers).
const EF_RISCV_RVE: u32 = 0x8;

/// One loadable segment of a program image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Start address (4-aligned).
    pub vaddr: u32,
    /// Size in memory; bytes past `data.len()` are zero.
    pub memsz: u32,
    /// Initial contents (`p_filesz` bytes).
    pub data: Vec<u8>,
    /// Whether the segment holds code. Executable segments are immutable.
    pub executable: bool,
    /// Whether the ELF marked the segment writable (informational: every
    /// non-executable byte is writable).
    pub writable: bool,
}

impl Segment {
    /// The address range the segment occupies.
    pub fn range(&self) -> Range<u32> {
        self.vaddr..self.vaddr + self.memsz
    }
}

/// An executable segment, decoded once.
#[derive(Clone, Debug)]
pub struct CodeSegment {
    /// Address of the first instruction.
    pub start: u32,
    /// End of the segment; words past the decoded ones are zero (illegal).
    pub end: u32,
    /// One decoded instruction per word of the segment's file contents.
    pub instructions: Vec<Instruction>,
}

impl CodeSegment {
    /// True if `pc` lies in the segment.
    #[inline]
    pub fn contains(&self, pc: u32) -> bool {
        (self.start..self.end).contains(&pc)
    }

    /// The decoded instruction at `pc`; `None` past the file contents (where
    /// the segment is zero) or outside the segment.
    #[inline]
    pub fn instruction_at(&self, pc: u32) -> Option<Instruction> {
        let index = pc.checked_sub(self.start)? / 4;
        self.instructions.get(index as usize).copied()
    }
}

/// A validated, decoded program image.
#[derive(Clone, Debug)]
pub struct Program {
    entry: u32,
    segments: Vec<Segment>,
    code: Vec<CodeSegment>,
    image_end: u32,
}

impl Program {
    /// Parses and validates an ELF file (SPEC §3) and decodes its code.
    pub fn load_elf(bytes: &[u8]) -> Result<Program, LoadError> {
        let file = ElfBytes::<AnyEndian>::minimal_parse(bytes)?;
        let ehdr = &file.ehdr;
        if ehdr.class != Class::ELF32 {
            return Err(LoadError::NotElf32);
        }
        if ehdr.endianness != AnyEndian::Little {
            return Err(LoadError::NotLittleEndian);
        }
        if ehdr.e_machine != EM_RISCV {
            return Err(LoadError::WrongMachine {
                machine: ehdr.e_machine,
            });
        }
        if ehdr.e_type != ET_EXEC {
            return Err(LoadError::NotExecutable {
                e_type: ehdr.e_type,
            });
        }
        let flags = ehdr.e_flags;
        if flags & EF_RISCV_RVC != 0 {
            return Err(LoadError::CompressedFlag { flags });
        }
        if flags & EF_RISCV_FLOAT_ABI != 0 {
            return Err(LoadError::FloatAbi { flags });
        }
        if flags & EF_RISCV_RVE != 0 {
            return Err(LoadError::Rve { flags });
        }

        let count = file.segments().map_or(0, |table| table.len());
        if count > MAX_PROGRAM_HEADERS {
            return Err(LoadError::TooManyProgramHeaders {
                count,
                limit: MAX_PROGRAM_HEADERS,
            });
        }
        let mut segments = Vec::new();
        let headers = file.segments().into_iter().flatten().enumerate();
        for (index, ph) in headers.filter(|(_, ph)| ph.p_type == PT_LOAD) {
            let err = |rule| LoadError::segment(index, ph.p_vaddr, ph.p_memsz, rule);
            if ph.p_memsz == 0 {
                continue;
            }
            check_segment_range(ph.p_vaddr, ph.p_memsz, ph.p_filesz).map_err(err)?;
            let data = usize::try_from(ph.p_offset)
                .ok()
                .zip(usize::try_from(ph.p_filesz).ok())
                .and_then(|(offset, len)| bytes.get(offset..offset.checked_add(len)?))
                .ok_or(err(SegmentRule::OutsideFile {
                    offset: ph.p_offset,
                    filesz: ph.p_filesz,
                    file_len: bytes.len(),
                }))?;
            segments.push((
                index,
                Segment {
                    vaddr: ph.p_vaddr as u32,
                    memsz: ph.p_memsz as u32,
                    data: data.to_vec(),
                    executable: ph.p_flags & PF_X != 0,
                    writable: ph.p_flags & PF_W != 0,
                },
            ));
        }
        Program::build(ehdr.e_entry, segments)
    }

    /// Builds a program from segments directly (tests and tools that
    /// assemble code in Rust), applying the same rules as [`Program::load_elf`].
    /// Segments are numbered in the order given.
    pub fn from_segments(entry: u32, segments: Vec<Segment>) -> Result<Program, LoadError> {
        if segments.len() > MAX_PROGRAM_HEADERS {
            return Err(LoadError::TooManyProgramHeaders {
                count: segments.len(),
                limit: MAX_PROGRAM_HEADERS,
            });
        }
        let mut numbered = Vec::with_capacity(segments.len());
        for (index, s) in segments.into_iter().enumerate() {
            check_segment_range(u64::from(s.vaddr), u64::from(s.memsz), s.data.len() as u64)
                .map_err(|rule| {
                    LoadError::segment(index, u64::from(s.vaddr), u64::from(s.memsz), rule)
                })?;
            numbered.push((index, s));
        }
        Program::build(u64::from(entry), numbered)
    }

    /// Checks the rules that involve several segments or the entry point, and
    /// decodes the code. Each segment has passed [`check_segment_range`].
    fn build(entry: u64, mut segments: Vec<(usize, Segment)>) -> Result<Program, LoadError> {
        for (index, s) in &segments {
            let err =
                |rule| LoadError::segment(*index, u64::from(s.vaddr), u64::from(s.memsz), rule);
            if s.executable && s.writable {
                return Err(err(SegmentRule::WritableExecutable));
            }
            if s.executable && !s.memsz.is_multiple_of(4) {
                return Err(err(SegmentRule::CodeSizeNotWordMultiple));
            }
        }
        // Sorted by address, two segments overlap only if neighbours do. The
        // later one in the file is named as breaking the rule.
        segments.sort_by_key(|(_, s)| s.vaddr);
        for pair in segments.windows(2) {
            let [(i, a), (j, b)] = pair else { continue };
            if b.vaddr < a.vaddr + a.memsz {
                let ((index, s), other) = if i > j {
                    (&pair[0], *j)
                } else {
                    (&pair[1], *i)
                };
                return Err(LoadError::segment(
                    *index,
                    u64::from(s.vaddr),
                    u64::from(s.memsz),
                    SegmentRule::Overlap { other },
                ));
            }
        }
        if !entry.is_multiple_of(4) {
            return Err(LoadError::EntryMisaligned { entry });
        }
        let in_code = |s: &Segment| s.executable && s.range().contains(&(entry as u32));
        if entry > u64::from(u32::MAX) || !segments.iter().any(|(_, s)| in_code(s)) {
            return Err(LoadError::EntryNotExecutable { entry });
        }

        let segments: Vec<Segment> = segments.into_iter().map(|(_, s)| s).collect();
        let code = segments
            .iter()
            .filter(|s| s.executable)
            .map(|s| CodeSegment {
                start: s.vaddr,
                end: s.vaddr + s.memsz,
                instructions: s
                    .data
                    .chunks(4)
                    .map(|w| {
                        let mut word = [0; 4];
                        word[..w.len()].copy_from_slice(w);
                        decode(u32::from_le_bytes(word))
                    })
                    .collect(),
            })
            .collect();
        let image_end = segments
            .iter()
            .map(|s| s.vaddr + s.memsz)
            .max()
            .unwrap_or(IMAGE_START);
        Ok(Program {
            entry: entry as u32,
            segments,
            code,
            image_end,
        })
    }

    /// The entry point: the pc at the first instruction.
    pub fn entry(&self) -> u32 {
        self.entry
    }

    /// The loadable segments, in address order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The executable segments, decoded, in address order.
    pub fn code(&self) -> &[CodeSegment] {
        &self.code
    }

    /// The executable segment holding `pc`, found by binary search.
    #[inline]
    pub fn code_at(&self, pc: u32) -> Option<&CodeSegment> {
        let i = self.code.partition_point(|c| c.end <= pc);
        self.code.get(i).filter(|c| c.start <= pc)
    }

    /// The executable ranges `[start, end)`, in address order: what the
    /// image ID commits to besides the entry and the memory.
    pub fn executable_ranges(&self) -> Vec<Range<u32>> {
        self.code.iter().map(|c| c.start..c.end).collect()
    }

    /// End of the image: the first heap address.
    pub fn image_end(&self) -> u32 {
        self.image_end
    }

    /// The image ID (ABI v1): the entry, the executable ranges and the memory
    /// root of the initial image.
    pub fn image_id(&self) -> Digest {
        let root = commit::memory_root(&self.initial_memory());
        commit::image_id(self.entry, &self.executable_ranges(), &root)
    }

    /// The word at `addr` in the initial image (0 outside the segments' file
    /// bytes). For disassemblers; the machine reads its own memory.
    pub fn initial_word(&self, addr: u32) -> u32 {
        let mut word = [0; 4];
        if let Some(s) = self.segments.iter().find(|s| s.range().contains(&addr)) {
            let start = (addr - s.vaddr) as usize;
            for (i, b) in word.iter_mut().enumerate() {
                *b = s.data.get(start + i).copied().unwrap_or(0);
            }
        }
        u32::from_le_bytes(word)
    }

    /// The initial memory: the segments laid out, everything else zero.
    pub fn initial_memory(&self) -> Memory {
        let mut memory = Memory::new(self.executable_ranges(), self.image_end);
        for s in &self.segments {
            memory.write_bytes(s.vaddr, &s.data);
        }
        memory
    }
}

/// The rules of one segment on its own: alignment, sizes, and the image range.
fn check_segment_range(vaddr: u64, memsz: u64, filesz: u64) -> Result<(), SegmentRule> {
    if !vaddr.is_multiple_of(4) {
        return Err(SegmentRule::Misaligned);
    }
    if filesz > memsz {
        return Err(SegmentRule::FileLargerThanMemory { filesz });
    }
    let end = vaddr.checked_add(memsz);
    if vaddr < u64::from(IMAGE_START) || end.is_none_or(|e| e > u64::from(SYSTEM_START)) {
        return Err(SegmentRule::OutsideImageRange);
    }
    Ok(())
}

impl Segment {
    /// An executable segment holding `words` at `vaddr`.
    pub fn code(vaddr: u32, words: &[u32]) -> Segment {
        Segment {
            vaddr,
            memsz: (words.len() * 4) as u32,
            data: words.iter().flat_map(|w| w.to_le_bytes()).collect(),
            executable: true,
            writable: false,
        }
    }

    /// A writable data segment of `memsz` bytes starting with `data`.
    pub fn data(vaddr: u32, data: &[u8], memsz: u32) -> Segment {
        Segment {
            vaddr,
            memsz,
            data: data.to_vec(),
            executable: false,
            writable: true,
        }
    }
}
