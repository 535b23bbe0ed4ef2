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

use crate::guests::Workspace;
use crate::{Result, cargo};

/// What one workload proves.
#[derive(Clone, Copy)]
enum Source {
    /// The synthetic loop (ALU, MUL, DIVU, a load and a store per iteration),
    /// at every size asked for.
    Loop,
    /// A guest of guest-examples, with its default input, at its own size.
    Guest(&'static str),
}

/// The workloads, by label; a guest is one more line.
const WORKLOADS: &[(&str, Source)] = &[
    ("loop", Source::Loop),
    // fibonacci.rs reads n, prints and commits fib(n): every I/O ECALL.
    ("fib", Source::Guest("fibonacci")),
];

/// The targets on this 2-core machine.
const TARGET_KHZ_AT_2_20: f64 = 40.0;
const TARGET_PROOF_KIB: f64 = 600.0;
const TARGET_VERIFY_MS: f64 = 100.0;
const TARGET_RSS_MIB: f64 = 8192.0;

/// Builds the release `prove_loop` example; returns its path (as cargo
/// reports it, wherever the target directory is).
fn build_example() -> Result<PathBuf> {
    eprintln!("xtask: building ember-prover's prove_loop example (release)");
    let out = cargo()
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "ember-prover",
            "--example",
            "prove_loop",
            "--message-format=json-render-diagnostics",
        ])
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

const COLUMNS: [(&str, &str, usize); 16] = [
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
                "verify_ms" | "khz" => format!("{:.1}", f(row, key)),
                _ => format!("{:.2}", f(row, key)),
            };
            format!("{text:>w$}")
        })
        .collect();
    println!("{}", cells.join(" "));
}

/// The targets against the rows: speed at 2^20 cycles or more, the rest at
/// every size. Returns them as JSON.
fn compare_with_targets(rows: &[Value]) -> Value {
    let large: Vec<&Value> = rows
        .iter()
        .filter(|r| f(r, "log2_cycles") >= 19.99)
        .collect();
    let min_khz = large
        .iter()
        .map(|r| f(r, "khz"))
        .fold(f64::INFINITY, f64::min);
    let max = |key: &str, scale: f64| {
        rows.iter()
            .map(|r| f(r, key) / scale)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let proof_kib = max("proof_bytes", 1024.0);
    let verify_ms = max("verify_ms", 1.0);
    let rss_mib = max("peak_rss_kib", 1024.0);
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!("targets (this 2-core machine):");
    if large.is_empty() {
        println!(
            "  speed >= {TARGET_KHZ_AT_2_20} kHz at 2^20 cycles: not measured (add --sizes 20)"
        );
    } else {
        println!(
            "  speed >= {TARGET_KHZ_AT_2_20} kHz at 2^20 cycles: {min_khz:.1} kHz  {}",
            verdict(min_khz >= TARGET_KHZ_AT_2_20)
        );
    }
    println!(
        "  proof < {TARGET_PROOF_KIB} KiB: largest {proof_kib:.0} KiB  {}",
        verdict(proof_kib < TARGET_PROOF_KIB)
    );
    println!(
        "  verify < {TARGET_VERIFY_MS} ms: slowest {verify_ms:.1} ms  {}",
        verdict(verify_ms < TARGET_VERIFY_MS)
    );
    println!(
        "  peak RSS < {TARGET_RSS_MIB} MiB: largest {rss_mib:.0} MiB  {}",
        verdict(rss_mib < TARGET_RSS_MIB)
    );
    json!({
        "khz_at_2_20": { "target_min": TARGET_KHZ_AT_2_20, "measured": (!large.is_empty()).then_some(min_khz) },
        "proof_kib": { "target_max": TARGET_PROOF_KIB, "measured": proof_kib },
        "verify_ms": { "target_max": TARGET_VERIFY_MS, "measured": verify_ms },
        "peak_rss_mib": { "target_max": TARGET_RSS_MIB, "measured": rss_mib },
    })
}

/// Proves every workload (the loop at each of `sizes`, log2 cycles) `runs`
/// times; returns the rows.
fn prove_all(example: &Path, sizes: &[u32], runs: usize) -> Result<Vec<Value>> {
    let ws = Workspace::open(None)?;
    ws.build()?;
    print_header();
    let mut rows = Vec::new();
    for &(label, source) in WORKLOADS {
        let jobs: Vec<Vec<String>> = match source {
            Source::Loop => sizes.iter().map(|s| vec![s.to_string()]).collect(),
            Source::Guest(name) => {
                let guest = ws.find(name)?.remove(0);
                let mut args = vec!["--elf".to_string(), guest.elf.display().to_string()];
                if let Some(input) = &guest.default_input {
                    args.extend(["--input".to_string(), input.display().to_string()]);
                }
                vec![args]
            }
        };
        for args in jobs {
            let row = measure(example, label, &args, runs)?;
            print_row(&row);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// `cargo xtask bench --prove [--sizes 16,18,20] [--runs N]`.
pub fn bench_prove(sizes: &[u32], runs: usize) -> Result {
    let example = build_example()?;
    let rows = prove_all(&example, sizes, runs)?;
    println!(
        "phases (s): setup = the preprocessed tables' commitment; commit = the main traces' LDE \
         and Merkle tree; logup = the LogUp running sums, built and committed; quot = the \
         constraints over the quotient domain; q-cmt = its commitment; open = evaluations at \
         the out-of-domain point and the DEEP quotients; FRI = FRI's commit phase and queries. \
         Fastest of {runs} run(s); RSS the largest."
    );
    let targets = compare_with_targets(&rows);
    let report = json!({
        "runs": runs,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "results": rows,
        "targets": targets,
    });
    crate::bench::write_report("bench-prove.json", &report)
}

/// For `cargo xtask test`: the harness runs end to end at 2^12 cycles (the
/// example proves and verifies, its figures parse), writing no results.
pub fn smoke() -> Result {
    let example = build_example()?;
    let rows = prove_all(&example, &[12], 1)?;
    let sane = rows.iter().all(|r| {
        r["cycles"].as_u64().is_some_and(|c| c > 0)
            && r["proof_bytes"].as_u64().is_some_and(|b| b > 0)
            && f(r, "fri_seconds") > 0.0
            && r["peak_rss_kib"].as_u64().is_some_and(|k| k > 0)
    });
    if !sane {
        return Err(format!("bench --prove: implausible figures: {rows:?}"));
    }
    eprintln!("xtask: bench --prove's harness works (2^12 cycles)");
    Ok(())
}
