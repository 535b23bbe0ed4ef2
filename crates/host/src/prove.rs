//! Proving a run: [`Executor::prove`] runs the guest as `run` does (output
//! streamed, faults reported with their source line), cutting it into
//! segments and proving each as the run goes, and wraps the proofs and the
//! claim in a [`Receipt`]. The guest runs once.

use std::time::{Duration, Instant};

use ember_core::Claim;
use ember_prover::Segmenter;
use ember_verifier::Receipt;

use crate::error::Error;
use crate::executor::{Executor, SegmentProven, Session};

/// A run and the receipt that proves it.
#[derive(Debug)]
pub struct ProveSession {
    /// The run, as [`Executor::run`] reports it.
    pub session: Session,
    /// The claim of the run, its journal and the proof.
    pub receipt: Receipt,
    /// Wall time of the proof: the run (which records the trace as it goes)
    /// and the proving.
    pub prove_time: Duration,
}

impl ProveSession {
    /// Cycles proven per second of proving time, in thousands.
    pub fn khz(&self) -> f64 {
        self.session.cycles as f64 / self.prove_time.as_secs_f64().max(1e-9) / 1e3
    }
}

impl Executor<'_> {
    /// Runs the guest to its end, then proves that run.
    ///
    /// A run that faults has no claim: that is [`Error::Fault`] with the
    /// fault report, as from [`Executor::run`]. A run the proof cannot
    /// cover yet (an instruction or ECALL it does not handle, more cycles
    /// than a proof of segments holds) is [`Error::Prove`], naming the pc
    /// and cycle where it applies.
    pub fn prove(mut self) -> Result<ProveSession, Error> {
        let (program, input) = self.program_and_input();
        let input = input.to_vec();
        let params = self.params;
        let started = Instant::now();
        // One execution: the run users see is cut into segments as it goes,
        // each proven as soon as it is complete (so the prover holds one
        // segment's trace at a time).
        let mut segmenter =
            Segmenter::new(program.core(), &input, self.segment_po2, params)?.jobs(self.jobs);
        if let Some(mut report) = self.on_segment.take() {
            segmenter = segmenter.on_segment(move |done| {
                report(&SegmentProven {
                    index: done.index,
                    cycles: u64::from(done.proof.proof.end.cycles),
                    proof_bytes: postcard::to_allocvec(&done.proof.proof).map_or(0, |v| v.len()),
                    prove_time: done.prove_time,
                });
            });
        }
        // A receipt holds at most 2^30 cycles: the run is stopped there
        // (unless the caller's own limit is lower, whose fault it reports).
        self.cycle_limit = self.cycle_limit.min(ember_prover::MAX_RUN_CYCLES);
        let session = match self.run_with(&mut segmenter) {
            Err(Error::Fault(report)) => {
                return Err(ember_prover::run_too_long(&report.fault)
                    .map_or(Error::Fault(report), Error::Prove));
            }
            other => other?,
        };
        let proofs = segmenter.finish(&Ok(session.exit.clone()), session.cycles)?;
        let prove_time = started.elapsed();
        let claim = Claim::new(
            session.image_id,
            &input,
            &session.journal.bytes,
            &session.exit,
            session.cycles,
        );
        let proofs = proofs.into_iter().map(|p| p.proof).collect();
        let receipt = Receipt::new(claim, session.journal.bytes.clone(), proofs);
        Ok(ProveSession {
            session,
            receipt,
            prove_time,
        })
    }
}
