//! A run proven in segments: each segment's proof checked against public
//! values the verifier computes from the chain, where every segment starts
//! where the previous one ended (see `docs/proof.md`, "Segments").

use ember_air::io::DataAir;
use ember_air::paging::tree::digest_u32;
use ember_air::public::{Boundary, PublicValues};
use ember_air::set::SegmentEnd;
use ember_air::{EmberProof, Val};

use crate::{MAX_LOG_DATA, Statement, VerifyError, VerifyingKey, verify_segment};

use ember_air::chips::MAX_RUN_CYCLES;

/// Checks that `proofs`, in order, prove `statement` about the program of
/// `key` run on `input` with `journal` as its journal: the first segment
/// starts at the entry with the program's initial memory, each next one
/// where the previous one ended (pc, cycles, input and journal positions,
/// the memory tree's root), only the last ends the run, and it ends it
/// with the statement's status, exit code and cycles, having written the
/// whole journal. A run in one proof is one segment.
pub fn verify_segments(
    key: &VerifyingKey,
    input: &[u8],
    journal: &[u8],
    statement: &Statement,
    proofs: &[EmberProof],
) -> Result<(), VerifyError> {
    data_fits(input, journal)?;
    if proofs.is_empty() {
        return Err(VerifyError::Shape("no segment".into()));
    }
    let shape = |i: usize, what: String| {
        VerifyError::Shape(format!("segment {} of {}: {what}", i + 1, proofs.len()))
    };
    let mut start = Boundary {
        pc: key.entry(),
        cycles: 0,
        input_pos: 0,
        journal_pos: 0,
        root: digest_u32(&key.initial_root()),
    };
    // The chain first (public data only), then the proofs.
    let mut statements = Vec::with_capacity(proofs.len());
    for (i, proof) in proofs.iter().enumerate() {
        let last = i + 1 == proofs.len();
        if proof.end.ended != last {
            return Err(shape(
                i,
                if last {
                    "the last segment does not end the run".into()
                } else {
                    "it ends the run, and segments follow".into()
                },
            ));
        }
        let (stop, pv, data) = segment(&start, &proof.end, last, statement, input, journal)
            .map_err(|what| shape(i, what))?;
        statements.push((pv, data));
        start = stop;
    }
    verify_all(key, statements, proofs)
}

/// A segment to verify: its public values and data table, and its proof.
type Work<'p> = ((Vec<Val>, DataAir), &'p EmberProof);

/// Verifies each segment's proof against its public values and data
/// table, on as many threads as the machine has cores (segments are
/// independent once the chain holds): the first segment's error, in run
/// order, if any.
fn verify_all(
    key: &VerifyingKey,
    statements: Vec<(Vec<Val>, DataAir)>,
    proofs: &[EmberProof],
) -> Result<(), VerifyError> {
    let n = proofs.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(n);
    // Segment i goes to share i mod threads.
    let mut shares: Vec<Vec<_>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, w) in statements.into_iter().zip(proofs).enumerate() {
        shares[i % threads].push((i, w));
    }
    let check = |share: Vec<(usize, Work<'_>)>| {
        share
            .into_iter()
            .map(|(i, ((pv, data), proof))| {
                let result = verify_segment(key, pv, data, proof);
                (i, result.map_err(|e| in_segment(i, n, e)))
            })
            .collect::<Vec<_>>()
    };
    let mut results: Vec<(usize, Result<(), VerifyError>)> = if threads == 1 {
        shares.into_iter().flat_map(check).collect()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = shares
                .into_iter()
                .map(|share| s.spawn(move || check(share)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a verifier thread"))
                .collect()
        })
    };
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().try_for_each(|(_, r)| r)
}

/// `e`, naming segment `i` (from 0) of `n` when there are several.
fn in_segment(i: usize, n: usize, e: VerifyError) -> VerifyError {
    let at = |what: String| format!("segment {} of {n}: {what}", i + 1);
    match e {
        _ if n == 1 => e,
        VerifyError::Shape(what) => VerifyError::Shape(at(what)),
        VerifyError::Stark(what) => VerifyError::Stark(at(what)),
        other => other,
    }
}

/// Refuses an input or a journal longer than a proof holds.
pub(crate) fn data_fits(input: &[u8], journal: &[u8]) -> Result<(), VerifyError> {
    for (what, data) in [("input", input), ("journal", journal)] {
        if data.len() > 1 << MAX_LOG_DATA {
            return Err(VerifyError::DataTooLong {
                what,
                len: data.len(),
            });
        }
    }
    Ok(())
}

/// The segment that starts at `start` and ends where its proof says
/// (`end`; the run's end, with `statement`'s outcome, if `last`), on
/// `input` with `journal`: where it stops, its public values and its data
/// table, or why the chain refuses it.
pub(crate) fn segment(
    start: &Boundary,
    end: &SegmentEnd,
    last: bool,
    statement: &Statement,
    input: &[u8],
    journal: &[u8],
) -> Result<(Boundary, Vec<Val>, DataAir), String> {
    // Each segment's cycles are below 2^23 (the I/O table checks the
    // segment's `cycles` against its rows), so the sum is exact.
    let cycles = u64::from(start.cycles) + u64::from(end.cycles);
    if u64::from(end.cycles) > ember_air::chips::MAX_CYCLES || cycles >= MAX_RUN_CYCLES {
        return Err(format!("{} cycles cannot be proven", end.cycles));
    }
    if last && cycles != statement.cycles {
        return Err(format!(
            "the segments' cycles add up to {cycles}, and the claim says {}",
            statement.cycles
        ));
    }
    let read = input
        .get(start.input_pos as usize..end.input_pos as usize)
        .ok_or_else(|| {
            format!(
                "it reads input bytes {}..{}, and the input has {}",
                start.input_pos,
                end.input_pos,
                input.len()
            )
        })?;
    let journal_end = if last {
        journal.len() as u32
    } else {
        end.journal_pos
    };
    let written = journal
        .get(start.journal_pos as usize..journal_end as usize)
        .ok_or_else(|| {
            format!(
                "it writes journal bytes {}..{}, and the journal has {}",
                start.journal_pos,
                journal_end,
                journal.len()
            )
        })?;
    let digest = |data: &[u8]| ember_core::Digest::of(&[data]).0;
    let stop = Boundary {
        pc: if last { 0 } else { end.pc },
        cycles: cycles as u32,
        input_pos: end.input_pos,
        journal_pos: journal_end,
        root: digest_u32(&end.root),
    };
    let values = ember_air::public::Statement {
        start: *start,
        end: stop,
        exit: last.then_some((statement.status, statement.exit_code)),
        clk_out: if last { 0 } else { end.clk },
        input_len: input.len() as u32,
        input_digest: digest(read),
        journal_digest: digest(written),
    };
    let pv = PublicValues::<Val>::new(&values).to_vec();
    let data = DataAir::at(read, start.input_pos, written, start.journal_pos);
    Ok((stop, pv, data))
}
