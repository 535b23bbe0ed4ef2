//! Proves Ember executions. The executor runs the guest once, with an
//! [`Observer`] that turns every executed instruction into a CPU row (the
//! executor's own semantics, not a second copy); the tables of
//! [`ember_air`] are filled from those rows and the final memory, and proven
//! together in one batch STARK.

mod segments;
pub use segments::{
    DEFAULT_SEGMENT_PO2, MAX_RUN_CYCLES, SEGMENT_PO2, SegmentDone, Segmenter, prove_segments,
    run_too_long,
};
mod trace;
mod workers;

use ember_air::config::Params;
use ember_air::paging::tree::MemoryState;
use ember_air::public::Boundary;
use ember_air::{EmberAir, EmberConfig, EmberProof, Table, TableSet, Val, config, table};
use ember_core::{BufferHost, Exit, Fault, Instruction, Machine, Observer, Program};
use p3_batch_stark::{StarkInstance, prove_batch};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::Matrix;

pub use trace::{Io, Traces};

/// A proof of one execution, with the public values it attests.
pub struct Proof {
    /// The batch STARK proof and the tables it holds.
    pub proof: EmberProof,
    /// Public values: see [`ember_air::public::PublicValues`].
    pub public_values: Vec<Val>,
}

/// Why a run could not be proven.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The guest faulted: a faulting run has no claim.
    #[error("the guest faulted, so there is no claim to prove: {0}")]
    Fault(Fault),
    /// The run used an instruction the proof does not cover yet.
    #[error(
        "cannot prove this run yet: `{insn}` at pc {pc:#010x} (cycle {cycle}) is not yet covered by Ember's proof"
    )]
    Unsupported {
        /// Its address.
        pc: u32,
        /// The instruction.
        insn: Instruction,
        /// The cycle it ran at.
        cycle: u64,
    },
    /// An ECALL the proof does not cover yet.
    #[error(
        "cannot prove this run yet: ECALL {name} at pc {pc:#010x} (cycle {cycle}) is not yet covered by Ember's proof"
    )]
    UnsupportedEcall {
        /// Its address.
        pc: u32,
        /// The ECALL's name (or number).
        name: String,
        /// The cycle it ran at.
        cycle: u64,
    },
    /// An ECALL's buffer is too long for the proof (2^24 bytes or more).
    #[error(
        "cannot prove this run: ECALL {name} at pc {pc:#010x} (cycle {cycle}) has a {len}-byte buffer; a proof holds buffers below 16 MiB"
    )]
    BufferTooLong {
        /// Its address.
        pc: u32,
        /// The ECALL's name.
        name: String,
        /// The cycle it ran at.
        cycle: u64,
        /// The buffer's length.
        len: u32,
    },
    /// The program has code where a proof cannot reach.
    #[error(
        "cannot prove this program: code ends at {end:#010x}, above the proof's limit 0x40000000"
    )]
    CodeTooHigh {
        /// End of the code.
        end: u32,
    },
    /// The run is longer than one proof can hold.
    #[error(
        "cannot prove this run yet: it took {cycles} cycles, and one proof holds at most {limit} instructions (prove it in segments, as ember prove does)"
    )]
    TooLong {
        /// Cycles of the whole run.
        cycles: u64,
        /// The most instructions one proof holds.
        limit: u64,
    },
    /// The run was stopped at the prover's own cycle limit ([`trace`] does
    /// not run a guest without end): longer than one proof holds, its whole
    /// length unknown.
    #[error(
        "cannot prove this run yet: it ran more than {cycles} cycles (it was stopped there), and one proof holds at most {limit} instructions (prove it in segments, as ember prove does)"
    )]
    TooLongStopped {
        /// Cycles run before it was stopped.
        cycles: u64,
        /// The most instructions one proof holds.
        limit: u64,
    },
    /// The input or the journal is longer than one proof holds (the
    /// verifier would refuse it).
    #[error(
        "cannot prove this run: the {what} has {len} bytes, and one proof holds at most {limit} bytes of {what}"
    )]
    DataTooLong {
        /// "input" or "journal".
        what: &'static str,
        /// Its length.
        len: usize,
        /// The most bytes one proof holds.
        limit: usize,
    },
    /// The run took more cycles than one proof holds (few instructions, but
    /// long READs or WRITEs).
    #[error(
        "cannot prove this run yet: it took {cycles} cycles, and one proof holds at most {limit} cycles"
    )]
    TooManyCycles {
        /// Cycles of the run.
        cycles: u64,
        /// The most cycles one proof holds.
        limit: u64,
    },
    /// The run goes on past the most cycles a receipt of segments holds
    /// (2^30): refused at the instruction that would pass the limit.
    #[error(
        "cannot prove this run: it runs past {limit} cycles, the most a receipt holds in all its segments (stopped after {cycles})"
    )]
    RunTooLong {
        /// Cycles before the instruction that would pass the limit.
        cycles: u64,
        /// The most cycles a receipt holds.
        limit: u64,
    },
    /// The run's ECALLs need more rows of the I/O table (a header per
    /// ECALL, a row per buffer word) than one proof holds: refused at the
    /// ECALL that passes the limit, and nothing more is recorded.
    #[error(
        "cannot prove this run yet: with the ECALL at pc {pc:#010x} (cycle {cycle}) its ECALLs need more than {limit} rows of the I/O table (a header per ECALL, a row per buffer word), more than one proof holds"
    )]
    IoTooLong {
        /// The ECALL's address.
        pc: u32,
        /// The cycle it ran at.
        cycle: u64,
        /// The most rows the I/O table may have.
        limit: u64,
    },
    /// The run's accelerator calls need more rows of an accelerator's table
    /// than one proof holds (SHA-256: 64 rows a block; Keccak: 24 rows a
    /// permutation).
    #[error(
        "cannot prove this run yet: with the ECALL {name} at pc {pc:#010x} (cycle {cycle}) its accelerator calls need more than {limit} rows of the accelerator's table (64 a SHA-256 block, 24 a Keccak permutation), more than one proof holds"
    )]
    AcceleratorTooLong {
        /// The ECALL's address.
        pc: u32,
        /// The ECALL's name.
        name: String,
        /// The cycle it ran at.
        cycle: u64,
        /// The most rows the table may have.
        limit: u64,
    },
    /// A table is taller than the parameter set allows (the field's
    /// two-adicity less the blowup's log): the compression table of a run
    /// that touches too much memory in one proof (segments are cut before
    /// it), or the image of a huge ELF.
    #[error(
        "cannot prove this run with the parameter set `{params}`: its {table} table has {rows} rows, more than the 2^{limit} it allows (try `--params fast`)"
    )]
    TableTooTall {
        /// The set.
        params: &'static str,
        /// The table's name.
        table: String,
        /// Its rows.
        rows: usize,
        /// The set's limit (log2).
        limit: usize,
    },
    /// A segment size outside what the prover takes.
    #[error("cannot prove in segments of 2^{po2} cycles: a segment holds 2^10 to 2^22 cycles")]
    SegmentSize {
        /// The size asked for (log2 of cycles).
        po2: usize,
    },
    /// Plonky3 failed (a bug: a valid trace always proves).
    #[error("the prover failed: {0}")]
    Backend(String),
}

