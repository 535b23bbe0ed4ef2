//! Running a program: the [`Executor`] builder (input, output sinks, cycle
//! and journal limits, profiling, tracing, progress) and the [`Session`] a
//! successful run returns.
//!
//! A plain run is one `Machine::run` with no observer, at full speed. With a
//! profile, a trace window or a progress callback, the run is cut into
//! stretches by the cycle limit (a run stopped by the limit resumes exactly
//! where it was, since the instruction that would pass it has no effect),
//! and each stretch runs with just the observers it needs: outside a trace
//! window there is no tracer, without a profile no observer at all.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use ember_abi::cycles::DEFAULT_LIMIT;
use ember_abi::limits::DEFAULT_JOURNAL_LIMIT;
use ember_core::{
    BufferHost, Claim, Digest, EcallStep, Exit, Fault, FaultKind, Host, Machine, NoObserver,
    Observer, Output, Step,
};
use serde::Serialize;

use crate::callstack::{Backtrace, StackObserver};
use crate::error::{Error, FaultReport};
use crate::journal::{Journal, encode_frame};
use crate::profile::{Profile, Profiler};
use crate::program::Program;
use crate::trace::{TraceWindow, Tracer};

/// How often, in cycles, a progress callback is called: a few milliseconds
/// of a plain run.
pub const PROGRESS_INTERVAL: u64 = 1 << 22;

/// Faulted or panicked runs up to this long (2^28 cycles) are re-run to
/// find their backtrace when they were not profiled: a second or so.
pub const BACKTRACE_RERUN_LIMIT: u64 = 1 << 28;

/// What [`Executor::progress`] calls.
type ProgressCallback<'a> = Box<dyn FnMut(&Progress) + 'a>;

/// What [`Executor::on_segment`] calls.
pub(crate) type SegmentCallback<'a> = Box<dyn FnMut(&SegmentProven) + 'a>;

/// A segment of a run just proven, as [`Executor::on_segment`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct SegmentProven {
    /// Its place in the run (0 for the first).
    pub index: usize,
    /// Its cycles.
    pub cycles: u64,
    /// Its proof's size in bytes.
    pub proof_bytes: usize,
    /// The time its proof took.
    pub prove_time: Duration,
}

/// A running guest's progress, as a progress callback sees it.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Cycles so far.
    pub cycles: u64,
    /// Instructions so far.
    pub instructions: u64,
    /// Guest pages (4 KiB) touched so far.
    pub touched_pages: usize,
    /// Wall time since the run started.
    pub elapsed: Duration,
}

