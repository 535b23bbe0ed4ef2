//! Test support shared by Ember's crates: a minimal ELF32 writer (so tests
//! can make hostile and valid files without a cross toolchain) and the
//! addresses test programs use.
#![allow(missing_docs)]

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
