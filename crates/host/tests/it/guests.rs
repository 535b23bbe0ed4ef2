//! Guest programs for the tests, assembled in Rust (no cross toolchain): each
//! is an ELF with code at CODE, data at DATA and a symbol per function.

use ember_core::asm;
use ember_testkit::*;

pub const T0: u8 = 5;
pub const A0: u8 = 10;
pub const A1: u8 = 11;
pub const A2: u8 = 12;

/// A guest: instruction words, initial data, function symbols (name, first word, words).
pub struct Guest {
    pub words: Vec<u32>,
    pub data: Vec<u8>,
    pub functions: Vec<(&'static str, usize, usize)>,
}

impl Guest {
    pub fn new(words: Vec<u32>) -> Guest {
        let n = words.len();
        Guest {
            words,
            data: Vec::new(),
            functions: vec![("guest::main", 0, n)],
        }
    }

    pub fn with_data(mut self, data: &[u8]) -> Guest {
        self.data = data.to_vec();
        self
    }

    pub fn elf(&self) -> Vec<u8> {
        let syms: Vec<Sym<'_>> = self
            .functions
            .iter()
            .map(|&(name, first, len)| Sym {
                name,
                addr: CODE + 4 * first as u32,
                size: 4 * len as u32,
            })
            .collect();
        elf32_with_symbols(
            &ElfHeader::default(),
            &[
                Ph::code(CODE, &self.words),
                Ph::load(DATA, PF_R | PF_W, self.data.clone(), 0x1_0000),
            ],
            &syms,
        )
    }
}

pub fn li(rd: u8, v: u32) -> Vec<u32> {
    asm::li(rd, v).to_vec()
}

/// WRITE(fd, addr, len).
pub fn write(fd: u32, addr: u32, len: u32) -> Vec<u32> {
    [
        li(T0, 2),
        li(A0, fd),
        li(A1, addr),
        li(A2, len),
        vec![asm::ecall()],
    ]
    .concat()
}

/// READ(0, addr, len).
pub fn read(addr: u32, len: u32) -> Vec<u32> {
    [
        li(T0, 1),
        li(A0, 0),
        li(A1, addr),
        li(A2, len),
        vec![asm::ecall()],
    ]
    .concat()
}

pub fn halt(code: u32) -> Vec<u32> {
    [li(A0, code), li(T0, 0), vec![asm::ecall()]].concat()
}

/// Prints "hello\n", commits the u32 42 (frame: length 1, postcard varint 42).
pub fn hello() -> Guest {
    let data = b"hello\n\x01\x00\x00\x00\x2a";
    Guest::new([write(1, DATA, 6), write(3, DATA + 6, 5), halt(0)].concat()).with_data(data)
}

/// Copies its whole input (up to 4 KiB) to the journal.
pub fn echo() -> Guest {
    let words = [
        read(DATA, 4096),
        vec![asm::addi(20, A0, 0)],
        li(T0, 2),
        li(A0, 3),
        li(A1, DATA),
        vec![asm::addi(A2, 20, 0), asm::ecall()],
        halt(0),
    ]
    .concat();
    Guest::new(words)
}

pub fn exits_with(code: u32) -> Guest {
    Guest::new(halt(code))
}

/// Panics with "boom at src/main.rs:7:5".
pub fn panics() -> Guest {
    let msg = b"boom at src/main.rs:7:5";
    let words = [
        li(A0, DATA),
        li(A1, msg.len() as u32),
        li(T0, 5),
        vec![asm::ecall()],
    ]
    .concat();
    Guest::new(words).with_data(msg)
}

/// Prints, commits 5 bytes, then loads through a null pointer inside the
/// function `guest::deref`.
pub fn null_deref() -> Guest {
    let data = b"before\n\x01\x00\x00\x00\x07";
    let mut words = [write(1, DATA, 7), write(3, DATA + 7, 5)].concat();
    let main_len = words.len() + 1;
    words.push(asm::jal(1, 4));
    words.push(asm::lw(A0, 0, 0));
    let mut g = Guest::new(words).with_data(data);
    g.functions = vec![("guest::main", 0, main_len), ("guest::deref", main_len, 1)];
    g
}

/// Loops forever.
pub fn spins() -> Guest {
    Guest::new(vec![asm::addi(1, 1, 1), asm::jal(0, -4)])
}

/// Commits the u32 42 twice (two 5-byte frames), then halts with 0.
pub fn commits_twice() -> Guest {
    let data = b"\x01\x00\x00\x00\x2a";
    Guest::new([write(3, DATA, 5), write(3, DATA, 5), halt(0)].concat()).with_data(data)
}
