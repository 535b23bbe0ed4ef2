//! Ember's host library: load a guest program, run it with typed input, and
//! get back what it committed, with the digests a proof would attest.
//!
//! - [`Program::load`] validates and decodes an ELF once; [`Program::image_id`].
//! - [`Executor`] takes input, output sinks, cycle and journal limits; `run`
//!   gives a [`Session`] (exit, journal, cycles, digests) or an
//!   [`Error::Fault`] whose [`FaultReport`] keeps what the guest already
//!   committed.
//! - [`report`] renders both for people (text) and tools (JSON).
//! - Seeing inside a guest: panics and faults come with a [`Backtrace`];
//!   [`Executor::profile`] gives a [`Profile`] (collapsed stacks, a
//!   flamegraph); [`Executor::trace`] writes an instruction [`trace`];
//!   [`Executor::progress`] reports on long runs.
//!
//! - [`Executor::prove`] runs the guest, then proves that run: a
//!   [`ProveSession`] holds the session and the [`Receipt`], which
//!   [`verify_receipt`] checks against the ELF, input and journal
//!   (or [`verify_receipt_with_key`], against the program's
//!   [`VerifyingKey`]: [`Program::verifying_key`], computed once).

mod callstack;
mod error;
mod executor;
mod journal;
mod profile;
mod program;
pub mod progress;
mod prove;
pub mod report;
pub mod trace;

pub use callstack::{Backtrace, BacktraceFrame};
pub use ember_core::{Digest, Exit, Fault, FaultKind, LoadError};
pub use ember_verifier::{
    KeyError, Params, Receipt, ReceiptError, VerifyError, VerifyingKey, verify_receipt,
    verify_receipt_with_key,
};
pub use error::{Error, FaultReport};
pub use executor::{
    BACKTRACE_RERUN_LIMIT, Executor, PROGRESS_INTERVAL, Progress, SegmentProven, Session, mips,
};
pub use journal::{Journal, JournalDecoder, encode_frame};
pub use profile::{FunctionCost, Profile};
pub use program::{Location, Program, Symbol};
pub use prove::ProveSession;
pub use trace::TraceWindow;

/// The README's Rust snippets (its ```` ```rust ```` blocks), compiled as
/// doc tests of this crate so that they cannot drift from the API. (Guest
/// code in the README is fenced ```` ```rs ```` and checked against the
/// example it shows by `cargo xtask readme --check`.)
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct Readme;