/// The tables of one proof, in [`table`] order.
pub fn airs(program: &Program, input: &[u8], journal: &[u8]) -> Result<Vec<EmberAir>, ProveError> {
    ember_air::tables(program, input, journal).map_err(|e| match e {
        ember_air::ops::ProgramError::CodeTooHigh { end } => ProveError::CodeTooHigh { end },
    })
}

/// Whether `len` bytes of input or journal fit one proof.
fn data_fits(what: &'static str, len: usize) -> Result<(), ProveError> {
    let limit = 1 << ember_air::io::MAX_LOG_DATA;
    if len > limit {
        return Err(ProveError::DataTooLong { what, len, limit });
    }
    Ok(())
}

/// Records a run for its proof: an [`Observer`] to run the guest with (so
/// the run that users see is the run that is proven, executed once), then
/// [`Recorder::finish`] for the tables. It records at most one proof's
/// instructions (2^22) and then only counts, so a longer run costs no
/// memory before it is refused.
pub struct Recorder {
    airs: Vec<EmberAir>,
    tracer: trace::Tracer,
}

impl Recorder {
    /// A recorder for `program` run on `input`; fails if the program cannot
    /// be proven at all.
    pub fn new(program: &Program, input: &[u8]) -> Result<Recorder, ProveError> {
        Recorder::with_limit(program, input, ember_air::chips::MAX_LOG_HEIGHT)
    }

