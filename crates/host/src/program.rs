//! A loaded guest program: the validated, decoded image, its image ID, and
//! what the ELF says about its source (function symbols, DWARF line tables)
//! for fault reports and the disassembler.

use std::sync::Arc;

use addr2line::gimli;
use elf::ElfBytes;
use elf::abi::STT_FUNC;
use elf::endian::LittleEndian;
use ember_core::{Digest, LoadError};

/// A function symbol from the ELF's symbol table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// Start address.
    pub addr: u32,
    /// Size in bytes (0 if the ELF did not say).
    pub size: u32,
    /// Demangled name, without the hash suffix.
    pub name: String,
}

impl Symbol {
    fn contains(&self, pc: u32) -> bool {
        pc >= self.addr && (pc - self.addr < self.size.max(1))
    }
}

/// Where a pc lies in the guest's source, as far as the ELF tells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The enclosing function, from the symbol table.
    pub function: Option<String>,
    /// Source file, from DWARF line tables.
    pub file: Option<String>,
    /// Source line, from DWARF line tables.
    pub line: Option<u32>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.function {
            Some(name) => write!(f, "{name}")?,
            None => f.write_str("??")?,
        }
        if let Some(file) = &self.file {
            write!(f, " at {file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
        }
        Ok(())
    }
}

/// A guest program, loaded and validated once and reusable across runs.
#[derive(Clone)]
pub struct Program {
    core: Arc<ember_core::Program>,
    image_id: Digest,
    symbols: Vec<Symbol>,
    elf: Arc<[u8]>,
}

impl Program {
    /// Validates and decodes an ELF file (see `docs/abi.md` for the rules)
    /// and computes its image ID.
    pub fn load(elf: &[u8]) -> Result<Program, LoadError> {
        let core = ember_core::Program::load_elf(elf)?;
        let image_id = core.image_id();
        Ok(Program {
            core: Arc::new(core),
            image_id,
            symbols: read_symbols(elf),
            elf: elf.into(),
        })
    }

    /// The image ID: what a proof of this program's execution names it by.
    pub fn image_id(&self) -> Digest {
        self.image_id
    }

    /// The program's verifying key: what [`verify_receipt_with_key`]
    /// needs of it, computed once (see [`ember_verifier::VerifyingKey`]).
    ///
    /// [`verify_receipt_with_key`]: crate::verify_receipt_with_key
    pub fn verifying_key(
        &self,
    ) -> Result<ember_verifier::VerifyingKey, ember_verifier::VerifyError> {
        ember_verifier::VerifyingKey::new(&self.core)
    }

    /// The validated, decoded image.
    pub fn core(&self) -> &ember_core::Program {
        &self.core
    }

    /// Function symbols, sorted by address, at most one per address (empty
    /// for a stripped ELF).
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// The function symbol containing `pc`.
    pub fn symbol_at(&self, pc: u32) -> Option<&Symbol> {
        let i = self.symbols.partition_point(|s| s.addr <= pc);
        self.symbols[..i].iter().rev().find(|s| s.contains(pc))
    }

    /// The function and source line of `pc`, as far as the ELF's symbols and
    /// debug info tell; `None` when they tell nothing. With inlining, this is
    /// the innermost frame in the guest's own code, not in Rust's library.
    pub fn locate(&self, pc: u32) -> Option<Location> {
        self.source_map().locate(pc)
    }

    /// The debug info parsed once, for looking up many pcs (backtraces,
    /// profiles).
    pub(crate) fn source_map(&self) -> SourceMap<'_> {
        SourceMap {
            program: self,
            context: dwarf_context(&self.elf),
        }
    }
}

/// A program's symbols and DWARF, parsed once for many look-ups.
pub(crate) struct SourceMap<'p> {
    program: &'p Program,
    context: Option<addr2line::Context<Reader<'p>>>,
}

impl SourceMap<'_> {
    /// Every frame at `pc`, innermost first: the functions inlined there,
    /// then the function containing it, named by its symbol (DWARF names
    /// functions without their path). From DWARF when the ELF has it, else
    /// the symbol; empty when neither says anything.
    pub(crate) fn frames(&self, pc: u32) -> Vec<Location> {
        let mut frames = self
            .context
            .as_ref()
            .and_then(|context| dwarf_frames(context, pc))
            .unwrap_or_default();
        let symbol = self.symbol_name(pc);
        match frames.last_mut() {
            Some(outer) => outer.function = symbol.or(outer.function.take()),
            None => frames.extend(symbol.map(|name| Location {
                function: Some(name),
                ..Location::default()
            })),
        }
        frames
    }

    /// See [`Program::locate`].
    pub(crate) fn locate(&self, pc: u32) -> Option<Location> {
        let frames = self
            .context
            .as_ref()
            .and_then(|context| dwarf_frames(context, pc))
            .unwrap_or_default();
        let own = frames
            .iter()
            .position(|f| f.file.as_deref().is_some_and(is_user_file));
        let mut location = frames.into_iter().nth(own.unwrap_or(0)).unwrap_or_default();
        if location.function.is_none() {
            location.function = self.symbol_name(pc);
        }
        (location != Location::default()).then_some(location)
    }

    fn symbol_name(&self, pc: u32) -> Option<String> {
        self.program.symbol_at(pc).map(|s| s.name.clone())
    }
}

