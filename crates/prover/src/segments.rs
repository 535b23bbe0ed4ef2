//! Proving a run in segments: the executor runs once, cut every `2^k`
//! cycles (the machine's cycle limit, which a run resumes from exactly);
//! each segment is recorded from where the previous one stopped (pc,
//! cycles, input and journal positions, memory and its tree) and proven on
//! its own, so the prover holds one segment's trace at a time.

use ember_air::Params;
use ember_air::paging::tree::digest_u32;
use ember_air::public::Boundary;
use ember_core::{BufferHost, FaultKind, Machine, Program};

use crate::{Proof, ProveError, Recorder, prove_traces_with};

/// The smallest and largest segment sizes (log2 of cycles).
pub const SEGMENT_PO2: std::ops::RangeInclusive<usize> = 10..=22;

/// The most cycles a run proven in segments may have (see
/// `ember_verifier::verify_segments`).
pub const MAX_RUN_CYCLES: u64 = 1 << 30;

/// Proves `program` run on `input` in segments of at most `2^po2` cycles
/// each, with the parameter set `params`: the proofs, in order (one for a
/// run that fits one segment).
pub fn prove_segments(
    program: &Program,
    input: &[u8],
    po2: usize,
    params: Params,
) -> Result<Vec<Proof>, ProveError> {
    assert!(SEGMENT_PO2.contains(&po2), "a segment size of 2^{po2} cycles");
    let mut machine = Machine::new(program);
    let mut host = BufferHost::with_input(input);
    let mut state = ember_air::paging::tree::MemoryState::initial(program);
    let mut start = Boundary {
        pc: program.entry(),
        root: digest_u32(&state.root()),
        ..Boundary::default()
    };
    let mut proofs = Vec::new();
    loop {
        let begun = machine.cycles();
        machine.set_cycle_limit((begun + (1 << po2)).min(MAX_RUN_CYCLES));
        let mut recorder = Recorder::segment(program, input, state, start, po2)?;
        let result = machine.run_observed(&mut host, &mut recorder);
        let stopped = match &result {
            Ok(_) => false,
            Err(f) if matches!(f.kind, FaultKind::CycleLimitExceeded { .. }) => {
                if machine.cycles() == begun || machine.cycles() >= MAX_RUN_CYCLES {
                    // Nothing ran: the next instruction costs more cycles
                    // than a segment holds (or the run is too long).
                    return Err(ProveError::TooManyCycles {
                        cycles: machine.cycles(),
                        limit: if machine.cycles() >= MAX_RUN_CYCLES {
                            MAX_RUN_CYCLES
                        } else {
                            1 << po2
                        },
                    });
                }
                true
            }
            Err(_) => false,
        };
        let (airs, traces, next) = if stopped {
            let (airs, traces, next) = recorder.finish_segment(machine.pc(), machine.cycles())?;
            (airs, traces, Some(next))
        } else {
            let (airs, traces) = recorder.finish(&result, machine.cycles())?;
            (airs, traces, None)
        };
        let proof = prove_traces_with(&airs, &traces, params)?;
        let end = proof.proof.end;
        proofs.push(proof);
        let Some(next) = next else {
            return Ok(proofs);
        };
        state = next;
        start = Boundary {
            pc: end.pc,
            cycles: start.cycles + end.cycles,
            input_pos: end.input_pos,
            journal_pos: end.journal_pos,
            root: digest_u32(&end.root),
        };
    }
}
