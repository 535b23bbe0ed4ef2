//! `cargo xtask bench --prove`: proving time and speed, proof size,
//! verification time and peak RSS per workload and trace size, with the
//! share of each proving phase; printed as a table, compared with the
//! issue's targets and written to `target/bench-prove.json`. Measured here,
//! never asserted by tests (`cargo xtask test` only checks that the harness
//! runs, at 2^12 cycles).
//!
//! Each (workload, size) is proven in its own process (the release
//! `prove_loop` example of ember-prover), so that its peak RSS (VmHWM) is
//! its own. The example times trace generation itself and cuts Plonky3's
//! `prove_batch` into phases at the spans Plonky3 opens.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::{Result, cargo};

/// What one workload proves.
#[derive(Clone, Copy)]
enum Source {
    /// The synthetic loop (ALU, MUL, DIVU, a load and a store per iteration),
    /// at every size asked for.
    Loop,
    /// The loop proven with another parameter set, at every size.
    LoopSet(&'static str),
    /// A guest of the examples workspaces, with its default input, or with
    /// a 4-byte little-endian size (the bench workloads read one), at its
    /// own length.
    Guest(&'static str, Option<u32>),
    /// The loop at 2^log cycles, proven in segments of 2^po2.
    LoopSegments { log: u32, po2: u32 },
    /// A guest with its default input, proven in segments of 2^po2.
    GuestSegments(&'static str, u32),
}

/// The workloads, by label; a guest is one more line. The bench guests are
/// `cargo xtask bench`'s (and the peers') workloads at sizes one proof holds.
const WORKLOADS: &[(&str, Source)] = &[
    ("loop", Source::Loop),
    ("loop-small", Source::LoopSet("small")),
    ("loop-proven", Source::LoopSet("proven")),
    // fibonacci.rs reads n, prints and commits fib(n): every I/O ECALL.
    ("fib", Source::Guest("fibonacci", None)),
    // A run of 1.2 M cycles: no power of two.
    ("fib-1.2M", Source::Guest("bench_fib", Some(120_000))),
    ("sha-13K", Source::Guest("bench_sha", Some(13 << 10))),
    ("sort-7K", Source::Guest("bench_sort", Some(7_000))),
    // revm running an ERC-20 transfer (std guest).
    ("evm", Source::Guest("evm", None)),
    // 1 MB (10^6 bytes: FIPS 180's million a's) hashed on the accelerators
    // (software: see docs/performance.md). 2^20 bytes would need one
    // compression more than 2^14 and pad SHA-256's rounds to 2^21 rows.
    (
        "sha-acc-1M",
        Source::Guest("bench_sha_accel", Some(1_000_000)),
    ),
    (
        "keccak-acc-1M",
        Source::Guest("bench_keccak_accel", Some(1_000_000)),
    ),
    // Runs of many segments (issue 17): as `ember prove` proves them, in
    // segments of 2^20 (the default), one execution, one segment's trace
    // at a time.
    ("ecdsa-verify", Source::GuestSegments("ecdsa-verify", 20)),
    ("print-loop", Source::GuestSegments("print-loop", 20)),
    ("loop-2^26", Source::LoopSegments { log: 26, po2: 20 }),
];

/// The targets on this 2-core machine.
const TARGET_KHZ_AT_2_20: f64 = 100.0;
const TARGET_PROOF_KIB: f64 = 500.0;
const TARGET_VERIFY_MS: f64 = 20.0;
/// Peak RSS per 2^20 cycles proven.
const TARGET_RSS_MIB_PER_2_20: f64 = 2560.0;
/// Issue 17's: a 2^26-cycle run's peak RSS against one segment's, its speed
/// against one segment's, and verification per segment with the key.
const TARGET_LONG_RSS_RATIO: f64 = 1.2;
const TARGET_LONG_KHZ_SHARE: f64 = 0.9;
const TARGET_SEGMENT_VERIFY_MS: f64 = 30.0;

/// Builds the release `prove_loop` example; returns its path (as cargo
/// reports it, wherever the target directory is).
fn build_example() -> Result<PathBuf> {
    eprintln!("xtask: building ember-prover's prove_loop example (release)");
    let out = cargo()
        .args(PROVE_LOOP_BUILD)
        .arg("--message-format=json-render-diagnostics")
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("building prove_loop failed ({})", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "prove_loop")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no prove_loop executable".to_string())
}

/// Cargo's arguments that build the example.
const PROVE_LOOP_BUILD: [&str; 7] = [
    "build",
    "--release",
    "--quiet",
    "-p",
    "ember-prover",
    "--example",
    "prove_loop",
];

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One proof in its own process: the example's JSON line, with the load
/// average before the run.
fn prove_once(example: &Path, args: &[String]) -> Result<Value> {
    let load = load_average();
    let out = Command::new(example)
        .arg("--json")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", example.display()))?;
    if !out.status.success() {
        return Err(format!(
            "prove_loop {} failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("prove_loop {}: no JSON line:\n{stdout}", args.join(" ")))?;
    let mut v: Value = serde_json::from_str(line)
        .map_err(|e| format!("prove_loop {}: bad JSON ({e}): {line}", args.join(" ")))?;
    v["load_average_before"] = load.into();
    Ok(v)
}

/// One row: the figures of the fastest of `runs` proofs (peak RSS: the
/// largest).
fn measure(example: &Path, label: &str, args: &[String], runs: usize) -> Result<Value> {
    let mut samples = Vec::new();
    for _ in 0..runs {
        samples.push(prove_once(example, args)?);
    }
    let rss = samples
        .iter()
        .filter_map(|s| s["peak_rss_kib"].as_u64())
        .max();
    let mut best = samples
        .into_iter()
        .min_by(|a, b| f(a, "total_seconds").total_cmp(&f(b, "total_seconds")))
        .expect("at least one run");
    let cycles = best["cycles"].as_u64().unwrap_or(0);
    best["workload"] = label.into();
    best["runs"] = runs.into();
    best["peak_rss_kib"] = rss.into();
    best["log2_cycles"] = (cycles.max(1) as f64).log2().into();
    best["khz"] = (cycles as f64 / f(&best, "total_seconds") / 1e3).into();
    Ok(best)
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

const COLUMNS: [(&str, &str, usize); 17] = [
    ("workload", "workload", 8),
    ("log2", "log2_cycles", 5),
    ("cycles", "cycles", 9),
    ("trace s", "trace_seconds", 7),
    ("setup", "setup_seconds", 6),
    ("commit", "main_commit_seconds", 6),
    ("logup", "lookup_seconds", 6),
    ("quot", "quotient_seconds", 6),
    ("q-cmt", "quotient_commit_seconds", 6),
    ("open", "open_seconds", 6),
    ("FRI", "fri_seconds", 6),
    ("total s", "total_seconds", 7),
    ("kHz", "khz", 6),
    ("proof KiB", "proof_bytes", 9),
    ("verify ms", "verify_ms", 9),
    ("key ms", "verify_key_ms", 6),
    ("RSS MiB", "peak_rss_kib", 8),
];

fn print_header() {
    let cells: Vec<String> = COLUMNS
        .iter()
        .map(|(title, _, w)| format!("{title:>w$}"))
        .collect();
    println!("{}", cells.join(" "));
}

fn print_row(row: &Value) {
    if row.get("segments").is_some() {
        return print_segments_row(row);
    }
    let cells: Vec<String> = COLUMNS
        .iter()
        .map(|&(_, key, w)| {
            let v = &row[key];
            let text = match key {
                "workload" => v.as_str().unwrap_or("?").to_string(),
                "cycles" => v.as_u64().map_or("?".into(), |c| c.to_string()),
                "log2_cycles" => format!("{:.1}", f(row, key)),
                "proof_bytes" => format!("{:.0}", f(row, key) / 1024.0),
                "peak_rss_kib" => format!("{:.0}", f(row, key) / 1024.0),
                "verify_ms" | "verify_key_ms" | "khz" => format!("{:.1}", f(row, key)),
                _ => format!("{:.2}", f(row, key)),
            };
            format!("{text:>w$}")
        })
        .collect();
    println!("{}", cells.join(" "));
}

/// A run proven in segments: one line of its own (its phases are many
/// proofs').
fn print_segments_row(row: &Value) {
    println!(
        "{:<12} {} cycles in {} segments of at most 2^{}: {:.1} s, {:.1} kHz, peak RSS {:.0} MiB; \
         proofs {:.0} KiB, verified in {:.0} ms from the ELF, {:.1} ms a segment with the key; \
         paging {:.1}% of the cells, ~{:.0} ms a segment, ~{:.0} us a touched chunk ({} chunks)",
        row["workload"].as_str().unwrap_or("?"),
        row["cycles"],
        row["segments"],
        row["segment_po2"],
        f(row, "total_seconds"),
        f(row, "khz"),
        f(row, "peak_rss_kib") / 1024.0,
        f(row, "proof_bytes") / 1024.0,
        f(row, "verify_ms"),
        f(row, "verify_key_ms_per_segment"),
        f(row, "paging_cells_share") * 100.0,
        f(row, "paging_ms_per_segment"),
        f(row, "paging_us_per_chunk"),
        row["touched_chunks"],
    );
}

/// The targets against the rows: speed and memory of the loop at 2^20
/// cycles or more, the 1.2 M-cycle run's speed against 2^20's, the loop's
/// proof size and verification with the key at every size, for each
/// parameter set. Returns them as JSON.
fn compare_with_targets(rows: &[Value]) -> Value {
    // The synthetic loop at 2^20 cycles or more (the guests are reported
    // beside it, below).
    let large: Vec<&Value> = rows
        .iter()
        .filter(|r| r["workload"] == "loop" && f(r, "log2_cycles") >= 19.99)
        .collect();
    let min_khz = large
        .iter()
        .map(|r| f(r, "khz"))
        .fold(f64::INFINITY, f64::min);
    let rss_per_2_20 = large
        .iter()
        .map(|r| f(r, "peak_rss_kib") / 1024.0 / (f(r, "cycles") / f64::from(1 << 20)))
        .fold(f64::NEG_INFINITY, f64::max);
    // The loop's largest figure in each parameter set (NaN if not run).
    let max = |label: &str, key: &str, scale: f64| {
        (rows.iter().filter(|r| r["workload"] == label))
            .map(|r| f(r, key) / scale)
            .fold(f64::NAN, f64::max)
    };
    let sets = [
        ("fast", "loop"),
        ("small", "loop-small"),
        ("proven", "loop-proven"),
    ];
    let proof_kib = sets.map(|(_, label)| max(label, "proof_bytes", 1024.0));
    let verify_ms = sets.map(|(_, label)| max(label, "verify_key_ms", 1.0));
    let khz_of = |label: &str, log2: Option<f64>| {
        rows.iter()
            .find(|r| {
                r["workload"] == label
                    && log2.is_none_or(|l| (f(r, "log2_cycles") - l).abs() < 0.01)
            })
            .map(|r| f(r, "khz"))
    };
    let (at_1_2m, at_2_20) = (khz_of("fib-1.2M", None), khz_of("loop", Some(20.0)));
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!("targets (this 2-core machine):");
    if large.is_empty() {
        println!(
            "  speed >= {TARGET_KHZ_AT_2_20} kHz and peak RSS <= {TARGET_RSS_MIB_PER_2_20} MiB per \
             2^20 cycles, at 2^20 cycles: not measured (add --sizes 20)"
        );
    } else {
        println!(
            "  speed >= {TARGET_KHZ_AT_2_20} kHz at 2^20 cycles: {min_khz:.1} kHz  {}",
            verdict(min_khz >= TARGET_KHZ_AT_2_20)
        );
        println!(
            "  peak RSS <= {TARGET_RSS_MIB_PER_2_20} MiB per 2^20 cycles: {rss_per_2_20:.0} MiB  {}",
            verdict(rss_per_2_20 <= TARGET_RSS_MIB_PER_2_20)
        );
    }
    for (i, (set, _)) in sets.iter().enumerate() {
        println!(
            "  proof <= {TARGET_PROOF_KIB} KiB (the loop, set {set}): largest {:.0} KiB  {}",
            proof_kib[i],
            verdict(proof_kib[i] <= TARGET_PROOF_KIB)
        );
        println!(
            "  verify with the key <= {TARGET_VERIFY_MS} ms (the loop, set {set}): slowest {:.1} ms  {}",
            verify_ms[i],
            verdict(verify_ms[i] <= TARGET_VERIFY_MS)
        );
    }
    let guests: Vec<String> = rows
        .iter()
        .filter(|r| !sets.iter().any(|(_, label)| r["workload"] == *label))
        .map(|r| {
            format!(
                "{} {:.1}",
                r["workload"].as_str().unwrap_or("?"),
                f(r, "khz")
            )
        })
        .collect();
    println!("  (the guests, kHz: {})", guests.join(", "));
    if let (Some(a), Some(b)) = (at_1_2m, at_2_20) {
        println!(
            "  1.2 M cycles at no worse kHz than 2^20: {a:.1} against {b:.1} kHz  {}",
            verdict(a >= b)
        );
    }
    let segments = compare_segments(rows);
    json!({
        "segments": segments,
        "khz_at_2_20": { "target_min": TARGET_KHZ_AT_2_20, "measured": (!large.is_empty()).then_some(min_khz) },
        "peak_rss_mib_per_2_20": { "target_max": TARGET_RSS_MIB_PER_2_20, "measured": (!large.is_empty()).then_some(rss_per_2_20) },
        "proof_kib": { "target_max": TARGET_PROOF_KIB, "fast": proof_kib[0], "small": proof_kib[1], "proven": proof_kib[2] },
        "verify_ms": { "target_max": TARGET_VERIFY_MS, "fast": verify_ms[0], "small": verify_ms[1], "proven": verify_ms[2] },
        "khz_at_1_2m_vs_2_20": [at_1_2m, at_2_20],
    })
}

/// Issue 17's targets: the 2^26-cycle run's peak RSS against one
/// segment's (the loop at 2^20 proven alone) and its speed against that
/// segment's, and verification per segment with the key, for every run
/// proven in segments.
fn compare_segments(rows: &[Value]) -> Value {
    let long = rows.iter().find(|r| r["workload"] == "loop-2^26");
    let one = rows
        .iter()
        .find(|r| r["workload"] == "loop" && (f(r, "log2_cycles") - 20.0).abs() < 0.01);
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let mut out = json!({});
    if let (Some(long), Some(one)) = (long, one) {
        let rss = f(long, "peak_rss_kib") / f(one, "peak_rss_kib");
        let speed = f(long, "khz") / f(one, "khz");
        println!(
            "  2^26 cycles in segments: peak RSS <= {TARGET_LONG_RSS_RATIO}x one segment's: {rss:.2}x  {}",
            verdict(rss <= TARGET_LONG_RSS_RATIO)
        );
        println!(
            "  2^26 cycles in segments: kHz >= {:.0}% of one segment's: {:.0}%  {}",
            TARGET_LONG_KHZ_SHARE * 100.0,
            speed * 100.0,
            verdict(speed >= TARGET_LONG_KHZ_SHARE)
        );
        out["long_run_rss_ratio"] = json!({ "target_max": TARGET_LONG_RSS_RATIO, "measured": rss });
        out["long_run_khz_share"] =
            json!({ "target_min": TARGET_LONG_KHZ_SHARE, "measured": speed });
    } else if long.is_some() {
        println!("  2^26 cycles in segments against one segment: add the loop at --sizes 20");
    }
    let per_segment: Vec<(&str, f64)> = rows
        .iter()
        .filter(|r| r.get("segments").is_some())
        .map(|r| {
            let label = r["workload"].as_str().unwrap_or("?");
            (label, f(r, "verify_key_ms_per_segment"))
        })
        .collect();
    for (label, ms) in &per_segment {
        println!(
            "  verify a segment with the key <= {TARGET_SEGMENT_VERIFY_MS} ms ({label}): {ms:.1} ms  {}",
            verdict(*ms <= TARGET_SEGMENT_VERIFY_MS)
        );
    }
    out["verify_key_ms_per_segment"] = json!({
        "target_max": TARGET_SEGMENT_VERIFY_MS,
        "measured": per_segment.iter().map(|(l, ms)| json!({ "workload": l, "ms": ms })).collect::<Vec<_>>(),
    });
    out
}

/// The proving jobs: (label, prove_loop's arguments), the loop at each of
/// `sizes` (log2 cycles) and every guest workload (built first); only the
/// workloads `only` names, if it names any.
fn jobs(sizes: &[u32], only: &[String]) -> Result<Vec<(&'static str, Vec<String>)>> {
    let chosen: Vec<(&str, Source)> = WORKLOADS
        .iter()
        .copied()
        .filter(|(label, _)| only.is_empty() || only.iter().any(|o| o == label))
        .collect();
    if let Some(unknown) = only.iter().find(|o| !WORKLOADS.iter().any(|(l, _)| l == o)) {
        let labels: Vec<&str> = WORKLOADS.iter().map(|(l, _)| *l).collect();
        return Err(format!(
            "bench --prove: no workload `{unknown}` (there are: {})",
            labels.join(", ")
        ));
    }
    let workspaces = crate::guests::workspaces(None)?;
    if chosen
        .iter()
        .any(|(_, s)| matches!(s, Source::Guest(..) | Source::GuestSegments(..)))
    {
        for ws in &workspaces {
            ws.build()?;
        }
    }
    let inputs = crate::root().join("target/bench-prove");
    std::fs::create_dir_all(&inputs).map_err(|e| format!("{}: {e}", inputs.display()))?;
    // A guest's ELF and its input file (a 4-byte size, or its default).
    let guest = |name: &str, size: Option<u32>| -> Result<Vec<String>> {
        let (_, mut found) = crate::guests::find(&workspaces, name)?;
        let guest = found.remove(0);
        let mut args = vec!["--elf".to_string(), guest.elf.display().to_string()];
        let input = match size {
            Some(n) => {
                let file = inputs.join(format!("{name}-{n}.bin"));
                std::fs::write(&file, n.to_le_bytes())
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                Some(file)
            }
            None => guest.default_input.clone(),
        };
        if let Some(input) = input {
            args.extend(["--input".to_string(), input.display().to_string()]);
        }
        Ok(args)
    };
    let mut jobs = Vec::new();
    for (label, source) in chosen {
        match source {
            Source::Loop => {
                jobs.extend(sizes.iter().map(|s| (label, vec![s.to_string()])));
            }
            Source::LoopSet(set) => {
                jobs.extend(sizes.iter().map(|s| {
                    let args = ["--params", set, &s.to_string()].map(String::from);
                    (label, args.to_vec())
                }));
            }
            Source::Guest(name, size) => jobs.push((label, guest(name, size)?)),
            Source::LoopSegments { log, po2 } => {
                let args = ["--segment-po2", &po2.to_string(), &log.to_string()];
                jobs.push((label, args.map(String::from).to_vec()));
            }
            Source::GuestSegments(name, po2) => {
                let mut args = vec!["--segment-po2".to_string(), po2.to_string()];
                args.extend(guest(name, None)?);
                jobs.push((label, args));
            }
        }
    }
    Ok(jobs)
}

/// Proves every job `runs` times, each right after the same job under the
/// baseline's prover when there is one; returns the rows (and the
/// baseline's).
fn prove_all(
    example: &Path,
    baseline: Option<&Path>,
    jobs: &[(&str, Vec<String>)],
    runs: usize,
) -> Result<(Vec<Value>, Vec<Value>)> {
    print_header();
    let (mut rows, mut before) = (Vec::new(), Vec::new());
    for (label, args) in jobs {
        let row = measure(example, label, args, runs)?;
        print_row(&row);
        rows.push(row);
        if let Some(base) = baseline {
            let row = measure(base, &format!("{label} (base)"), args, runs)?;
            print_row(&row);
            before.push(row);
        }
    }
    Ok((rows, before))
}

/// `cargo xtask bench --prove [--sizes 16,18,20] [--only LABEL,...] [--runs N]
/// [--baseline REV]`.
pub fn bench_prove(sizes: &[u32], only: &[String], runs: usize, baseline: Option<&str>) -> Result {
    let example = build_example()?;
    let base = baseline
        .map(|rev| {
            let mut args = PROVE_LOOP_BUILD.to_vec();
            args.retain(|&a| a != "--quiet");
            crate::bench::build_at(rev, &args, "release/examples/prove_loop")
        })
        .transpose()?;
    let jobs = jobs(sizes, only)?;
    let (rows, before) = prove_all(&example, base.as_deref(), &jobs, runs)?;
    println!(
        "phases (s): setup = the preprocessed tables' commitment; commit = the main traces' LDE \
         and Merkle tree; logup = the LogUp running sums, built and committed; quot = the \
         constraints over the quotient domain; q-cmt = its commitment; open = evaluations at \
         the out-of-domain point and the DEEP quotients; FRI = FRI's commit phase and queries. \
         Fastest of {runs} run(s); RSS the largest."
    );
    if let Some(rev) = baseline {
        println!("now / baseline {rev} (each baseline run right after the current one):");
        for (now, then) in rows.iter().zip(&before) {
            println!(
                "  {:<9} 2^{:<5.2} kHz {:>5.2}x  proof {:>5.2}x  verify {:>5.2}x  RSS {:>5.2}x",
                now["workload"].as_str().unwrap_or("?"),
                f(now, "log2_cycles"),
                f(now, "khz") / f(then, "khz"),
                f(now, "proof_bytes") / f(then, "proof_bytes"),
                f(now, "verify_ms") / f(then, "verify_ms"),
                f(now, "peak_rss_kib") / f(then, "peak_rss_kib"),
            );
        }
    }
    let targets = compare_with_targets(&rows);
    let report = json!({
        "runs": runs,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "results": rows,
        "baseline": baseline.map(|rev| json!({ "rev": rev, "results": before })),
        "targets": targets,
    });
    crate::bench::write_report("bench-prove.json", &report)
}

/// For `cargo xtask test`: the harness runs end to end at 2^12 cycles (the
/// example proves and verifies, its figures parse), writing no results.
pub fn smoke() -> Result {
    let example = build_example()?;
    // The loop and the fibonacci example: the harness, not every workload.
    let mut jobs = jobs(&[12], &["loop".into(), "fib".into()])?;
    // And a run in segments: 2^12 cycles in segments of 2^10.
    jobs.push((
        "loop-seg",
        ["--segment-po2", "10", "12"].map(String::from).to_vec(),
    ));
    let (rows, _) = prove_all(&example, None, &jobs, 1)?;
    let sane = rows.iter().all(|r| {
        r["cycles"].as_u64().is_some_and(|c| c > 0)
            && r["proof_bytes"].as_u64().is_some_and(|b| b > 0)
            && (f(r, "fri_seconds") > 0.0 || r["segments"].as_u64().is_some_and(|n| n >= 4))
            && r["peak_rss_kib"].as_u64().is_some_and(|k| k > 0)
    });
    if !sane {
        return Err(format!("bench --prove: implausible figures: {rows:?}"));
    }
    eprintln!("xtask: bench --prove's harness works (2^12 cycles)");
    Ok(())
}
