//! `cargo xtask`: Ember's build and test driver.
//!
//! - `cargo xtask build [NAME...]`: build guests for riscv32im.
//! - `cargo xtask run NAME`: build a guest and run it on the host.
//! - `cargo xtask prove NAME`: build a guest, run it and prove the run.
//! - `cargo xtask new NAME`: scaffold a guest that builds and runs unchanged.
//! - `cargo xtask bench [--prove]`: measure the interpreter (the prover).
//! - `cargo xtask readme [--check]`: rewrite (check) the README's and docs'
//!   samples from fresh runs.
//! - `cargo xtask test`: everything CI runs. It installs what it needs and is
//!   missing (the guest target; qemu-user for the differential tests).

mod bench;
mod bench_prove;
mod guests;
mod readme;
mod scaffold;
mod template;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

use guests::Workspace;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Ember's build and test driver")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build guests (all of the workspace's when no NAME is given) and print
    /// where each ELF is.
    Build {
        /// Guest binaries or packages.
        names: Vec<String>,
        /// The guest workspace (default: guest-examples).
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
    },
    /// Build a guest and run it with `ember run`, streaming its output.
    Run {
        /// The guest binary (or single-binary package).
        name: String,
        /// The guest workspace (default: guest-examples).
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// Input file (default: the package's `[package.metadata.ember] input`).
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Most cycles the guest may use.
        #[arg(long, value_name = "N")]
        cycle_limit: Option<String>,
        /// Write the journal's bytes here.
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// On a fault, dump the registers too.
        #[arg(long, short)]
        verbose: bool,
        /// Profile the cycles: a flamegraph if FILE ends in `.svg`,
        /// collapsed stacks otherwise.
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// List the N heaviest functions in the summary.
        #[arg(long, value_name = "N")]
        profile_top: Option<usize>,
    },
    /// Build a guest, run it and prove the run with `ember prove`.
    Prove {
        /// The guest binary (or single-binary package).
        name: String,
        /// The guest workspace (default: guest-examples).
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// Input file (default: the package's `[package.metadata.ember] input`).
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Where to write the receipt (default: beside the guest's ELF).
        #[arg(short, long, value_name = "RECEIPT")]
        output: Option<PathBuf>,
    },
    /// Create a project: a host program and its guest (`--guest`: a guest alone).
    New {
        /// Its name (a Rust package name).
        name: String,
        /// The directory to create it in (default: the current directory;
        /// with --guest, guest-examples or guest-examples/std, which it joins).
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// A guest alone, without a host.
        #[arg(long)]
        guest: bool,
        /// A std guest (std's collections, strings, `std::io`...), built
        /// with a pinned nightly.
        #[arg(long)]
        std: bool,
    },
    /// Run everything CI runs: formatting, clippy, every test, every example.
    Test,
    /// The checks of scaffolded guests and projects (part of `test`).
    #[command(hide = true)]
    CheckScaffold,
    /// Rewrite the samples of the README and docs (the blocks marked
    /// `<!-- sample: COMMAND -->` or `<!-- file: PATH -->`) from fresh runs.
    Readme {
        /// Change nothing: fail, with a diff, if a sample is stale.
        #[arg(long)]
        check: bool,
    },
    /// Measure the interpreter: MIPS and peak memory on each workload
    /// (`--prove`: the prover).
    Bench {
        /// Runs per workload (best and median are reported; default 5, with
        /// --prove 1).
        #[arg(long)]
        runs: Option<usize>,
        /// Also measure `ember` (with --prove: the prover) as built from this
        /// git revision, each run interleaved with the current one's, and
        /// print both tables.
        #[arg(long, value_name = "REV")]
        baseline: Option<String>,
        /// Also measure the cost of profiling and tracing.
        #[arg(long)]
        modes: bool,
        /// Measure the prover instead: proving time and kHz, each phase's
        /// share, proof size, verification time and peak RSS, per workload
        /// and size (target/bench-prove.json).
        #[arg(long, conflicts_with = "modes")]
        prove: bool,
        /// With --prove: the loop's sizes, log2 of its cycles.
        #[arg(long, value_delimiter = ',', default_values_t = [16, 18, 20], requires = "prove")]
        sizes: Vec<u32>,
        /// With --prove: only these workloads (by label, e.g.
        /// `loop,ecdsa-verify`; default: all).
        #[arg(long, value_delimiter = ',', requires = "prove")]
        only: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Build { names, path } => build(&names, path.as_deref()).map(|()| 0),
        Cmd::Run {
            name,
            path,
            input,
            cycle_limit,
            journal,
            json,
            verbose,
            profile,
            profile_top,
        } => {
            let mut flags = Vec::new();
            if let Some(file) = profile {
                flags.extend(["--profile".to_string(), file.display().to_string()]);
            }
            if let Some(n) = profile_top {
                flags.extend(["--profile-top".to_string(), n.to_string()]);
            }
            if let Some(limit) = cycle_limit {
                flags.extend(["--cycle-limit".to_string(), limit]);
            }
            if let Some(j) = journal {
                flags.extend(["--journal".to_string(), j.display().to_string()]);
            }
            if json {
                flags.push("--json".into());
            }
            if verbose {
                flags.push("--verbose".into());
            }
            run_guest(&name, path.as_deref(), input.as_deref(), &flags)
        }
        Cmd::Prove {
            name,
            path,
            input,
            output,
        } => {
            let flags: Vec<String> = output
                .map(|o| vec!["--output".into(), o.display().to_string()])
                .unwrap_or_default();
            ember_guest("prove", &name, path.as_deref(), input.as_deref(), &flags)
        }
        Cmd::New {
            name,
            path,
            guest,
            std,
        } => new(&name, path.as_deref(), guest, std).map(|()| 0),
        Cmd::Test => test().map(|()| 0),
        Cmd::CheckScaffold => scaffold::checks().map(|()| 0),
        Cmd::Readme { check } => readme::readme(check).map(|()| 0),
        Cmd::Bench {
            runs,
            prove: true,
            sizes,
            only,
            baseline,
            ..
        } => bench_prove::bench_prove(&sizes, &only, runs.unwrap_or(1).max(1), baseline.as_deref())
            .map(|()| 0),
        Cmd::Bench {
            runs,
            baseline,
            modes,
            ..
        } => bench::bench(runs.unwrap_or(5).max(1), baseline.as_deref(), modes).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The host workspace's target directory as cargo resolves it (honouring
/// `CARGO_TARGET_DIR` and `build.target-dir`), where `cargo build` puts the
/// `ember` binaries.
pub(crate) fn target_dir() -> Result<PathBuf> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(root().join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|e| format!("cannot read the workspace's metadata: {e}"))?;
    Ok(metadata.target_directory.into_std_path_buf())
}

pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command, failing with its description if it fails.
pub(crate) fn run(what: &str, cmd: &mut Command) -> Result {
    eprintln!("xtask: {what}");
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: failed ({status})"))
    }
}

