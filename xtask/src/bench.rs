//! `cargo xtask bench`: guest instructions per second (MIPS) and peak memory
//! of the release `ember` on each workload, printed as a table and written to
//! `target/bench.json`. Benchmarks are measured here, never asserted by tests.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::guests::Workspace;
use crate::{Result, build_ember, root};

/// (label, guest binary): the interpreter-speed workloads of the issue, then
/// a real-crate workload.
const WORKLOADS: [(&str, &str); 4] = [
    ("fib", "bench_fib"),
    ("sha", "bench_sha"),
    ("sort", "bench_sort"),
    ("ecdsa", "ecdsa-verify"),
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run_once(ember: &Path, elf: &Path, input: Option<&Path>) -> Result<Value> {
    let mut cmd = Command::new(ember);
    cmd.arg("run").arg(elf).arg("--json");
    if let Some(input) = input {
        cmd.arg("--input").arg(input);
    }
    let out = cmd.output().map_err(|e| format!("cannot run ember: {e}"))?;
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{}: no JSON summary ({e}): {}",
            elf.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if v["outcome"] != "halted" || v["exit_code"] != 0 {
        return Err(format!("{}: did not halt with 0: {v}", elf.display()));
    }
    Ok(v)
}

pub fn bench(runs: usize) -> Result {
    let ws = Workspace::open(None)?;
    ws.build()?;
    let ember = build_ember()?;
    let mut rows = Vec::new();
    println!(
        "{:<7} {:>13} {:>9} {:>9} {:>8} {:>10} {:>10} {:>8}",
        "bench", "instructions", "best s", "median s", "MIPS", "RSS MiB", "guest MiB", "load ms"
    );
    for (label, name) in WORKLOADS {
        let guest = ws.find(name)?.remove(0);
        let input = guest.default_input.as_deref();
        let samples: Vec<Value> = (0..runs)
            .map(|_| run_once(&ember, &guest.elf, input))
            .collect::<Result<_>>()?;
        let walls: Vec<f64> = samples
            .iter()
            .map(|s| s["wall_seconds"].as_f64().unwrap_or(f64::NAN))
            .collect();
        let instructions = samples[0]["instructions"].as_u64().unwrap_or(0);
        let (best, med) = (
            walls.iter().copied().fold(f64::INFINITY, f64::min),
            median(walls.clone()),
        );
        let mips = instructions as f64 / med / 1e6;
        let rss = samples
            .iter()
            .filter_map(|s| s["peak_rss_kib"].as_u64())
            .max()
            .unwrap_or(0);
        let touched = samples[0]["touched_kib"].as_u64().unwrap_or(0);
        let load = median(
            samples
                .iter()
                .map(|s| s["load_seconds"].as_f64().unwrap_or(f64::NAN))
                .collect(),
        );
        println!(
            "{label:<7} {instructions:>13} {best:>9.3} {med:>9.3} {mips:>8.1} {:>10.1} {:>10.1} {:>8.2}",
            rss as f64 / 1024.0,
            touched as f64 / 1024.0,
            load * 1e3
        );
        rows.push(json!({
            "bench": label,
            "guest": name,
            "instructions": instructions,
            "cycles": samples[0]["cycles"],
            "runs": runs,
            "best_seconds": best,
            "median_seconds": med,
            "mips_median": mips,
            "mips_best": instructions as f64 / best / 1e6,
            "peak_rss_kib": rss,
            "guest_touched_kib": touched,
            "load_seconds_median": load,
        }));
    }
    let path = root().join("target/bench.json");
    let report = json!({ "runs": runs, "results": rows });
    std::fs::write(&path, serde_json::to_string_pretty(&report).expect("JSON"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}
