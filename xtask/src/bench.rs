//! `cargo xtask bench`: guest instructions per second (MIPS) and peak memory
//! of the release `ember` on each workload, printed as a table and written to
//! `target/bench.json`. Benchmarks are measured here, never asserted by tests.
//!
//! MIPS and the "best/median s" columns time the interpreter alone (ember's
//! own clock around the run); "process s" is the whole `ember run` process,
//! which is what the qemu-riscv32 column (the same workload built for Linux
//! user mode, a JIT) is compared against, in the same run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::guests::Workspace;
use crate::{Result, build_ember, root, which};

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

/// One `ember run --json`; adds the whole process's wall time as
/// `process_seconds`.
fn run_once(ember: &Path, elf: &Path, input: Option<&Path>) -> Result<Value> {
    run_with(ember, elf, input, &[])
}

/// [`run_once`] with more `ember run` flags.
fn run_with(ember: &Path, elf: &Path, input: Option<&Path>, flags: &[&str]) -> Result<Value> {
    let mut cmd = Command::new(ember);
    cmd.arg("run").arg(elf).arg("--json").args(flags);
    if let Some(input) = input {
        cmd.arg("--input").arg(input);
    }
    let started = Instant::now();
    let out = cmd.output().map_err(|e| format!("cannot run ember: {e}"))?;
    let process = started.elapsed().as_secs_f64();
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
    let mut v = v;
    v["process_seconds"] = process.into();
    Ok(v)
}

/// The same workload under qemu-riscv32 (input on stdin): process seconds.
fn qemu_once(qemu: &Path, elf: &Path, input: Option<&Path>) -> Result<f64> {
    let stdin = match input {
        Some(file) => {
            Stdio::from(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?)
        }
        None => Stdio::null(),
    };
    let started = Instant::now();
    let out = Command::new(qemu)
        .arg(elf)
        .stdin(stdin)
        .output()
        .map_err(|e| format!("cannot run qemu-riscv32: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("{} under qemu: {}", elf.display(), out.status));
    }
    Ok(seconds)
}

/// A 1 MiB program: HALT(0), then pseudo-random words (decoded at load,
/// never run): the load-time workload (validate, decode, image ID).
fn one_mib_elf() -> Vec<u8> {
    use ember_core::asm;
    let mut words = vec![asm::addi(10, 0, 0), asm::addi(5, 0, 0), asm::ecall()];
    let mut state = 0x2545_f491u32;
    words.extend((3..(1 << 18)).map(|_| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    }));
    ember_testkit::elf32(
        &ember_testkit::ElfHeader::default(),
        &[ember_testkit::Ph::code(ember_testkit::CODE, &words)],
    )
}

/// Builds `ember` as it was at git revision `rev` (a clean export of that
/// tree, its own target dir), for a before/after comparison in one run.
fn build_baseline(rev: &str) -> Result<PathBuf> {
    build_at(rev, &crate::EMBER_BUILD, "release/ember")
}

/// Runs `cargo ARGS` in a clean export of git revision `rev` (its own
/// target dir, the current build's code generation); returns the path of
/// `artifact` under that target dir.
pub(crate) fn build_at(rev: &str, args: &[&str], artifact: &str) -> Result<PathBuf> {
    let dir = root().join("target/bench-baseline");
    let src = dir.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let tar = dir.join("src.tar");
    crate::run(
        &format!("exporting {rev}"),
        Command::new("git")
            .current_dir(root())
            .args(["archive", "--format=tar", "-o"])
            .arg(&tar)
            .arg(rev),
    )?;
    crate::run(
        "unpacking the baseline",
        Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&src),
    )?;
    crate::run(
        &format!("building {artifact} at {rev}"),
        crate::cargo()
            .current_dir(&src)
            .env("CARGO_TARGET_DIR", dir.join("target"))
            // The same code generation as the current build (.cargo/config.toml),
            // whatever the baseline's own configuration said.
            .env(
                "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
                "-C target-cpu=native",
            )
            .args(args),
    )?;
    Ok(dir.join("target").join(artifact))
}

/// The figures of one workload under one `ember`.
struct Row {
    instructions: u64,
    best: f64,
    median: f64,
    mips: f64,
    rss_kib: u64,
    touched_kib: u64,
    load: f64,
    process: f64,
    cycles: Value,
}