fn build(names: &[String], path: Option<&Path>) -> Result {
    let workspaces = guests::workspaces(path)?;
    // Every workspace when no name is given; otherwise those holding one.
    let mut wanted = vec![names.is_empty(); workspaces.len()];
    let mut guests = Vec::new();
    for name in names {
        let (i, found) = guests::find(&workspaces, name)?;
        wanted[i] = true;
        guests.extend(found);
    }
    for (ws, _) in workspaces.iter().zip(&wanted).filter(|(_, w)| **w) {
        ws.build()?;
        if names.is_empty() {
            guests.extend(ws.guests.iter().cloned());
        }
    }
    for g in &guests {
        println!("{}", g.elf.display());
    }
    Ok(())
}

/// Cargo's arguments that build the `ember` command in release.
pub(crate) const EMBER_BUILD: [&str; 7] = [
    "build",
    "--release",
    "--quiet",
    "-p",
    "ember-host",
    "--bin",
    "ember",
];

/// Builds the `ember` command in release; returns its path.
pub(crate) fn build_ember() -> Result<PathBuf> {
    run("building ember (release)", cargo().args(EMBER_BUILD))?;
    Ok(target_dir()?.join("release/ember"))
}

pub(crate) fn run_guest(
    name: &str,
    path: Option<&Path>,
    input: Option<&Path>,
    flags: &[String],
) -> Result<u8> {
    ember_guest("run", name, path, input, flags)
}

/// Builds a guest and runs `ember COMMAND` on it (`run`, `prove`).
fn ember_guest(
    command: &str,
    name: &str,
    path: Option<&Path>,
    input: Option<&Path>,
    flags: &[String],
) -> Result<u8> {
    let workspaces = guests::workspaces(path)?;
    let (i, found) = guests::find(&workspaces, name)?;
    let ws = &workspaces[i];
    let guest = match found.as_slice() {
        [one] => one.clone(),
        many => {
            let names: Vec<&str> = many.iter().map(|g| g.name.as_str()).collect();
            return Err(format!(
                "`{name}` has several binaries; name one of: {}",
                names.join(", ")
            ));
        }
    };
    if let Some(file) = input
        && !file.is_file()
    {
        return Err(format!("input file {} does not exist", file.display()));
    }
    ws.build()?;
    let ember = build_ember()?;
    let mut cmd = Command::new(ember);
    cmd.arg(command).arg(&guest.elf).args(flags);
    if let Some(file) = input.or(guest.default_input.as_deref()) {
        eprintln!("xtask: input from {}", file.display());
        cmd.arg("--input").arg(file);
    }
    let status = cmd.status().map_err(|e| format!("cannot run ember: {e}"))?;
    // Pass ember's exit status on (guest exit code, panic, fault...).
    Ok(status.code().map_or(1, |c| c as u8))
}

