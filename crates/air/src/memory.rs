//! The offline memory argument: registers and RAM as one address space on
//! the memory bus. Register `i` is address `i`; a RAM word at byte address
//! `a` is address `a / 4` (at least `0x4000`: the guard region lies below,
//! so the two never meet).
//!
//! Every value is a tuple `(address, value[4], timestamp, writable)`. An
//! access receives the tuple its address holds and sends the new one with a
//! later timestamp. The chunk table ([`crate::paging::chunk`]) sends each
//! touched word's initial tuple at timestamp 0, as the memory tree holds
//! it, and receives its final one; the tree lists each chunk at most once,
//! so each address has exactly one beginning and one end, and the bus
//! balances only if every access between them read what the previous one
//! wrote. `writable` is 0 for code: it travels with the value, and a store
//! must see 1, so code is immutable.

use ember_abi::memory::STACK_TOP;
use ember_abi::reg::SP;
use ember_core::Program;

/// One initial value: `(address, value, writable)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitialWord {
    /// Register number, or byte address / 4.
    pub addr: u32,
    /// The value.
    pub value: u32,
    /// False for code.
    pub writable: bool,
}

/// The initial state: the 32 registers (`sp = STACK_TOP`, the rest 0), every
/// word of an executable segment (read-only), and every non-zero word of the
/// other segments. Other words start at zero, which [`MemoryAir`] provides.
pub fn initial_words(program: &Program) -> Vec<InitialWord> {
    let mut words: Vec<InitialWord> = (0..32)
        .map(|r| InitialWord {
            addr: r,
            value: if r as usize == SP { STACK_TOP } else { 0 },
            writable: true,
        })
        .collect();
    let memory = program.initial_memory();
    for s in program.segments() {
        let (start, end) = (
            s.vaddr / 4,
            (s.vaddr as u64 + s.memsz as u64).div_ceil(4) as u32,
        );
        for w in start..end {
            let value = memory.read_u32(w * 4);
            if s.executable || value != 0 {
                words.push(InitialWord {
                    addr: w,
                    value,
                    writable: !s.executable,
                });
            }
        }
    }
    words
}
