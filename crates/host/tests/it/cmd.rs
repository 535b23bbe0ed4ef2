//! Running the `ember` command in tests: scratch files and its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `ember` with `args`.
pub fn ember(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .output()
        .expect("run ember")
}

/// A scratch directory per test: `group` keeps the test files' names apart.
/// Under cargo's `target/tmp` (not the system's temporary directory), so
/// that `cargo clean` removes what the tests leave.
pub fn scratch_in(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ember-{group}-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to `dir/name`; returns the path.
pub fn file(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// What `ember` wrote to stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Its first line.
pub fn first_line(o: &Output) -> String {
    stderr(o).lines().next().unwrap_or("").to_string()
}