impl Row {
    fn of(samples: &[Value]) -> Row {
        let field = |name: &str| -> Vec<f64> {
            samples
                .iter()
                .map(|s| s[name].as_f64().unwrap_or(f64::NAN))
                .collect()
        };
        let walls = field("wall_seconds");
        let instructions = samples[0]["instructions"].as_u64().unwrap_or(0);
        let median_wall = median(walls.clone());
        Row {
            instructions,
            best: walls.iter().copied().fold(f64::INFINITY, f64::min),
            median: median_wall,
            mips: instructions as f64 / median_wall / 1e6,
            rss_kib: samples
                .iter()
                .filter_map(|s| s["peak_rss_kib"].as_u64())
                .max()
                .unwrap_or(0),
            touched_kib: samples[0]["touched_kib"].as_u64().unwrap_or(0),
            load: median(field("load_seconds")),
            process: median(field("process_seconds")),
            cycles: samples[0]["cycles"].clone(),
        }
    }

    fn print(&self, label: &str, qemu: Option<f64>) {
        let (qemu_col, ratio_col) = match qemu {
            Some(q) => (format!("{q:.3}"), format!("{:.1}x", self.process / q)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{label:<6} {:>12} {:>7.3} {:>8.3} {:>7.1} {:>7.1} {:>8.1} {:>7.2} {:>9.3} {qemu_col:>7} {ratio_col:>7}",
            self.instructions,
            self.best,
            self.median,
            self.mips,
            self.rss_kib as f64 / 1024.0,
            self.touched_kib as f64 / 1024.0,
            self.load * 1e3,
            self.process,
        );
    }
}

fn header(title: &str) {
    println!("{title}");
    println!(
        "{:<6} {:>12} {:>7} {:>8} {:>7} {:>7} {:>8} {:>7} {:>9} {:>7} {:>7}",
        "bench",
        "instructions",
        "best s",
        "median s",
        "MIPS",
        "RSS MiB",
        "guest MiB",
        "load ms",
        "process s",
        "qemu s",
        "ember/qemu"
    );
}

/// `cargo xtask bench [--runs N] [--baseline REV] [--modes]`. With a
/// baseline, each run of a workload under the current `ember` is followed by
/// one under the baseline's, so both see the same machine state; both tables
/// are printed, then the ratio of median MIPS. With `--modes`, the cost of
/// seeing inside the guest follows: each workload profiled (`--profile`,
/// collapsed stacks), and ecdsa traced whole (`--trace /dev/null`, 5.7M
/// lines; the long workloads would write gigabytes), each run right after a
/// plain one.
pub fn bench(runs: usize, baseline: Option<&str>, modes: bool) -> Result {
    let ws = Workspace::open(None)?;
    ws.build()?;
    let ember = build_ember()?;
    let before = baseline.map(build_baseline).transpose()?;
    let qemu = which("qemu-riscv32");
    let linux_elfs = match &qemu {
        Some(_) => Some(ws.build_linux_user()?),
        None => {
            eprintln!("xtask: qemu-riscv32 not installed: no qemu comparison");
            None
        }
    };
    let mut rows = Vec::new();
    let mut table = Vec::new();
    for (label, name) in WORKLOADS {
        let guest = ws.find(name)?.remove(0);
        let input = guest.default_input.as_deref();
        let mut now = Vec::new();
        let mut then = Vec::new();
        for _ in 0..runs {
            now.push(run_once(&ember, &guest.elf, input)?);
            if let Some(before) = &before {
                then.push(run_once(before, &guest.elf, input)?);
            }
        }
        let row = Row::of(&now);
        let base = (!then.is_empty()).then(|| Row::of(&then));
        // qemu runs right after ember's runs of the same workload.
        let qemu_seconds = match (&qemu, &linux_elfs) {
            (Some(qemu), Some(dir)) => Some(median(
                (0..runs)
                    .map(|_| qemu_once(qemu, &dir.join(name), input))
                    .collect::<Result<_>>()?,
            )),
            _ => None,
        };
        rows.push(json!({
            "bench": label,
            "guest": name,
            "instructions": row.instructions,
            "cycles": row.cycles,
            "runs": runs,
            "best_seconds": row.best,
            "median_seconds": row.median,
            "mips_median": row.mips,
            "mips_best": row.instructions as f64 / row.best / 1e6,
            "peak_rss_kib": row.rss_kib,
            "guest_touched_kib": row.touched_kib,
            "load_seconds_median": row.load,
            "process_seconds_median": row.process,
            "qemu_process_seconds_median": qemu_seconds,
            "baseline_mips_median": base.as_ref().map(|b| b.mips),
        }));
        table.push((label, row, base, qemu_seconds));
    }
    header("now");
    for (label, row, _, qemu) in &table {
        row.print(label, *qemu);
    }
    if let Some(rev) = baseline {
        header(&format!(
            "baseline {rev} (runs interleaved with the ones above)"
        ));
        for (label, _, base, qemu) in &table {
            if let Some(base) = base {
                base.print(label, *qemu);
            }
        }
        println!("median MIPS now / baseline:");
        for (label, row, base, _) in &table {
            if let Some(base) = base {
                println!("{label:<6} {:.3}", row.mips / base.mips);
            }
        }
    }
    let modes = if modes {
        bench_modes(&ws, &ember, runs)?
    } else {
        Vec::new()
    };
    let elf = root().join("target/bench-1mib.elf");
    std::fs::write(&elf, one_mib_elf())
        .map_err(|e| format!("cannot write {}: {e}", elf.display()))?;
    let loads: Vec<f64> = (0..runs)
        .map(|_| {
            run_once(&ember, &elf, None).map(|v| v["load_seconds"].as_f64().unwrap_or(f64::NAN))
        })
        .collect::<Result<_>>()?;
    let load_1mib = median(loads);
    println!(
        "loading a 1 MiB ELF (validate, decode 262144 words, image ID): {:.2} ms (median)",
        load_1mib * 1e3
    );
    let report = json!({
        "runs": runs,
        "results": rows,
        "modes": modes,
        "load_1mib_elf_seconds_median": load_1mib,
    });
    write_report("bench.json", &report)
}

/// Writes a benchmark's results to `target/NAME` and says where.
pub(crate) fn write_report(name: &str, report: &Value) -> Result {
    let dir = root().join("target");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(report).expect("JSON"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

/// The table of `--modes`: per workload and mode, median MIPS of the plain
/// run and of the run with the mode, interleaved, and their ratio; the
/// process time includes writing the profile or trace.
fn bench_modes(ws: &Workspace, ember: &Path, runs: usize) -> Result<Vec<Value>> {
    let folded = root().join("target/bench-profile.folded");
    let folded = folded.to_str().ok_or("non-UTF-8 target path")?;
    let mut modes: Vec<(&str, &str, Vec<&str>)> = WORKLOADS
        .iter()
        .map(|&(label, name)| (label, name, vec!["--profile", folded]))
        .collect();
    modes.push(("ecdsa", "ecdsa-verify", vec!["--trace", "/dev/null"]));
    println!("the cost of seeing inside (median of {runs}, each run after a plain one)");
    println!(
        "{:<6} {:<8} {:>12} {:>10} {:>10} {:>8} {:>10} {:>10}",
        "bench",
        "mode",
        "instructions",
        "plain MIPS",
        "mode MIPS",
        "slowdown",
        "plain s",
        "process s"
    );
    let mut out = Vec::new();
    for (label, name, flags) in modes {
        let guest = ws.find(name)?.remove(0);
        let input = guest.default_input.as_deref();
        let (mut plain, mut with) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            plain.push(run_once(ember, &guest.elf, input)?);
            with.push(run_with(ember, &guest.elf, input, &flags)?);
        }
        let (plain, with) = (Row::of(&plain), Row::of(&with));
        let mode = flags[0].trim_start_matches('-');
        println!(
            "{label:<6} {mode:<8} {:>12} {:>10.1} {:>10.1} {:>7.1}x {:>10.3} {:>10.3}",
            with.instructions,
            plain.mips,
            with.mips,
            plain.mips / with.mips,
            plain.process,
            with.process,
        );
        out.push(json!({
            "bench": label,
            "mode": mode,
            "instructions": with.instructions,
            "plain_mips_median": plain.mips,
            "mode_mips_median": with.mips,
            "plain_process_seconds_median": plain.process,
            "mode_process_seconds_median": with.process,
        }));
    }
    Ok(out)
}