    /// [`Recorder::new`] recording at most `2^log_limit` instructions (tests
    /// reach the limit with short runs).
    #[doc(hidden)]
    pub fn with_limit(
        program: &Program,
        input: &[u8],
        log_limit: usize,
    ) -> Result<Recorder, ProveError> {
        let state = MemoryState::initial(program);
        let start = Boundary {
            pc: program.entry(),
            ..Boundary::default()
        };
        Recorder::segment(program, input, state, start, log_limit)
    }

    /// A recorder for the segment of `program`'s run on `input` that starts
    /// at `start` with memory `state`, recording at most `2^log_limit`
    /// instructions.
    pub fn segment(
        program: &Program,
        input: &[u8],
        state: MemoryState,
        start: Boundary,
        log_limit: usize,
    ) -> Result<Recorder, ProveError> {
        // Before anything is built from it: a 1 GiB input is refused here,
        // not after a run and a table of 2^30 rows.
        data_fits("input", input.len())?;
        let airs = airs(program, input, &[])?;
        let tracer = trace::Tracer::new(&airs, input, 1 << log_limit, state, start);
        Ok(Recorder { airs, tracer })
    }

    /// The memory tree's nodes above the chunks recorded so far (each asks
    /// for at most two compressions: [`ember_air::paging::perm::ROWS`] rows
    /// of the compression table each).
    pub fn tree_nodes(&self) -> usize {
        self.tracer.tree_nodes()
    }

    /// The tables and their traces, once the run ended with `result` after
    /// `cycles` cycles (of the whole run): the first reason it cannot be
    /// proven, if any.
    pub fn finish(
        mut self,
        result: &Result<Exit, Fault>,
        cycles: u64,
    ) -> Result<(Vec<EmberAir>, Traces), ProveError> {
        if let Err(fault) = result {
            self.check(cycles - u64::from(self.tracer.start().cycles))?;
            if let Some(err) = self.tracer.error.take() {
                return Err(err);
            }
            return Err(ProveError::Fault(fault.clone()));
        }
        self.finish_segment(0, cycles)
            .map(|(airs, traces, _)| (airs, traces))
    }

    /// The first reason the recorded segment (`cycles` cycles) cannot be
    /// proven, if any.
    fn check(&self, cycles: u64) -> Result<(), ProveError> {
        if let Some(limit) = self.tracer.overflowed() {
            return Err(ProveError::TooLong { cycles, limit });
        }
        if cycles > ember_air::chips::MAX_CYCLES {
            return Err(ProveError::TooManyCycles {
                cycles,
                limit: ember_air::chips::MAX_CYCLES,
            });
        }
        Ok(())
    }

    /// The segment's tables and traces, and memory after it, once it
    /// stopped at `pc` after `cycles` cycles of the run (or ended the run):
    /// the first reason it cannot be proven, if any.
    pub fn finish_segment(
        mut self,
        pc: u32,
        cycles: u64,
    ) -> Result<(Vec<EmberAir>, Traces, MemoryState), ProveError> {
        self.check(cycles - u64::from(self.tracer.start().cycles))?;
        if let Some(err) = self.tracer.error.take() {
            return Err(err);
        }
        // What the verifier would refuse is refused before proving.
        data_fits("journal", self.tracer.journal_len())?;
        let (traces, io) = self.tracer.finish(&self.airs, pc, cycles);
        // The data table holds the bytes the segment read and wrote.
        self.airs[table::DATA] = EmberAir::Data(io.data);
        Ok((self.airs, traces, io.state))
    }
}

impl Observer for Recorder {
    fn step(&mut self, s: &ember_core::Step) {
        self.tracer.step(s);
    }

    fn ecall(&mut self, e: &ember_core::EcallStep<'_>) {
        self.tracer.ecall(e);
    }
}

/// Runs `program` on `input` and builds every table's trace.
pub fn trace(program: &Program, input: &[u8]) -> Result<(Vec<EmberAir>, Traces), ProveError> {
    trace_with_limit(program, input, ember_air::chips::MAX_LOG_HEIGHT)
}

/// [`trace`] recording at most `2^log_limit` instructions (tests reach the
/// limit with short runs).
#[doc(hidden)]
pub fn trace_with_limit(
    program: &Program,
    input: &[u8],
    log_limit: usize,
) -> Result<(Vec<EmberAir>, Traces), ProveError> {
    let mut recorder = Recorder::with_limit(program, input, log_limit)?;
    let mut machine = Machine::new(program);
    // No run one proof holds costs more than two cycles an instruction;
    // an endless guest stops here and is refused as too long.
    machine.set_cycle_limit(2 << log_limit);
    let mut host = BufferHost::with_input(input);
    let result = machine.run_observed(&mut host, &mut recorder);
    if let Err(fault) = &result
        && matches!(fault.kind, ember_core::FaultKind::CycleLimitExceeded { .. })
    {
        return Err(ProveError::TooLongStopped {
            cycles: machine.cycles(),
            limit: 1 << log_limit,
        });
    }
    recorder.finish(&result, machine.cycles())
}