fn new(name: &str, path: Option<&Path>, guest: bool, std: bool) -> Result {
    if guest {
        return new_guest(name, path, std);
    }
    check_name(name)?;
    let parent = match path {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?,
    };
    template::new_project(name, &parent.join(name), std)
}

fn check_name(name: &str) -> Result {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !valid {
        return Err(format!(
            "`{name}` is not a valid package name (letters, digits, - and _)"
        ));
    }
    Ok(())
}

pub(crate) fn new_guest(name: &str, path: Option<&Path>, std: bool) -> Result {
    check_name(name)?;
    let examples = if std {
        root().join("guest-examples/std")
    } else {
        root().join("guest-examples")
    };
    let parent = path.map_or_else(|| examples.clone(), Path::to_path_buf);
    let dir = parent.join(name);
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()));
    }
    let joins_examples = path.is_none();
    let manifest = if joins_examples {
        format!(
            "[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n\
             license.workspace = true\npublish.workspace = true\n\n\
             [package.metadata.ember]\ninput = \"input.bin\"\n\n\
             [dependencies]\nember-guest.workspace = true\n"
        )
    } else {
        template::standalone_guest_manifest(name, ".ember", std, true)
    };
    let main = template::guest_main(name, std);
    std::fs::create_dir_all(dir.join("src"))
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |file: &str, bytes: &[u8]| {
        std::fs::write(dir.join(file), bytes).map_err(|e| format!("cannot write {file}: {e}"))
    };
    write("Cargo.toml", manifest.as_bytes())?;
    write("src/main.rs", main.as_bytes())?;
    // One frame (ember_abi::frame): length 1, then postcard's varint 10.
    write("input.bin", &[1, 0, 0, 0, 10])?;
    if joins_examples {
        add_member(&examples.join("Cargo.toml"), name)?;
    } else {
        if std {
            write(
                "rust-toolchain.toml",
                template::std_toolchain_file()?.as_bytes(),
            )?;
        }
        // Ember's crates reached through a link inside the guest's workspace,
        // as in guest-examples: cargo then hashes their paths relative to the
        // workspace, and the image ID does not depend on where Ember is.
        std::os::unix::fs::symlink(root().join("crates"), dir.join(".ember"))
            .map_err(|e| format!("cannot link {}/.ember: {e}", dir.display()))?;
    }
    let how = if joins_examples {
        format!("cargo xtask run {name}")
    } else {
        format!("cargo xtask run {name} --path {}", dir.display())
    };
    println!("created {}\nrun it with: {how}", dir.display());
    Ok(())
}

/// Adds `name` to the `members` list of a workspace manifest.
fn add_member(manifest: &Path, name: &str) -> Result {
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let start = text
        .find("members = [")
        .ok_or_else(|| format!("{} has no `members = [` list", manifest.display()))?;
    let end = start + text[start..].find(']').ok_or("unterminated members list")?;
    let list = text[start..end].trim_end().trim_end_matches(',');
    let updated = format!("{}{list}, \"{name}\"{}", &text[..start], &text[end..]);
    std::fs::write(manifest, updated)
        .map_err(|e| format!("cannot write {}: {e}", manifest.display()))
}

