//! Proving a run in segments: the executor runs once, and a [`Segmenter`]
//! watching it cuts the run before the instruction that would take a
//! segment past `2^k` cycles (an ECALL that costs more than a segment then
//! makes one alone), or before the instruction whose memory could take the
//! segment's compression table past the parameter set's tallest table;
//! each segment is recorded from where the previous one
//! stopped (pc, cycles, input and journal positions, memory and its tree)
//! and proven as soon as it is complete, so the prover holds one segment's
//! trace at a time.

use ember_abi::ecall;
use ember_air::Params;
use ember_air::paging::perm::ROWS;
use ember_air::paging::tree::{CHUNK_WORDS, DEPTH, MemoryState, digest_u32};
use ember_air::public::Boundary;
use ember_core::{BufferHost, EcallStep, Exit, Fault, FaultKind, Machine, Observer, Program, Step};

use std::time::{Duration, Instant};

use ember_air::EmberAir;

use crate::workers::{Done, Job, Workers};
use crate::{Proof, ProveError, Recorder, Traces, prove_traces_with};

/// The smallest and largest segment sizes (log2 of cycles).
pub const SEGMENT_PO2: std::ops::RangeInclusive<usize> = 10..=22;

/// The default segment size (log2 of cycles).
pub const DEFAULT_SEGMENT_PO2: usize = 20;

pub use ember_air::chips::MAX_RUN_CYCLES;

/// A segment just proven, as [`Segmenter::on_segment`] reports it.
pub struct SegmentDone<'s> {
    /// Its place in the run (0 for the first).
    pub index: usize,
    /// Its tables.
    pub airs: &'s [EmberAir],
    /// Their traces.
    pub traces: &'s Traces,
    /// Its proof.
    pub proof: &'s Proof,
    /// The time its tables took to finish once the segment stopped (the
    /// recording itself runs beside the guest).
    pub trace_time: Duration,
    /// The time its proof took.
    pub prove_time: Duration,
}

/// What [`Segmenter::on_segment`] calls.
type OnSegment<'a> = Box<dyn FnMut(&SegmentDone<'_>) + 'a>;

/// An [`Observer`] that records a run segment by segment and proves each
/// segment when the next one begins (and the last in [`Segmenter::finish`]).
pub struct Segmenter<'a> {
    program: &'a Program,
    input: &'a [u8],
    po2: usize,
    params: Params,
    /// The compression table's most rows (log2): the set's tallest table.
    paging_log_limit: usize,
    /// The segment being recorded, and where it started.
    current: Option<(Recorder, Boundary)>,
    /// A slot per segment finished so far, holding its proof once made (a
    /// worker's may come back out of order).
    proofs: Vec<Option<Proof>>,
    /// The first reason the run cannot be proven: while recording, or the
    /// earliest segment whose proof failed.
    error: Option<ProveError>,
    failed: Option<(usize, ProveError)>,
    on_segment: Option<OnSegment<'a>>,
    /// Proving threads, if more than one job (else segments are proven
    /// in turn, on the recording thread).
    workers: Option<Workers>,
}

