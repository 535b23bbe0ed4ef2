//! `cargo xtask`: Ember's build and test driver.
//!
//! `cargo xtask test` runs everything CI runs. It installs what it needs and
//! is missing (qemu-user for the differential tests) when it can.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Ember's build and test driver")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run everything CI runs: formatting, clippy, and every test.
    Test,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Test => test(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command, failing with its description if it fails.
fn run(what: &str, cmd: &mut Command) -> Result {
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
    let mut tests = cargo();
    tests.args(["test", "--workspace"]);
    match ensure_qemu() {
        Some(qemu) => {
            tests.env("EMBER_QEMU", qemu);
        }
        None => eprintln!("xtask: qemu-riscv32 unavailable: the qemu differential test will fail"),
    }
    tests.env("EMBER_REQUIRE_QEMU", "1");
    run("cargo test --workspace", &mut tests)
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

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}
