//! The host library's one error type, and the report of a faulted run.

use std::time::Duration;

use ember_core::{Fault, LoadError};

use crate::callstack::Backtrace;
use crate::journal::Journal;
use crate::profile::Profile;
use crate::program::Location;

/// Everything known about a run that ended in a fault. Whatever the guest
/// already committed is here, never lost; stdout and stderr were streamed
/// to their sinks as the guest wrote them.
#[derive(Clone, Debug)]
pub struct FaultReport {
    /// What went wrong, where.
    pub fault: Fault,
    /// The function and source line of the faulting pc, when the ELF says.
    pub location: Option<Location>,
    /// The journal as far as the guest wrote it.
    pub journal: Journal,
    /// Cycles completed before the fault.
    pub cycles: u64,
    /// Instructions completed before the fault.
    pub instructions: u64,
    /// The registers just before the faulting instruction.
    pub registers: [u32; 32],
    /// Wall time of the run.
    pub wall: Duration,
    /// The guest's call stack at the fault, innermost first (`None` if
    /// backtraces were off or the run was too long to re-run).
    pub backtrace: Option<Backtrace>,
    /// Where the cycles went, if the run was profiled.
    pub profile: Option<Profile>,
    /// The first error writing the trace, if any (the trace stopped there).
    pub trace_error: Option<std::io::ErrorKind>,
}

impl std::fmt::Display for FaultReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.fault)?;
        if let Some(location) = &self.location {
            write!(f, " in {location}")?;
        }
        Ok(())
    }
}

/// What can go wrong loading, running, or decoding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The ELF file is not a valid Ember program.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The guest faulted (or ran out of cycles).
    #[error("guest fault: {0}")]
    Fault(Box<FaultReport>),
    /// An input value could not be encoded.
    #[error("cannot encode an input value: {0}")]
    Encode(postcard::Error),
    /// An input value is larger than a frame can say.
    #[error("an input value of {len} bytes does not fit in a frame (4 GiB at most)")]
    TooLarge {
        /// Its encoded length.
        len: usize,
    },
    /// The journal ends inside a frame.
    #[error("the journal ends inside the value starting at byte {offset}")]
    ShortJournal {
        /// Where the frame starts.
        offset: usize,
    },
    /// A journal frame does not decode as the type asked for.
    #[error("the journal value at byte {offset} does not decode as the type asked for: {source}")]
    Decode {
        /// Where the frame starts.
        offset: usize,
        /// The decoder's error.
        source: postcard::Error,
    },
    /// Bytes remain after the one value `Journal::decode` expects.
    #[error("the journal has {left} bytes after its value (use Journal::decoder for several)")]
    TrailingJournal {
        /// Bytes left over.
        left: usize,
    },
    /// The run halted or panicked but cannot be proven (an instruction or
    /// ECALL the proof does not cover yet, a run too long for one proof).
    #[error(transparent)]
    Prove(#[from] ember_prover::ProveError),
}