impl<'a> Segmenter<'a> {
    /// A segmenter for `program` run on `input`, in segments of at most
    /// `2^po2` cycles proven with `params`; fails if the program cannot be
    /// proven at all.
    pub fn new(
        program: &'a Program,
        input: &'a [u8],
        po2: usize,
        params: Params,
    ) -> Result<Segmenter<'a>, ProveError> {
        if !SEGMENT_PO2.contains(&po2) {
            return Err(ProveError::SegmentSize { po2 });
        }
        let state = MemoryState::initial(program);
        let start = Boundary {
            pc: program.entry(),
            root: digest_u32(&state.root()),
            ..Boundary::default()
        };
        let recorder = Recorder::segment(program, input, state, start, po2)?;
        Ok(Segmenter {
            program,
            input,
            po2,
            params,
            paging_log_limit: params.max_log_table_height(),
            current: Some((recorder, start)),
            proofs: Vec::new(),
            error: None,
            failed: None,
            on_segment: None,
            workers: None,
        })
    }

    /// Proves up to `jobs` segments at once, each on its own thread, while
    /// the run goes on (1, the default: each segment is proven when it
    /// ends, and the run waits). Memory grows with `jobs`: each holds a
    /// segment's trace.
    pub fn jobs(mut self, jobs: usize) -> Segmenter<'a> {
        self.workers = (jobs > 1).then(|| Workers::new(jobs, self.params));
        self
    }

    /// Cuts segments so that the compression table stays within
    /// `2^log_rows` rows (tests reach the set's limit with short runs).
    #[doc(hidden)]
    pub fn paging_log_limit(mut self, log_rows: usize) -> Segmenter<'a> {
        self.paging_log_limit = log_rows;
        self
    }

    /// Calls `report` with each segment once it is proven (a progress line,
    /// a benchmark's figures).
    pub fn on_segment(mut self, report: impl FnMut(&SegmentDone<'_>) + 'a) -> Segmenter<'a> {
        self.on_segment = Some(Box::new(report));
        self
    }

    /// Proves a finished segment's tables (now, or hands them to a
    /// worker), reporting and keeping every proof made meanwhile.
    fn prove(&mut self, airs: Vec<EmberAir>, traces: Traces, trace_time: Duration) {
        let job = Job {
            index: self.proofs.len(),
            airs,
            traces,
            trace_time,
        };
        self.proofs.push(None);
        let proven = match &self.workers {
            None => {
                let started = Instant::now();
                let proof = prove_traces_with(&job.airs, &job.traces, self.params);
                vec![Done {
                    job,
                    proof,
                    prove_time: started.elapsed(),
                }]
            }
            Some(workers) => match workers.submit(job) {
                Ok(()) => workers.proven(),
                Err(e) => {
                    self.error.get_or_insert(e);
                    Vec::new()
                }
            },
        };
        for done in proven {
            self.keep(done);
        }
    }

    /// Reports a segment proven and keeps its proof (or its error, if it is
    /// the earliest so far).
    fn keep(&mut self, done: Done) {
        let Done {
            job,
            proof,
            prove_time,
        } = done;
        match proof {
            Ok(proof) => {
                if let Some(report) = &mut self.on_segment {
                    report(&SegmentDone {
                        index: job.index,
                        airs: &job.airs,
                        traces: &job.traces,
                        proof: &proof,
                        trace_time: job.trace_time,
                        prove_time,
                    });
                }
                self.proofs[job.index] = Some(proof);
            }
            Err(e) => {
                if self.failed.as_ref().is_none_or(|(i, _)| job.index < *i) {
                    self.failed = Some((job.index, e));
                }
            }
        }
    }

    /// Before the instruction at `pc` that starts at `cycle`, costs `cost`
    /// and adds at most `new_nodes` nodes to the memory tree: ends the
    /// segment there if the instruction would take it past its size, or
    /// could take its compression table past the set's tallest table (and
    /// it holds any), proving it and starting the next.
    fn before(&mut self, pc: u32, cycle: u64, cost: u64, new_nodes: u64) {
        if self.error.is_some() || self.failed.is_some() {
            self.current = None;
            return;
        }
        if cycle + cost > MAX_RUN_CYCLES {
            self.error = Some(ProveError::RunTooLong {
                cycles: cycle,
                limit: MAX_RUN_CYCLES,
            });
            self.current = None;
            return;
        }
        let Some((recorder, start)) = &self.current else {
            return;
        };
        let begun = u64::from(start.cycles);
        // Each node asks for at most two compressions of ROWS rows.
        let nodes = (recorder.tree_nodes() as u64).saturating_add(new_nodes);
        let paging_fits = nodes
            .saturating_mul(2)
            .checked_next_power_of_two()
            .is_some_and(|c| c.saturating_mul(ROWS as u64) <= 1 << self.paging_log_limit);
        if cycle == begun || (cycle + cost <= begun + (1 << self.po2) && paging_fits) {
            return;
        }
        let (recorder, _) = self.current.take().expect("a segment");
        match self.cut(recorder, pc, cycle) {
            Ok(next) => self.current = Some(next),
            Err(e) => self.error = Some(e),
        }
    }

    /// Ends `recorder`'s segment at `pc` after `cycle` cycles of the run,
    /// proves it and starts the next segment there.
    fn cut(
        &mut self,
        recorder: Recorder,
        pc: u32,
        cycle: u64,
    ) -> Result<(Recorder, Boundary), ProveError> {
        let started = Instant::now();
        let (airs, traces, state) = recorder.finish_segment(pc, cycle)?;
        // Where the segment ends is in its public values, before any proof.
        let end = ember_air::public::segment_end(&traces.public_values);
        self.prove(airs, traces, started.elapsed());
        let start = Boundary {
            pc,
            cycles: cycle as u32,
            input_pos: end.input_pos,
            journal_pos: end.journal_pos,
            root: digest_u32(&end.root),
        };
        let recorder = Recorder::segment(self.program, self.input, state, start, self.po2)?;
        Ok((recorder, start))
    }

    /// The segments' proofs, in order, once the run ended with `result`
    /// after `cycles` cycles: the first reason it cannot be proven, if any.
    pub fn finish(
        mut self,
        result: &Result<Exit, Fault>,
        cycles: u64,
    ) -> Result<Vec<Proof>, ProveError> {
        // The last segment, unless recording or a proof already failed.
        if self.error.is_none()
            && self.failed.is_none()
            && let Some((recorder, _)) = self.current.take()
        {
            let started = Instant::now();
            match recorder.finish(result, cycles) {
                Ok((airs, traces)) => self.prove(airs, traces, started.elapsed()),
                Err(e) => self.error = Some(e),
            }
        }
        // Every worker's proof, even after an error (the threads end).
        if let Some(workers) = self.workers.take() {
            let (proven, died) = workers.finish();
            for done in proven {
                self.keep(done);
            }
            if let Some(e) = died {
                self.error.get_or_insert(e);
            }
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let Some((_, e)) = self.failed.take() {
            return Err(e);
        }
        Ok(self
            .proofs
            .into_iter()
            .map(|p| p.expect("every segment proven"))
            .collect())
    }
}

