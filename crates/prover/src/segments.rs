//! Proving a run in segments: the executor runs once, and a [`Segmenter`]
//! watching it cuts the run before the instruction that would take a
//! segment past `2^k` cycles (an ECALL that costs more than a segment then
//! makes one alone); each segment is recorded from where the previous one
//! stopped (pc, cycles, input and journal positions, memory and its tree)
//! and proven as soon as it is complete, so the prover holds one segment's
//! trace at a time.

use ember_air::Params;
use ember_air::paging::tree::{MemoryState, digest_u32};
use ember_air::public::Boundary;
use ember_core::{BufferHost, EcallStep, Exit, Fault, FaultKind, Machine, Observer, Program, Step};

use std::time::{Duration, Instant};

use ember_air::EmberAir;

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
    /// The segment being recorded, and where it started.
    current: Option<(Recorder, Boundary)>,
    proofs: Vec<Proof>,
    error: Option<ProveError>,
    on_segment: Option<OnSegment<'a>>,
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
            current: Some((recorder, start)),
            proofs: Vec::new(),
            error: None,
            on_segment: None,
        })
    }

    /// Calls `report` with each segment once it is proven (a progress line,
    /// a benchmark's figures).
    pub fn on_segment(mut self, report: impl FnMut(&SegmentDone<'_>) + 'a) -> Segmenter<'a> {
        self.on_segment = Some(Box::new(report));
        self
    }

    /// Proves a finished segment's tables, reports it and keeps its proof.
    fn prove(
        &mut self,
        airs: &[EmberAir],
        traces: &Traces,
        trace_time: Duration,
    ) -> Result<(), ProveError> {
        let started = Instant::now();
        let proof = prove_traces_with(airs, traces, self.params)?;
        if let Some(report) = &mut self.on_segment {
            report(&SegmentDone {
                index: self.proofs.len(),
                airs,
                traces,
                proof: &proof,
                trace_time,
                prove_time: started.elapsed(),
            });
        }
        self.proofs.push(proof);
        Ok(())
    }

    /// Before the instruction at `pc` that starts at `cycle` and costs
    /// `cost`: ends the segment there if the instruction would take it
    /// past its size (and it holds any), proving it and starting the next.
    fn before(&mut self, pc: u32, cycle: u64, cost: u64) {
        if self.error.is_some() {
            return;
        }
        if cycle + cost > MAX_RUN_CYCLES {
            self.error = Some(ProveError::TooManyCycles {
                cycles: cycle + cost,
                limit: MAX_RUN_CYCLES,
            });
            self.current = None;
            return;
        }
        let Some((_, start)) = &self.current else {
            return;
        };
        let begun = u64::from(start.cycles);
        if cycle == begun || cycle + cost <= begun + (1 << self.po2) {
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
        self.prove(&airs, &traces, started.elapsed())?;
        let end = self.proofs.last().expect("just proven").proof.end;
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
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let (recorder, _) = self.current.take().expect("a segment");
        let started = Instant::now();
        let (airs, traces) = recorder.finish(result, cycles)?;
        self.prove(&airs, &traces, started.elapsed())?;
        Ok(self.proofs)
    }
}

impl Observer for Segmenter<'_> {
    fn step(&mut self, s: &Step) {
        self.before(s.pc, s.cycle, 1);
        if let Some((recorder, _)) = &mut self.current {
            recorder.step(s);
        }
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        self.before(e.pc, e.cycle, e.cost);
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
    if let Err(f) = &result
        && matches!(f.kind, FaultKind::CycleLimitExceeded { .. })
    {
        return Err(ProveError::TooManyCycles {
            cycles: machine.cycles(),
            limit: MAX_RUN_CYCLES,
        });
    }
    segmenter.finish(&result, machine.cycles())
}
