//! Ember's RV32IM machine: the decoder, the interpreter, guest memory, the
//! ELF loader and ECALL dispatch.
//!
//! `ember-core` knows nothing of files, terminals or command lines: it takes
//! ELF bytes and a [`Host`] and reports an [`Exit`] or a [`Fault`].
//!
//! ```
//! use ember_core::{asm, BufferHost, Exit, Machine, Program, Segment};
//!
//! // li a0, 7; li t0, HALT; ecall
//! let words = [asm::addi(10, 0, 7), asm::addi(5, 0, 0), asm::ecall()];
//! let program = Program::from_segments(0x0040_0000, vec![Segment::code(0x0040_0000, &words)])?;
//! let mut machine = Machine::new(&program);
//! assert_eq!(machine.run(&mut BufferHost::default()), Ok(Exit::Halted { code: 7 }));
//! assert_eq!(machine.cycles(), 3);
//! # Ok::<(), ember_core::LoadError>(())
//! ```

pub mod alu;
pub mod asm;
pub mod commit;
mod decode;
mod ecall;
mod error;
mod exec;
mod instruction;
mod machine;
mod memory;
mod observer;
mod program;

pub use commit::{Claim, Digest};
pub use decode::decode;
pub use ecall::{BufferHost, Host, MAX_PANIC_MESSAGE, Output};
pub use error::{Access, BufferProblem, Fault, FaultKind, LoadError, Region, SegmentRule};
pub use instruction::{Disassembly, Instruction, REG_NAMES};
pub use machine::{Exit, Machine};
pub use memory::{Memory, Page};
pub use observer::{EcallStep, MemAccess, NoObserver, Observer, Step};
pub use program::{CodeSegment, MAX_PROGRAM_HEADERS, Program, Segment};