impl Observer for Segmenter<'_> {
    fn step(&mut self, s: &Step) {
        // Three registers and a word of memory: a path each.
        self.before(s.pc, s.cycle, 1, 4 * DEPTH as u64);
        if let Some((recorder, _)) = &mut self.current {
            recorder.step(s);
        }
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        // Its registers (a path each), and its buffer or state: an I/O
        // buffer's every word, whatever the bytes moved (a range of c
        // chunks has at most c + 2 DEPTH nodes above it: at most c / 2^l +
        // 2 on level l); an accelerator touches fewer words than it costs
        // cycles (a path each).
        let range = |len: u32| u64::from(len) / CHUNK_WORDS as u64 / 4 + 2 + 2 * DEPTH as u64;
        let memory = match e.number {
            ecall::READ | ecall::WRITE => range(e.args[2]),
            ecall::PANIC => range(e.args[1]),
            _ => e.cost.saturating_mul(DEPTH as u64),
        };
        self.before(
            e.pc,
            e.cycle,
            e.cost,
            (4 * DEPTH as u64).saturating_add(memory),
        );
        if let Some((recorder, _)) = &mut self.current {
            recorder.ecall(e);
        }
    }
}

/// Proves `program` run on `input` in segments of at most `2^po2` cycles
/// each (one that ECALL costs more makes one alone), with the parameter
/// set `params`: the proofs, in order (one for a run that fits one
/// segment).
pub fn prove_segments(
    program: &Program,
    input: &[u8],
    po2: usize,
    params: Params,
) -> Result<Vec<Proof>, ProveError> {
    let mut segmenter = Segmenter::new(program, input, po2, params)?;
    let mut machine = Machine::new(program);
    // An endless guest stops at the most cycles a proof of segments holds.
    machine.set_cycle_limit(MAX_RUN_CYCLES);
    let mut host = BufferHost::with_input(input);
    let result = machine.run_observed(&mut host, &mut segmenter);
    if let Some(e) = result.as_ref().err().and_then(run_too_long) {
        return Err(e);
    }
    segmenter.finish(&result, machine.cycles())
}

/// [`ProveError::RunTooLong`] if `fault` is a run stopped at the most
/// cycles a receipt holds (its cycle limit set to [`MAX_RUN_CYCLES`], as
/// [`prove_segments`] and `ember_host`'s `Executor::prove` set it).
pub fn run_too_long(fault: &Fault) -> Option<ProveError> {
    match fault.kind {
        FaultKind::CycleLimitExceeded { limit, cycles } if limit == MAX_RUN_CYCLES => {
            Some(ProveError::RunTooLong { cycles, limit })
        }
        _ => None,
    }
}
