//! Proves a workload and reports its figures: a synthetic loop of about
//! `2^k` cycles (`cargo run --release -p ember-prover --example prove_loop --
//! 16 18 20`), or a guest ELF (`-- --elf FILE [--input FILE]`), with the
//! default parameter set or another (`--params small`). With
//! `--json`, one JSON object per proof on stdout, with the time of each
//! proving phase: `cargo xtask bench --prove` runs it once per workload and
//! size, so that each has its own peak RSS. A benchmark, never a test.
//!
//! With `--segment-po2 K`, the run is proven in segments of at most 2^K
//! cycles as `ember prove` does (one execution, each segment proven when
//! it is complete), and the figures are the run's: total time and kHz,
//! peak RSS, the receipt's proofs, verification per segment, and what
//! paging the memory in and out costs (see [`measure_segments`]).
//!
//! The phases come from the spans Plonky3 opens inside `prove_batch`
//! (summed as wall-clock intervals, so work spread over threads is not
//! counted twice); see [`Spans`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ember_core::{BufferHost, Exit, Machine, Program, Segment, asm};
use p3_matrix::Matrix;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

const CODE: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;

/// A loop of mixed work (ALU, multiply, divide, a load and a store) that
/// runs for about `cycles` cycles, then HALTs with exit code 0.
fn program(cycles: u64) -> Program {
    let body = [
        asm::add(5, 5, 6),
        asm::xor(6, 6, 5),
        asm::mul(7, 5, 6),
        asm::srli(7, 7, 3),
        asm::divu(28, 7, 6),
        asm::sw(7, 0, 29),
        asm::lw(30, 29, 0),
        asm::addi(29, 29, 4),
        asm::andi(29, 29, 0x3fc),
        asm::add(29, 29, 31),
        asm::addi(10, 10, -1),
    ];
    let per = body.len() as u64 + 1;
    let n = (cycles.saturating_sub(16) / per) as u32;
    let mut words = asm::li(10, n).to_vec();
    words.extend(asm::li(31, DATA));
    words.extend(asm::li(29, DATA));
    words.extend([asm::addi(6, 0, 7)]);
    let top = words.len();
    words.extend(body);
    let back = -4 * (words.len() - top) as i32;
    words.push(asm::bne(10, 0, back));
    words.extend([asm::addi(5, 0, 0), asm::ecall()]);
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, &words),
            Segment::data(DATA, &[], 0x1000),
        ],
    )
    .expect("a valid program")
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A `tracing` subscriber that keeps, for every span Plonky3 opens at DEBUG
/// level or above, its name, its crate and when it was created and closed.
/// Events are not collected.
#[derive(Default)]
struct Spans(Mutex<SpanLog>);

#[derive(Default)]
struct SpanLog {
    next: u64,
    /// Open spans: name, target, start, references.
    open: HashMap<u64, (&'static str, &'static str, Instant, usize)>,
    /// Closed spans: name, target, start, end.
    closed: Vec<(&'static str, &'static str, Instant, Instant)>,
}

impl Subscriber for Spans {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_span() && *metadata.level() <= Level::DEBUG
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut log = self.0.lock().expect("span log");
        log.next += 1;
        let id = log.next;
        let meta = span.metadata();
        log.open
            .insert(id, (meta.name(), meta.target(), Instant::now(), 1));
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}

    fn clone_span(&self, id: &Id) -> Id {
        if let Some(span) = self
            .0
            .lock()
            .expect("span log")
            .open
            .get_mut(&id.into_u64())
        {
            span.3 += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let mut log = self.0.lock().expect("span log");
        let key = id.into_u64();
        let Some(span) = log.open.get_mut(&key) else {
            return false;
        };
        span.3 -= 1;
        if span.3 > 0 {
            return false;
        }
        let (name, target, start, _) = log.open.remove(&key).expect("open span");
        log.closed.push((name, target, start, Instant::now()));
        true
    }
}

impl Spans {
    /// Forgets every closed span.
    fn clear(&self) {
        self.0.lock().expect("span log").closed.clear();
    }

    /// Start and end of every closed span that `keep` selects (by name and
    /// target), in order of start.
    fn intervals(&self, keep: impl Fn(&str, &str) -> bool) -> Vec<(Instant, Instant)> {
        let log = self.0.lock().expect("span log");
        let mut v: Vec<_> = log
            .closed
            .iter()
            .filter(|(name, target, ..)| keep(name, target))
            .map(|&(.., start, end)| (start, end))
            .collect();
        v.sort();
        v
    }

