//! Running a program: the [`Executor`] builder (input, output sinks, cycle
//! and journal limits) and the [`Session`] a successful run returns.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use ember_abi::cycles::DEFAULT_LIMIT;
use ember_abi::limits::DEFAULT_JOURNAL_LIMIT;
use ember_core::{BufferHost, Claim, Digest, Exit, Host, Machine, Output};
use serde::Serialize;

use crate::error::{Error, FaultReport};
use crate::journal::{Journal, encode_frame};
use crate::program::Program;

/// Builds and runs one execution of a [`Program`].
///
/// ```no_run
/// # fn main() -> Result<(), ember_host::Error> {
/// let elf = std::fs::read("guest.elf").unwrap();
/// let program = ember_host::Program::load(&elf)?;
/// let session = ember_host::Executor::new(&program).write(&30u32)?.run()?;
/// let fib: u64 = session.journal.decode()?;
/// # Ok(()) }
/// ```
pub struct Executor<'a> {
    program: &'a Program,
    input: Vec<u8>,
    stdout: Box<dyn Write + 'a>,
    stderr: Box<dyn Write + 'a>,
    cycle_limit: u64,
    journal_limit: u64,
}

impl<'a> Executor<'a> {
    /// An executor with no input, the process's stdout and stderr as the
    /// guest's, the default cycle limit (2^32) and the default journal limit
    /// (64 MiB).
    pub fn new(program: &'a Program) -> Self {
        Executor {
            program,
            input: Vec::new(),
            stdout: Box::new(io::stdout()),
            stderr: Box::new(io::stderr()),
            cycle_limit: DEFAULT_LIMIT,
            journal_limit: DEFAULT_JOURNAL_LIMIT,
        }
    }

    /// Appends a typed value to the input, framed for the guest's `env::read`.
    pub fn write<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, Error> {
        self.input.extend(encode_frame(value)?);
        Ok(self)
    }

    /// Appends raw bytes to the input (for `env::read_slice`/`read_to_end`).
    pub fn write_bytes(mut self, bytes: &[u8]) -> Self {
        self.input.extend_from_slice(bytes);
        self
    }

    /// Where the guest's stdout goes.
    pub fn stdout(mut self, sink: impl Write + 'a) -> Self {
        self.stdout = Box::new(sink);
        self
    }

    /// Where the guest's stderr goes.
    pub fn stderr(mut self, sink: impl Write + 'a) -> Self {
        self.stderr = Box::new(sink);
        self
    }

    /// The most cycles the guest may use.
    pub fn cycle_limit(mut self, limit: u64) -> Self {
        self.cycle_limit = limit;
        self
    }

    /// The most journal bytes the guest may commit: the WRITE that would
    /// take the journal past it faults with
    /// [`FaultKind::JournalLimitExceeded`](crate::FaultKind::JournalLimitExceeded),
    /// and the fault report keeps the journal written before it.
    pub fn journal_limit(mut self, limit: u64) -> Self {
        self.journal_limit = limit;
        self
    }

    /// Runs the guest to its end.
    pub fn run(self) -> Result<Session, Error> {
        let Executor {
            program,
            input,
            stdout,
            stderr,
            cycle_limit,
            journal_limit,
        } = self;
        let mut host = IoHost {
            input: BufferHost::with_input(input),
            stdout,
            stderr,
            journal: Vec::new(),
            output_error: None,
        };
        let mut machine = Machine::new(program.core());
        machine.set_cycle_limit(cycle_limit);
        machine.set_journal_limit(journal_limit);
        let start = Instant::now();
        let result = machine.run(&mut host);
        let wall = start.elapsed();
        host.flush();
        let journal = Journal {
            bytes: host.journal,
        };
        match result {
            Ok(exit) => {
                let claim = Claim::new(
                    program.image_id(),
                    &host.input.input,
                    &journal.bytes,
                    &exit,
                    machine.cycles(),
                );
                Ok(Session {
                    claim_digest: claim.digest(),
                    image_id: claim.image_id,
                    input_digest: claim.input_digest,
                    journal_digest: claim.journal_digest,
                    exit,
                    journal,
                    cycles: machine.cycles(),
                    instructions: machine.instructions(),
                    wall,
                    touched_pages: machine.memory().committed_pages(),
                    output_error: host.output_error,
                })
            }
            Err(fault) => Err(Error::Fault(Box::new(FaultReport {
                location: program.locate(fault.pc),
                fault,
                journal,
                cycles: machine.cycles(),
                instructions: machine.instructions(),
                registers: *machine.registers(),
                wall,
            }))),
        }
    }
}

/// The result of a run in which the guest halted or panicked.
#[derive(Clone, Debug)]
pub struct Session {
    /// How the guest stopped.
    pub exit: Exit,
    /// What the guest committed.
    pub journal: Journal,
    /// Cycles used (SPEC §5).
    pub cycles: u64,
    /// Instructions executed.
    pub instructions: u64,
    /// The program's image ID.
    pub image_id: Digest,
    /// SHA-256 of the input bytes.
    pub input_digest: Digest,
    /// SHA-256 of the journal bytes.
    pub journal_digest: Digest,
    /// The claim digest: what a proof of this run would attest.
    pub claim_digest: Digest,
    /// Wall time of the run.
    pub wall: Duration,
    /// Guest pages (4 KiB) holding data at the end: the memory the guest
    /// touched, which is what the host had to commit for it.
    pub touched_pages: usize,
    /// The first error writing to the stdout or stderr sink, if any (the
    /// guest went on; the journal is unaffected).
    pub output_error: Option<(Output, io::ErrorKind)>,
}

impl Session {
    /// Guest instructions per second of wall time, in millions.
    pub fn mips(&self) -> f64 {
        mips(self.instructions, self.wall)
    }
}

/// Millions of instructions per second.
pub fn mips(instructions: u64, wall: Duration) -> f64 {
    instructions as f64 / wall.as_secs_f64().max(1e-9) / 1e6
}

/// The machine's view of the outside world for one run: input as core's
/// `BufferHost` serves it, output streamed to the sinks.
struct IoHost<'a> {
    input: BufferHost,
    stdout: Box<dyn Write + 'a>,
    stderr: Box<dyn Write + 'a>,
    journal: Vec<u8>,
    output_error: Option<(Output, io::ErrorKind)>,
}

impl IoHost<'_> {
    fn flush(&mut self) {
        for (output, sink) in [
            (Output::Stdout, &mut self.stdout),
            (Output::Stderr, &mut self.stderr),
        ] {
            if let Err(e) = sink.flush() {
                self.output_error.get_or_insert((output, e.kind()));
            }
        }
    }
}

impl Host for IoHost<'_> {
    fn read_input(&mut self, buf: &mut [u8]) -> usize {
        self.input.read_input(buf)
    }

    fn input_remaining(&self) -> usize {
        self.input.input_remaining()
    }

    fn write(&mut self, output: Output, bytes: &[u8]) {
        let sink = match output {
            Output::Journal => return self.journal.extend_from_slice(bytes),
            Output::Stdout => &mut self.stdout,
            Output::Stderr => &mut self.stderr,
        };
        if let Err(e) = sink.write_all(bytes) {
            self.output_error.get_or_insert((output, e.kind()));
        }
    }
}