/// Proves an execution of `program` on `input` (the default parameter
/// set).
pub fn prove(program: &Program, input: &[u8]) -> Result<Proof, ProveError> {
    prove_with(program, input, Params::default())
}

/// Proves an execution of `program` on `input` with the parameter set
/// `params`.
pub fn prove_with(program: &Program, input: &[u8], params: Params) -> Result<Proof, ProveError> {
    let (airs, traces) = trace(program, input)?;
    prove_traces_with(&airs, &traces, params)
}

/// The tables a proof of `traces` holds: every required table, and each
/// optional one whose trace is not all zeros (the tracer leaves a table it
/// has no row for all zeros: see [`ember_air::set`]).
pub fn tables_of(traces: &Traces) -> TableSet {
    Table::ALL
        .iter()
        .filter(|t| t.is_optional())
        .filter(|t| {
            traces.matrices[t.index()]
                .values
                .iter()
                .any(|v| *v != Val::ZERO)
        })
        .fold(TableSet::required(), |set, &t| set.with(t))
}

/// Proves already-built traces (tests tamper with them in between), with
/// the default parameter set.
pub fn prove_traces(airs: &[EmberAir], traces: &Traces) -> Result<Proof, ProveError> {
    prove_traces_with(airs, traces, Params::default())
}

/// Proves already-built traces with the parameter set `params`.
pub fn prove_traces_with(
    airs: &[EmberAir],
    traces: &Traces,
    params: Params,
) -> Result<Proof, ProveError> {
    let config = config(params);
    let tables = tables_of(traces);
    // What the verifier would refuse is refused before proving.
    for t in tables.iter() {
        let rows = traces.matrices[t.index()].height();
        if rows > 1 << params.max_log_table_height() {
            return Err(ProveError::TableTooTall {
                params: params.name(),
                table: format!("{t:?}"),
                rows,
                limit: params.max_log_table_height(),
            });
        }
    }
    let (airs, matrices): (Vec<&EmberAir>, Vec<_>) = tables
        .iter()
        .map(|t| (&airs[t.index()], &traces.matrices[t.index()]))
        .unzip();
    let instances: Vec<StarkInstance<'_, EmberConfig, EmberAir>> = airs
        .iter()
        .zip(&matrices)
        .map(|(&air, &trace)| StarkInstance {
            air,
            trace,
            public_values: if air.id().has_public_values() {
                traces.public_values.clone()
            } else {
                Vec::new()
            },
        })
        .collect();
    debug_assert!(matrices.iter().all(|m| m.height().is_power_of_two()));
    let degree_bits: Vec<usize> = matrices
        .iter()
        .map(|m| m.height().trailing_zeros() as usize)
        .collect();
    let airs: Vec<EmberAir> = airs.into_iter().cloned().collect();
    let data = ember_air::config::prover_data(&config, &airs, &degree_bits)
        .map_err(ProveError::Backend)?;
    let batch = prove_batch(&config, &instances, &data)
        .map_err(|e| ProveError::Backend(format!("{e:?}")))?;
    Ok(Proof {
        proof: EmberProof {
            tables,
            params,
            end: ember_air::public::segment_end(&traces.public_values),
            batch,
        },
        public_values: traces.public_values.clone(),
    })
}

/// Checks the own constraints of every table a proof of `traces` holds
/// (not the buses) and describes the first failures: a debugging aid for
/// trace generation.
pub fn check_constraints(airs: &[EmberAir], traces: &Traces) -> Vec<String> {
    let mut out = Vec::new();
    for t in tables_of(traces).iter() {
        let i = t.index();
        let pv: &[Val] = if t.has_public_values() {
            &traces.public_values
        } else {
            &[]
        };
        let failures =
            p3_air::check_all_constraints(&airs[i], &traces.matrices[i], pv, Some(8)).failures;
        if !failures.is_empty() {
            out.push(format!("table {i}: {failures:?}"));
        }
    }
    out
}