    /// Seconds covered by the union of the selected spans: nested spans and
    /// spans running at once on several threads count once.
    fn union_seconds(&self, keep: impl Fn(&str, &str) -> bool) -> f64 {
        let mut total = 0.0;
        let mut current: Option<(Instant, Instant)> = None;
        for (start, end) in self.intervals(keep) {
            match &mut current {
                Some((_, e)) if start <= *e => *e = (*e).max(end),
                _ => {
                    if let Some((s, e)) = current {
                        total += (e - s).as_secs_f64();
                    }
                    current = Some((start, end));
                }
            }
        }
        if let Some((s, e)) = current {
            total += (e - s).as_secs_f64();
        }
        total
    }

    fn first_start(&self, name: &str) -> Option<Instant> {
        self.intervals(|n, _| n == name).first().map(|s| s.0)
    }

    fn last_end(&self, name: &str) -> Option<Instant> {
        self.intervals(|n, _| n == name).iter().map(|s| s.1).max()
    }
}

/// `prove_traces`' wall time cut into consecutive phases at the first (or
/// last) span of each, in seconds; the phases add up to the total.
struct Phases {
    /// Before `prove_batch`: the preprocessed tables' commitment.
    setup: f64,
    /// The main traces' LDE and Merkle tree.
    main_commit: f64,
    /// LogUp: the permutation (running sum) traces, built and committed.
    lookup: f64,
    /// The constraints evaluated over the quotient domain, split into chunks.
    quotient: f64,
    /// The quotient chunks' LDE and Merkle tree.
    quotient_commit: f64,
    /// Opening at the out-of-domain point: evaluations and the DEEP
    /// quotients reduced into one FRI input.
    open: f64,
    /// FRI: commit phase (folding, Merkle trees) and queries.
    fri: f64,
    /// Across every phase: Merkle hashing, and DFTs (LDEs).
    merkle: f64,
    dft: f64,
}

fn phases(spans: &Spans, started: Instant, ended: Instant) -> Option<Phases> {
    let secs = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64();
    let batch = spans.first_start("prove_batch")?;
    let lookup = spans.first_start("generate lookup permutation")?;
    let quotient = spans.first_start("compute quotient")?;
    let quotient_end = spans.last_end("compute quotient")?;
    let open = spans.first_start("compute_inverse_denominators")?;
    let fri = spans.first_start("FRI prover")?;
    Some(Phases {
        setup: secs(started, batch),
        main_commit: secs(batch, lookup),
        lookup: secs(lookup, quotient),
        quotient: secs(quotient, quotient_end),
        quotient_commit: secs(quotient_end, open),
        open: secs(open, fri),
        fri: secs(fri, ended),
        merkle: spans.union_seconds(|name, _| name == "build merkle tree"),
        dft: spans.union_seconds(|_, target| target.starts_with("p3_dft")),
    })
}

/// What to prove.
enum Workload {
    /// The synthetic loop, about `2^log` cycles.
    Loop(u32),
    /// A guest ELF and its input.
    Elf { program: Program, input: Vec<u8> },
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut json, mut elf, mut input) = (false, None, None);
    let mut params = ember_air::Params::default();
    let mut segment_po2 = None;
    let mut jobs = 1;
    let mut logs = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--elf" => elf = args.next(),
            "--input" => input = args.next(),
            "--jobs" => jobs = args.next().and_then(|n| n.parse().ok()).expect("--jobs N"),
            "--segment-po2" => {
                segment_po2 = args.next().and_then(|k| k.parse::<usize>().ok());
                assert!(segment_po2.is_some(), "--segment-po2 takes a number");
            }
            "--params" => {
                let name = args.next().unwrap_or_default();
                params = ember_air::Params::from_name(&name)
                    .unwrap_or_else(|| panic!("no parameter set `{name}`"));
            }
            log => logs.push(log.parse::<u32>().unwrap_or_else(|_| {
                panic!(
                    "usage: prove_loop [--json] [--params SET] [--segment-po2 K [--jobs N]] \
                     [--elf FILE [--input FILE]] [LOG2_CYCLES...]"
                )
            })),
        }
    }
    let workloads: Vec<Workload> = match elf {
        Some(file) => {
            let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
            let program = Program::load_elf(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            let input = input
                .map(|f| std::fs::read(&f).unwrap_or_else(|e| panic!("{f}: {e}")))
                .unwrap_or_default();
            vec![Workload::Elf { program, input }]
        }
        None if logs.is_empty() => vec![Workload::Loop(16)],
        None => logs.into_iter().map(Workload::Loop).collect(),
    };
    let spans = Arc::new(Spans::default());
    tracing::subscriber::set_global_default(spans.clone()).expect("the only subscriber");
    if !json && segment_po2.is_none() {
        println!(
            "cycles     trace s  prove s   kHz   proof KiB  verify ms  with key ms  peak RSS MiB"
        );
    }
    for workload in workloads {
        let (program, input) = match workload {
            Workload::Loop(log) => (program(1 << log), Vec::new()),
            Workload::Elf { program, input } => (program, input),
        };
        match segment_po2 {
            Some(po2) => measure_segments(&spans, &program, &input, (params, po2, jobs), json),
            None => measure(&spans, &program, &input, params, json),
        }
    }
}