fn test() -> Result {
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    run(
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // guest-examples, then the std guests of guest-examples/std.
    let workspaces = guests::workspaces(None)?;
    for ws in &workspaces {
        ws.build()?;
        for mut clippy in ws.cargo("clippy")? {
            clippy.args(["--", "-D", "warnings"]);
            run(
                &format!("cargo clippy (guests in {})", ws.dir.display()),
                &mut clippy,
            )?;
        }
    }
    // Tests that need the built guests or qemu are `#[ignore]`d, so that a
    // plain `cargo test` lists them as not run; here they have what they
    // need and run with the rest. (`--include-ignored` reaches doc tests too:
    // a doc example that must not run is `no_run`, never `ignore`.)
    let mut tests = cargo();
    tests
        .args(["test", "--workspace", "--", "--include-ignored"])
        .env("EMBER_GUEST_DIR", workspaces[0].elf_dir())
        .env("EMBER_STD_GUEST_DIR", workspaces[1].elf_dir());
    match ensure_qemu() {
        Some(qemu) => {
            tests.env("EMBER_QEMU", qemu);
        }
        None => eprintln!("xtask: qemu-riscv32 unavailable: the qemu differential test will fail"),
    }
    let (passed, failed) =
        run_counting_tests("cargo test --workspace -- --include-ignored", &mut tests)?;
    for ws in &workspaces {
        same_in_debug_and_release(ws)?;
    }
    scaffold::checks()?;
    // Every sample in the README and docs, rerun: among them a scaffolded
    // host+guest project's `cargo run --release`, output and all.
    readme::readme(true)?;
    bench_prove::smoke()?;
    // One closing line for CI and people: the whole suite's count.
    println!("xtask: {passed} passed, {failed} failed");
    Ok(())
}

/// Runs `cargo test`, passing its output through, and adds up its
/// `test result:` lines.
fn run_counting_tests(what: &str, cmd: &mut Command) -> Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    eprintln!("xtask: {what}");
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("{what}: reading its output: {e}"))?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            let count = |word: &str| -> u64 {
                rest.split(';')
                    .find_map(|part| {
                        part.trim()
                            .strip_suffix(word)?
                            .split_whitespace()
                            .last()?
                            .parse()
                            .ok()
                    })
                    .unwrap_or(0)
            };
            passed += count(" passed");
            failed += count(" failed");
        }
    }
    let status = child.wait().map_err(|e| format!("{what}: {e}"))?;
    if status.success() {
        Ok((passed, failed))
    } else {
        println!("xtask: {passed} passed, {failed} failed");
        Err(format!("{what}: failed ({status})"))
    }
}

/// Runs every example with the debug and the release `ember` and checks
/// that cycles, journal and claim digest are the same.
fn same_in_debug_and_release(ws: &Workspace) -> Result {
    run(
        "building ember (debug)",
        cargo().args(["build", "--quiet", "-p", "ember-host", "--bin", "ember"]),
    )?;
    let release = build_ember()?;
    let debug = target_dir()?.join("debug/ember");
    for g in ws.guests.iter().filter(|g| !g.bench) {
        let summary = |ember: &Path| -> Result<serde_json::Value> {
            let mut cmd = Command::new(ember);
            cmd.arg("run").arg(&g.elf).arg("--json");
            if let Some(input) = &g.default_input {
                cmd.arg("--input").arg(input);
            }
            let out = cmd
                .output()
                .map_err(|e| format!("cannot run {}: {e}", ember.display()))?;
            let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
                format!("{}: no JSON summary from {}: {e}", g.name, ember.display())
            })?;
            // Time, speed and the host's own memory differ between builds;
            // everything the guest did must not.
            if let Some(fields) = v.as_object_mut() {
                for key in ["wall_seconds", "mips", "load_seconds", "peak_rss_kib"] {
                    fields.remove(key);
                }
            }
            Ok(v)
        };
        let (d, r) = (summary(&debug)?, summary(&release)?);
        if d != r {
            return Err(format!(
                "{}: debug and release builds disagree:\n  {d}\n  {r}",
                g.name
            ));
        }
        eprintln!("xtask: {}: debug and release agree: {d}", g.name);
    }
    Ok(())
}

/// Finds `qemu-riscv32`, installing Debian's `qemu-user` if it is missing and
/// we may (root with apt-get).
fn ensure_qemu() -> Option<PathBuf> {
    if let Some(path) = which("qemu-riscv32") {
        return Some(path);
    }
    if which("apt-get").is_some() {
        eprintln!("xtask: installing qemu-user (for qemu-riscv32)");
        let quiet = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .is_ok_and(|s| s.success())
        };
        let _ = quiet(&["update", "-qq"]);
        let _ = quiet(&["install", "-y", "-qq", "qemu-user"]);
    }
    which("qemu-riscv32")
}

pub(crate) fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_refuses_a_name_cargo_would_not_take() {
        assert_eq!(
            new("9lives", Some(Path::new("/nonexistent")), false, false),
            Err("`9lives` is not a valid package name (letters, digits, - and _)".into())
        );
    }

    #[test]
    fn new_refuses_an_existing_directory() {
        let parent = std::env::temp_dir().join(format!("xtask-new-{}", std::process::id()));
        let dir = parent.join("demo");
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(
            new("demo", Some(&parent), false, false),
            Err(format!("{} already exists", dir.display()))
        );
        let _ = std::fs::remove_dir_all(&parent);
    }

    #[test]
    fn run_names_the_guests_there_are() {
        let err = run_guest("nope", None, None, &[]).unwrap_err();
        let start = format!(
            "no guest named `nope` in {} or {}; there are: ",
            root().join("guest-examples").display(),
            root().join("guest-examples/std").display()
        );
        assert!(err.starts_with(&start), "{err}");
        let names: Vec<&str> = err[start.len()..].split(", ").collect();
        for name in ["hello", "fibonacci", "panic", "wordcount", "evm"] {
            assert!(names.contains(&name), "{err}");
        }
    }
}