fn read_symbols(elf: &[u8]) -> Vec<Symbol> {
    let Ok(file) = ElfBytes::<LittleEndian>::minimal_parse(elf) else {
        return Vec::new();
    };
    let Ok(Some((symbols, names))) = file.symbol_table() else {
        return Vec::new();
    };
    let mut out: Vec<Symbol> = symbols
        .iter()
        .filter(|s| s.st_symtype() == STT_FUNC && s.st_value != 0)
        .filter_map(|s| {
            let raw = names.get(s.st_name as usize).ok()?;
            let name = format!("{:#}", rustc_demangle::demangle(raw));
            // A nameless symbol names nothing (and would print as `<>`).
            if name.is_empty() {
                return None;
            }
            Some(Symbol {
                addr: u32::try_from(s.st_value).ok()?,
                size: u32::try_from(s.st_size).unwrap_or(0),
                name,
            })
        })
        .collect();
    out.sort_by_key(|s| s.addr);
    out.dedup_by_key(|s| s.addr);
    out
}

type Reader<'a> = gimli::EndianSlice<'a, gimli::LittleEndian>;

/// True for source files of Rust's own library (`core`, `alloc`, `std`):
/// `/rustc/HASH/library/...` in a prebuilt library, `/rust/library/...` in
/// std guests (whose std is built with its path remapped), or a local
/// toolchain's `lib/rustlib/src`.
pub(crate) fn is_library_file(file: &str) -> bool {
    file.starts_with("/rustc/") || file.starts_with("/rust/") || file.contains("/lib/rustlib/")
}

/// True for source files of Ember's guest runtime (`ember-guest`), as guest
/// builds remap them: `/ember/guest/...`, or `./.ember/guest/...` through a
/// guest workspace's `.ember` link.
pub(crate) fn is_runtime_file(file: &str) -> bool {
    file.starts_with("/ember/guest/") || file.contains(".ember/guest/")
}

/// True for the guest's own source: a file, and neither Rust's library nor
/// Ember's runtime.
pub(crate) fn is_user_file(file: &str) -> bool {
    !is_library_file(file) && !is_runtime_file(file)
}

/// The ELF's DWARF, if it has any that parses.
fn dwarf_context(elf: &[u8]) -> Option<addr2line::Context<Reader<'_>>> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(elf).ok()?;
    let (headers, names) = file.section_headers_with_strtab().ok()?;
    let (headers, names) = (headers?, names?);
    let section = |id: gimli::SectionId| -> Result<Reader<'_>, gimli::Error> {
        let data = headers
            .iter()
            .find(|h| names.get(h.sh_name as usize).ok() == Some(id.name()))
            .and_then(|h| file.section_data(&h).ok())
            .map_or(&[][..], |(data, _)| data);
        Ok(gimli::EndianSlice::new(data, gimli::LittleEndian))
    };
    let dwarf = gimli::Dwarf::load(section).ok()?;
    addr2line::Context::from_dwarf(dwarf).ok()
}

/// The frames of `pc` from DWARF, innermost (inlined) first.
fn dwarf_frames(context: &addr2line::Context<Reader<'_>>, pc: u32) -> Option<Vec<Location>> {
    use addr2line::fallible_iterator::FallibleIterator;

    context
        .find_frames(u64::from(pc))
        .skip_all_loads()
        .ok()?
        .map(|frame| {
            Ok(Location {
                function: frame
                    .function
                    .as_ref()
                    .and_then(|f| f.demangle().ok())
                    .map(|name| strip_hash(&name).to_owned())
                    .filter(|name| !name.is_empty()),
                file: frame
                    .location
                    .as_ref()
                    .and_then(|l| l.file)
                    .map(str::to_owned),
                line: frame.location.as_ref().and_then(|l| l.line),
            })
        })
        .collect()
        .ok()
}

/// `path::name::h0123456789abcdef` without the hash.
fn strip_hash(name: &str) -> &str {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            head
        }
        _ => name,
    }
}
