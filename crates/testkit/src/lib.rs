//! Test support shared by Ember's crates: a minimal ELF32 writer (so tests
//! can make hostile and valid files without a cross toolchain), the
//! addresses test programs use, the bodies of the fuzz targets ([`fuzz`])
//! and a generator of random programs ([`programs`]).
#![allow(missing_docs)]

pub mod fuzz;
pub mod programs;

/// Where test code is placed (the image start).
pub const CODE: u32 = 0x0040_0000;
/// A writable data segment tests can load from and store to.
pub const DATA: u32 = 0x0050_0000;

/// One ELF32 program header for [`elf32`].
#[derive(Clone)]
pub struct Ph {
    pub p_type: u32,
    pub vaddr: u32,
    pub flags: u32,
    pub data: Vec<u8>,
    pub memsz: u32,
    /// Overrides the file offset (for out-of-file tests).
    pub offset: Option<u32>,
}

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

impl Ph {
    pub fn load(vaddr: u32, flags: u32, data: Vec<u8>, memsz: u32) -> Ph {
        Ph {
            p_type: 1,
            vaddr,
            flags,
            data,
            memsz,
            offset: None,
        }
    }

    pub fn code(vaddr: u32, words: &[u32]) -> Ph {
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let len = data.len() as u32;
        Ph::load(vaddr, PF_R | PF_X, data, len)
    }
}

/// The ELF header fields tests vary.
#[derive(Clone)]
pub struct ElfHeader {
    pub class: u8,
    pub data: u8,
    pub e_type: u16,
    pub machine: u16,
    pub flags: u32,
    pub entry: u32,
}

impl Default for ElfHeader {
    fn default() -> Self {
        ElfHeader {
            class: 1,
            data: 1,
            e_type: 2,
            machine: 243,
            flags: 0,
            entry: CODE,
        }
    }
}

/// Writes a little-endian ELF32 file: header, program headers, then each
/// segment's bytes at a file offset congruent to its address modulo 4 KiB
/// (as loaders that map pages, like qemu's and Linux's, need).
pub fn elf32(h: &ElfHeader, phs: &[Ph]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', h.class, h.data, 1, 0]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&h.e_type.to_le_bytes());
    out.extend_from_slice(&h.machine.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // e_version
    out.extend_from_slice(&h.entry.to_le_bytes());
    out.extend_from_slice(&52u32.to_le_bytes()); // e_phoff
    out.extend_from_slice(&0u32.to_le_bytes()); // e_shoff
    out.extend_from_slice(&h.flags.to_le_bytes());
    out.extend_from_slice(&52u16.to_le_bytes()); // e_ehsize
    out.extend_from_slice(&32u16.to_le_bytes()); // e_phentsize
    out.extend_from_slice(&(phs.len() as u16).to_le_bytes());
    out.extend_from_slice(&40u16.to_le_bytes()); // e_shentsize
    out.extend_from_slice(&0u16.to_le_bytes()); // e_shnum
    out.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
    assert_eq!(out.len(), 52);
    let mut offset = 52 + 32 * phs.len() as u32;
    let mut bodies = Vec::new();
    for ph in phs {
        offset = offset.next_multiple_of(4096) + ph.vaddr % 4096;
        let file_off = ph.offset.unwrap_or(offset);
        for field in [
            ph.p_type,
            file_off,
            ph.vaddr,
            ph.vaddr,
            ph.data.len() as u32,
            ph.memsz,
            ph.flags,
            4096,
        ] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        bodies.push((offset, ph.data.clone()));
        offset += ph.data.len() as u32;
    }
    for (at, data) in bodies {
        out.resize(at as usize, 0);
        out.extend_from_slice(&data);
    }
    out
}

/// A function symbol for [`elf32_with_symbols`].
pub struct Sym<'a> {
    pub name: &'a str,
    pub addr: u32,
    pub size: u32,
}

/// [`elf32`] plus a `.symtab` of function symbols (with `.strtab` and
/// `.shstrtab` and the section headers that name them).
pub fn elf32_with_symbols(h: &ElfHeader, phs: &[Ph], syms: &[Sym<'_>]) -> Vec<u8> {
    let mut out = elf32(h, phs);
    let put = |out: &mut Vec<u8>, fields: &[u32]| {
        for f in fields {
            out.extend_from_slice(&f.to_le_bytes());
        }
    };
    // .strtab
    out.resize(out.len().next_multiple_of(4), 0);
    let strtab_off = out.len() as u32;
    let mut name_offsets = Vec::new();
    out.push(0);
    for s in syms {
        name_offsets.push(out.len() as u32 - strtab_off);
        out.extend_from_slice(s.name.as_bytes());
        out.push(0);
    }
    let strtab_len = out.len() as u32 - strtab_off;
    // .symtab: the null symbol, then global functions in section 1.
    out.resize(out.len().next_multiple_of(4), 0);
    let symtab_off = out.len() as u32;
    out.extend_from_slice(&[0; 16]);
    for (s, name) in syms.iter().zip(&name_offsets) {
        put(&mut out, &[*name, s.addr, s.size]);
        out.extend_from_slice(&[0x12, 0]); // STB_GLOBAL, STT_FUNC
        out.extend_from_slice(&1u16.to_le_bytes());
    }
    let symtab_len = out.len() as u32 - symtab_off;
    // .shstrtab
    let shstrtab_off = out.len() as u32;
    out.extend_from_slice(b"\0.symtab\0.strtab\0.shstrtab\0");
    let shstrtab_len = out.len() as u32 - shstrtab_off;
    // Section headers: null, .symtab, .strtab, .shstrtab.
    out.resize(out.len().next_multiple_of(4), 0);
    let shoff = out.len() as u32;
    put(&mut out, &[0; 10]);
    put(&mut out, &[1, 2, 0, 0, symtab_off, symtab_len, 2, 1, 4, 16]);
    put(&mut out, &[9, 3, 0, 0, strtab_off, strtab_len, 0, 0, 1, 0]);
    put(
        &mut out,
        &[17, 3, 0, 0, shstrtab_off, shstrtab_len, 0, 0, 1, 0],
    );
    out[32..36].copy_from_slice(&shoff.to_le_bytes());
    out[48..50].copy_from_slice(&4u16.to_le_bytes()); // e_shnum
    out[50..52].copy_from_slice(&3u16.to_le_bytes()); // e_shstrndx
    out
}