impl Progress {
    /// Guest instructions per second so far, in millions.
    pub fn mips(&self) -> f64 {
        mips(self.instructions, self.elapsed)
    }
}

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
    pub(crate) cycle_limit: u64,
    journal_limit: u64,
    profile: bool,
    backtrace: bool,
    trace: Option<(Box<dyn Write + 'a>, TraceWindow)>,
    progress: Option<ProgressCallback<'a>>,
    pub(crate) on_segment: Option<SegmentCallback<'a>>,
    /// `prove`: the segments' size (log2 of cycles).
    pub(crate) segment_po2: usize,
    pub(crate) jobs: usize,
    /// `prove`: the parameter set.
    pub(crate) params: crate::Params,
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
            profile: false,
            backtrace: true,
            trace: None,
            progress: None,
            on_segment: None,
            segment_po2: ember_prover::DEFAULT_SEGMENT_PO2,
            jobs: 1,
            params: crate::Params::default(),
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

    /// Profiles the run: [`Session::profile`] (or the fault report's) says
    /// which call stacks spent the cycles. Slower (see docs/performance.md).
    pub fn profile(mut self, on: bool) -> Self {
        self.profile = on;
        self
    }

    /// Whether a run that panics or faults gets a backtrace (on by default).
    /// Unless the run is profiled, that costs a second, observed run of the
    /// guest up to where it stopped, with its output discarded; runs longer
    /// than [`BACKTRACE_RERUN_LIMIT`] cycles get none.
    pub fn backtrace(mut self, on: bool) -> Self {
        self.backtrace = on;
        self
    }

    /// Writes a line per executed instruction in `window` to `sink` (see
    /// [`crate::trace`]). A write error stops the trace; it is kept in
    /// [`Session::trace_error`].
    pub fn trace(mut self, sink: impl Write + 'a, window: TraceWindow) -> Self {
        self.trace = Some((Box::new(sink), window));
        self
    }

    /// `prove` proves the run in segments of at most `2^po2` cycles (2^20
    /// by default; 10 to 22), one proof each: a longer segment takes more
    /// memory to prove and makes fewer, larger receipts' worth of proofs.
    pub fn segment_po2(mut self, po2: usize) -> Self {
        self.segment_po2 = po2;
        self
    }

    /// `prove` proves up to `jobs` segments at once, each on its own
    /// thread, while the run goes on recording the next (default 1: each
    /// segment is proven when it ends). Each job holds a segment's trace,
    /// so peak memory grows with `jobs`.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// `prove` proves with the parameter set `params` (default
    /// [`Params::Fast`](crate::Params::Fast)).
    pub fn params(mut self, params: crate::Params) -> Self {
        self.params = params;
        self
    }

    /// `prove` calls `callback` with each segment once it is proven (a
    /// progress line; with [`Executor::jobs`], not always in run order).
    pub fn on_segment(mut self, callback: impl FnMut(&SegmentProven) + 'a) -> Self {
        self.on_segment = Some(Box::new(callback));
        self
    }

    /// Calls `callback` every [`PROGRESS_INTERVAL`] cycles or so.
    pub fn progress(mut self, callback: impl FnMut(&Progress) + 'a) -> Self {
        self.progress = Some(Box::new(callback));
        self
    }

    /// Runs the guest to its end.
    pub fn run(self) -> Result<Session, Error> {
        self.run_with(&mut NoObserver)
    }

    /// Runs the guest to its end with `base` observing every instruction
    /// (beside any profiler or tracer).
    pub(crate) fn run_with<B: Observer>(self, base: &mut B) -> Result<Session, Error> {
        let Executor {
            program,
            input,
            stdout,
            stderr,
            cycle_limit,
            journal_limit,
            profile,
            backtrace,
            trace,
            progress,
            on_segment: _,
            segment_po2: _,
            jobs: _,
            params: _,
        } = self;
        let mut host = IoHost::new(input, stdout, stderr);
        let mut machine = Machine::new(program.core());
        machine.set_journal_limit(journal_limit);
        let mut profiler = profile.then(|| Profiler::new(program));
        let mut tracer = trace.map(|(sink, window)| Tracer::new(sink, window));
        let start = Instant::now();
        let result = Drive {
            base,
            limit: cycle_limit,
            profiler: profiler.as_mut(),
            tracer: tracer.as_mut(),
            progress,
            start,
        }
        .run(&mut machine, &mut host);
        let wall = start.elapsed();
        host.flush();
        let trace_error = tracer.and_then(Tracer::finish);
        // HALT and PANIC leave the pc at their ECALL, a fault at the
        // faulting instruction.
        let failed = !matches!(result, Ok(Exit::Halted { .. }));
        let backtrace = match &profiler {
            _ if !(failed && backtrace) => None,
            Some(p) => Some(p.stack.backtrace(program, machine.pc())),
            None if machine.cycles() <= BACKTRACE_RERUN_LIMIT => {
                let limits = (cycle_limit, journal_limit);
                rerun_for_backtrace(program, &host.input.input, &machine, limits)
            }
            None => None,
        };
        let mut backtrace = backtrace;
        if let (Ok(Exit::Panicked { .. }), Some(b)) = (&result, &mut backtrace) {
            b.fold_panic_machinery();
        }
        let profile = profiler.map(|p| p.finish(program));
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
                let session = Session {
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
                    backtrace,
                    profile,
                    trace_error,
                };
                Ok(session)
            }
            Err(fault) => Err(Error::Fault(Box::new(FaultReport {
                // The innermost frame of the guest's own code, past Rust's
                // library and Ember's runtime.
                location: backtrace
                    .as_ref()
                    .and_then(Backtrace::user_frame)
                    .map(|f| f.location.clone())
                    .or_else(|| program.locate(fault.pc)),
                fault,
                journal,
                cycles: machine.cycles(),
                instructions: machine.instructions(),
                registers: *machine.registers(),
                wall,
                backtrace,
                profile,
                trace_error,
            }))),
        }
    }
}

impl<'a> Executor<'a> {
    /// The program and the input written so far: [`Executor::prove`] runs
    /// the guest, then proves the same run.
    pub(crate) fn program_and_input(&self) -> (&'a Program, &[u8]) {
        (self.program, &self.input)
    }
}

/// Runs the guest again with a [`StackObserver`], output discarded, to where
/// `done` stopped, and returns the backtrace there. Execution is
/// deterministic, so the second run stops where the first did; if it does
/// not (a bug), there is no backtrace rather than a wrong one.
fn rerun_for_backtrace(
    program: &Program,
    input: &[u8],
    done: &Machine<'_>,
    (cycle_limit, journal_limit): (u64, u64),
) -> Option<Backtrace> {
    let mut host = IoHost::new(input.to_vec(), Box::new(io::sink()), Box::new(io::sink()));
    let mut machine = Machine::new(program.core());
    machine.set_cycle_limit(cycle_limit);
    machine.set_journal_limit(journal_limit);
    let mut observer = StackObserver::new();
    let result = machine.run_observed(&mut host, &mut observer);
    let same = !matches!(result, Ok(Exit::Halted { .. }))
        && machine.cycles() == done.cycles()
        && machine.pc() == done.pc();
    same.then(|| observer.stack.backtrace(program, machine.pc()))
}