/// Runs, traces, proves and verifies one program; prints its figures.
fn measure(spans: &Spans, program: &Program, input: &[u8], params: ember_air::Params, json: bool) {
    // The statement: a plain run's exit code, cycles and journal.
    let mut host = BufferHost::with_input(input);
    let mut machine = Machine::new(program);
    let exit = machine.run(&mut host).expect("the workload runs");
    let Exit::Halted { code } = exit else {
        panic!("the workload did not halt: {exit:?}");
    };
    let cycles = machine.cycles();
    spans.clear();
    let started = Instant::now();
    let (airs, traces) = ember_prover::trace(program, input).expect("provable");
    let traced = Instant::now();
    let proof = ember_prover::prove_traces_with(&airs, &traces, params).expect("proves");
    let proved = Instant::now();
    let trace_s = (traced - started).as_secs_f64();
    let prove_s = (proved - traced).as_secs_f64();
    let total = (proved - started).as_secs_f64();
    let phases = phases(spans, traced, proved);
    let size = postcard_len(&proof.proof);
    // Where the proof's bytes are: the opened rows of the committed tables,
    // their Merkle paths (shared between queries), FRI's folding layers.
    let fri = &proof.proof.batch.opening_proof;
    let opened_rows: usize = fri
        .input_openings
        .iter()
        .map(|o| postcard_len(&o.opened_values))
        .sum();
    let row_paths: usize = fri
        .input_openings
        .iter()
        .map(|o| postcard_len(&o.opening_proof))
        .sum();
    let fri_layers = postcard_len(&fri.commit_phase_openings);
    let statement = ember_verifier::Statement {
        status: 0,
        exit_code: code,
        cycles,
    };
    spans.clear();
    let v = Instant::now();
    ember_verifier::verify(program, input, &host.journal, &statement, &proof.proof)
        .expect("verifies");
    let verify_ms = v.elapsed().as_secs_f64() * 1e3;
    // The verifier commits the preprocessed tables itself (LDE and Merkle
    // trees of the program, image, byte and pow2 tables).
    let verify_recommit_ms = spans
        .union_seconds(|name, target| name == "build merkle tree" || target.starts_with("p3_dft"))
        * 1e3;
    // With the program's verifying key, made once: the best of five.
    let k = Instant::now();
    let key = ember_verifier::VerifyingKey::new(program).expect("a key");
    let key_ms = k.elapsed().as_secs_f64() * 1e3;
    let verify_key_ms = (0..5)
        .map(|_| {
            let v = Instant::now();
            ember_verifier::verify_with_key(&key, input, &host.journal, &statement, &proof.proof)
                .expect("verifies with the key");
            v.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min);
    let rss_kib = peak_rss_kib();
    if !json {
        println!(
            "{cycles:<10} {trace_s:>7.2} {total:>8.2} {:>5.1} {:>10.0} {verify_ms:>10.1} {verify_key_ms:>12.1} {:>13.0}",
            cycles as f64 / total / 1e3,
            size as f64 / 1024.0,
            rss_kib as f64 / 1024.0
        );
        return;
    }
    let tables: Vec<String> = traces
        .matrices
        .iter()
        .map(|m| format!("[{},{}]", m.height(), m.width()))
        .collect();
    // The main columns of the tables in the proof (each query opens a row
    // of each), and how many of them are the accelerators'.
    let in_proof = proof.proof.tables;
    let width = |t: &ember_air::Table| traces.matrices[t.index()].width();
    let main_columns: usize = in_proof.iter().map(|t| width(&t)).sum();
    let accelerator_columns: usize = ember_air::Table::ACCELERATORS
        .iter()
        .filter(|&&t| in_proof.contains(t))
        .map(width)
        .sum();
    let mut fields = vec![
        format!("\"params\":\"{}\"", params.name()),
        format!("\"cycles\":{cycles}"),
        format!("\"trace_seconds\":{trace_s}"),
        format!("\"prove_seconds\":{prove_s}"),
        format!("\"total_seconds\":{total}"),
        format!("\"proof_bytes\":{size}"),
        format!("\"proof_opened_rows_bytes\":{opened_rows}"),
        format!("\"proof_row_paths_bytes\":{row_paths}"),
        format!("\"proof_fri_layers_bytes\":{fri_layers}"),
        format!("\"verify_ms\":{verify_ms}"),
        format!("\"verify_recommit_ms\":{verify_recommit_ms}"),
        format!("\"key_ms\":{key_ms}"),
        format!("\"verify_key_ms\":{verify_key_ms}"),
        format!("\"peak_rss_kib\":{rss_kib}"),
        format!("\"tables\":[{}]", tables.join(",")),
        format!("\"tables_in_proof\":{}", in_proof.len()),
        format!("\"main_columns\":{main_columns}"),
        format!("\"accelerator_main_columns\":{accelerator_columns}"),
    ];
    if let Some(p) = phases {
        fields.extend([
            format!("\"setup_seconds\":{}", p.setup),
            format!("\"main_commit_seconds\":{}", p.main_commit),
            format!("\"lookup_seconds\":{}", p.lookup),
            format!("\"quotient_seconds\":{}", p.quotient),
            format!("\"quotient_commit_seconds\":{}", p.quotient_commit),
            format!("\"open_seconds\":{}", p.open),
            format!("\"fri_seconds\":{}", p.fri),
            format!("\"merkle_seconds\":{}", p.merkle),
            format!("\"dft_seconds\":{}", p.dft),
        ]);
    }
    println!("{{{}}}", fields.join(","));
}

fn postcard_len(value: &impl serde::Serialize) -> usize {
    postcard::to_allocvec(value).map_or(0, |v| v.len())
}

/// One segment's figures.
struct SegmentFigures {
    cycles: u64,
    prove_s: f64,
    /// Main-trace cells (rows times columns) of every table, and of the
    /// memory tree's three tables (chunks, nodes, Poseidon2).
    cells: usize,
    paging_cells: usize,
    /// Chunks of 4 words the segment touched (paged in and out).
    chunks: usize,
}

/// Proves a run in segments of at most `2^po2` cycles and prints the run's
/// figures. Paging (the memory tree's chunk, node and Poseidon2 tables,
/// which page the touched chunks in and out) is proven in the same batch as
/// everything else, so its cost is estimated as its share of the committed
/// main-trace cells times the segment's proving time (committing, the
/// quotient and the openings all grow with the cells), plus its part of
/// the trace: reported per segment and per touched chunk.
fn measure_segments(
    spans: &Spans,
    program: &Program,
    input: &[u8],
    (params, po2, jobs): (ember_air::Params, usize, usize),
    json: bool,
) {
    use ember_air::paging::chunk::ChunkCols;
    use ember_air::{Table, Val, cols::borrow_row};
    use p3_field::PrimeCharacteristicRing;
    let mut segments: Vec<SegmentFigures> = Vec::new();
    let started = Instant::now();
    let mut host = BufferHost::with_input(input);
    let mut machine = Machine::new(program);
    let (result, cycles, proofs) = {
        let segmenter = ember_prover::Segmenter::new(program, input, po2, params)
            .expect("provable")
            .jobs(jobs)
            .on_segment(|done| {
                // Plonky3's spans of this segment are not needed: keep the
                // log from growing over a long run.
                spans.clear();
                let width = |t: Table| p3_air::BaseAir::<Val>::width(&done.airs[t.index()]);
                let height = |t: Table| done.traces.matrices[t.index()].height();
                let cells = done
                    .proof
                    .proof
                    .tables
                    .iter()
                    .map(|t| width(t) * height(t))
                    .sum();
                let paging_cells = [Table::Chunk, Table::Node, Table::Perm]
                    .map(|t| width(t) * height(t))
                    .iter()
                    .sum();
                let chunk_trace = &done.traces.matrices[Table::Chunk.index()];
                let chunks = chunk_trace
                    .values
                    .chunks(chunk_trace.width)
                    .filter(|row| {
                        let cols: &ChunkCols<Val> = borrow_row(row);
                        cols.is_real == Val::ONE
                    })
                    .count();
                segments.push(SegmentFigures {
                    cycles: u64::from(done.proof.proof.end.cycles),
                    prove_s: (done.trace_time + done.prove_time).as_secs_f64(),
                    cells,
                    paging_cells,
                    chunks,
                });
            });
        let mut segmenter = segmenter;
        machine.set_cycle_limit(ember_prover::MAX_RUN_CYCLES);
        let result = machine.run_observed(&mut host, &mut segmenter);
        let cycles = machine.cycles();
        let proofs = segmenter.finish(&result, cycles).expect("proves");
        (result, cycles, proofs)
    };
    let total = started.elapsed().as_secs_f64();
    let Ok(Exit::Halted { code }) = result else {
        panic!("the workload did not halt: {result:?}");
    };
    let proofs: Vec<ember_air::EmberProof> = proofs.into_iter().map(|p| p.proof).collect();
    let size: usize = proofs.iter().map(postcard_len).sum();
    let statement = ember_verifier::Statement {
        status: 0,
        exit_code: code,
        cycles,
    };
    let v = Instant::now();
    let key = ember_verifier::VerifyingKey::new(program).expect("a key");
    ember_verifier::verify_segments(&key, input, &host.journal, &statement, &proofs)
        .expect("verifies");
    let verify_ms = v.elapsed().as_secs_f64() * 1e3;
    let verify_key_ms = (0..3)
        .map(|_| {
            let v = Instant::now();
            ember_verifier::verify_segments(&key, input, &host.journal, &statement, &proofs)
                .expect("verifies with the key");
            v.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min);
    let rss_kib = peak_rss_kib();
    let n = segments.len();
    let paging_s: f64 = segments
        .iter()
        .map(|s| s.prove_s * s.paging_cells as f64 / s.cells as f64)
        .sum();
    let chunks: usize = segments.iter().map(|s| s.chunks).sum();
    let paging_share = segments.iter().map(|s| s.paging_cells).sum::<usize>() as f64
        / segments.iter().map(|s| s.cells).sum::<usize>() as f64;
    let longest = segments.iter().map(|s| s.cycles).max().unwrap_or(0);
    if !json {
        println!(
            "{cycles} cycles in {n} segments of at most 2^{po2} (longest {longest}): {total:.2} s, \
             {:.1} kHz, {:.0} KiB of proofs, verified in {verify_ms:.1} ms from the ELF and \
             {verify_key_ms:.1} ms with the key ({:.1} ms a segment), peak RSS {:.0} MiB; paging \
             {:.1}% of the cells, about {:.0} ms a segment and {:.1} us a touched chunk \
             ({chunks} chunks)",
            cycles as f64 / total / 1e3,
            size as f64 / 1024.0,
            verify_key_ms / n as f64,
            rss_kib as f64 / 1024.0,
            paging_share * 100.0,
            paging_s * 1e3 / n as f64,
            paging_s * 1e6 / chunks.max(1) as f64,
        );
        return;
    }
    let fields = [
        format!("\"params\":\"{}\"", params.name()),
        format!("\"cycles\":{cycles}"),
        format!("\"segment_po2\":{po2}"),
        format!("\"segments\":{n}"),
        format!("\"jobs\":{jobs}"),
        format!("\"total_seconds\":{total}"),
        format!("\"prove_seconds\":{total}"),
        format!("\"proof_bytes\":{size}"),
        format!("\"verify_ms\":{verify_ms}"),
        format!("\"verify_key_ms\":{verify_key_ms}"),
        format!("\"verify_key_ms_per_segment\":{}", verify_key_ms / n as f64),
        format!("\"peak_rss_kib\":{rss_kib}"),
        format!("\"touched_chunks\":{chunks}"),
        format!("\"paging_cells_share\":{paging_share}"),
        format!("\"paging_seconds\":{paging_s}"),
        format!("\"paging_ms_per_segment\":{}", paging_s * 1e3 / n as f64),
        format!(
            "\"paging_us_per_chunk\":{}",
            paging_s * 1e6 / chunks.max(1) as f64
        ),
    ];
    println!("{{{}}}", fields.join(","));
}