/// One run, cut into stretches as profiling, tracing and progress need,
/// `base` observing all of it (`NoObserver` for a plain run: the fast path).
struct Drive<'d, 'a, B> {
    base: &'d mut B,
    limit: u64,
    profiler: Option<&'d mut Profiler>,
    tracer: Option<&'d mut Tracer<'a>>,
    progress: Option<ProgressCallback<'a>>,
    start: Instant,
}

impl<B: Observer> Drive<'_, '_, B> {
    fn run(mut self, machine: &mut Machine<'_>, host: &mut IoHost<'_>) -> Result<Exit, Fault> {
        loop {
            let cycles = machine.cycles();
            let tracing = self.tracer.as_ref().is_some_and(|t| t.wants(cycles));
            // Where this stretch ends: the limit, the next progress report,
            // the trace window's start or its end (each instruction is at
            // least a cycle, so `remaining` cycles take at most that many lines).
            let mut until = self.limit;
            if self.progress.is_some() {
                until = until.min(cycles.saturating_add(PROGRESS_INTERVAL));
            }
            if let Some(t) = &self.tracer {
                if tracing {
                    until = until.min(cycles.saturating_add(t.remaining()));
                } else if cycles < t.from() {
                    until = until.min(t.from());
                }
            }
            machine.set_cycle_limit(until);
            // A stretch that cannot make progress starts with an ECALL
            // costing more than the stretch: that ECALL runs alone, under
            // the real limit.
            let base = &mut *self.base;
            let result = match (self.profiler.as_deref_mut(), self.tracer.as_deref_mut()) {
                (Some(p), Some(t)) if tracing => {
                    stretch(machine, host, &mut Both(base, &mut Both(p, t)))
                }
                (Some(p), _) => stretch(machine, host, &mut Both(base, p)),
                (None, Some(t)) if tracing => stretch(machine, host, &mut Both(base, t)),
                (None, _) => stretch(machine, host, base),
            };
            let stuck = match result {
                Ok(exit) => return Ok(exit),
                Err(fault) if until < self.limit && is_limit(&fault) => machine.cycles() == cycles,
                Err(fault) => return Err(fault),
            };
            if stuck {
                machine.set_cycle_limit(self.limit);
                let base = &mut *self.base;
                let step = match (self.profiler.as_deref_mut(), self.tracer.as_deref_mut()) {
                    (Some(p), Some(t)) if tracing => {
                        machine.step_observed(host, &mut Both(base, &mut Both(p, t)))
                    }
                    (Some(p), _) => machine.step_observed(host, &mut Both(base, p)),
                    (None, Some(t)) if tracing => machine.step_observed(host, &mut Both(base, t)),
                    (None, _) => machine.step_observed(host, base),
                };
                if let Some(exit) = step? {
                    return Ok(exit);
                }
            }
            if let Some(progress) = &mut self.progress {
                progress(&Progress {
                    cycles: machine.cycles(),
                    instructions: machine.instructions(),
                    touched_pages: machine.memory().committed_pages(),
                    elapsed: self.start.elapsed(),
                });
            }
        }
    }
}

/// Runs `machine` with `observer` until it stops or reaches its limit.
fn stretch<O: Observer>(
    machine: &mut Machine<'_>,
    host: &mut IoHost<'_>,
    observer: &mut O,
) -> Result<Exit, Fault> {
    machine.run_observed(host, observer)
}

fn is_limit(fault: &Fault) -> bool {
    matches!(fault.kind, FaultKind::CycleLimitExceeded { .. })
}

/// Two observers, one after the other.
struct Both<'o, A, B>(&'o mut A, &'o mut B);

impl<A: Observer, B: Observer> Observer for Both<'_, A, B> {
    #[inline(always)]
    fn step(&mut self, step: &Step) {
        self.0.step(step);
        self.1.step(step);
    }

    fn ecall(&mut self, ecall: &EcallStep<'_>) {
        self.0.ecall(ecall);
        self.1.ecall(ecall);
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
    /// Where the guest panicked: its call stack, innermost first (`None`
    /// if it halted, or backtraces were off).
    pub backtrace: Option<Backtrace>,
    /// Where the cycles went, if the run was profiled.
    pub profile: Option<Profile>,
    /// The first error writing the trace, if any (the trace stopped there).
    pub trace_error: Option<io::ErrorKind>,
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

impl<'a> IoHost<'a> {
    fn new(input: Vec<u8>, stdout: Box<dyn Write + 'a>, stderr: Box<dyn Write + 'a>) -> Self {
        IoHost {
            input: BufferHost::with_input(input),
            stdout,
            stderr,
            journal: Vec::new(),
            output_error: None,
        }
    }

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
