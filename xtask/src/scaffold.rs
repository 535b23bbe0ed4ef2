//! What `cargo xtask test` checks of scaffolded guests and projects, the
//! way a user meets them: `cargo xtask new` guests (no_std and std) build
//! and run unchanged; a no_std guest becomes a std guest by the README's
//! one step; a guest that asks for std the wrong way stops with ember-guest's
//! own message; a project whose guest does not build says so without a
//! build script's panic; a project's host prints the library's errors in
//! words. (The README's sample runs a scaffolded project.)

use std::path::Path;
use std::process::Command;

use crate::guests::{TARGET, Workspace, clean_cargo, guest_rustflags};
use crate::{Result, new_guest, root, run_guest, template};

/// Every check, in target/xtask-new-check.
pub fn checks() -> Result {
    let dir = root().join("target/xtask-new-check");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    runs(&dir, "scaffold_check", false)?;
    runs(&dir, "scaffold_std", true)?;
    std_in_one_step(&dir.join("scaffold_check"))?;
    build_script_says_why(&dir)?;
    let project = dir.join("limited");
    template::new_project("limited", &project, false)?;
    template_host_prints_errors_in_words(&project)?;
    eprintln!(
        "xtask: scaffolded guests (no_std and std) build and run; a guest turns std in one step; \
         wrong std builds stop with the guard's message"
    );
    Ok(())
}

/// `cargo xtask new NAME --guest [--std] --path DIR` builds and runs.
fn runs(dir: &Path, name: &str, std: bool) -> Result {
    new_guest(name, Some(dir), std)?;
    let code = run_guest(name, Some(&dir.join(name)), None, &[])?;
    if code != 0 {
        return Err(format!(
            "the scaffolded guest {name} exited with status {code}"
        ));
    }
    Ok(())
}

/// The README's conversion of the no_std guest at `guest`: the `std`
/// feature, then an ordinary `fn main`. In between, the two wrong builds a
/// user can make stop with ember-guest's guards, and nothing else.
fn std_in_one_step(guest: &Path) -> Result {
    let manifest = guest.join("Cargo.toml");
    let text = read(&manifest)?;
    let plain = "ember-guest = { path = \".ember/guest\" }";
    if !text.contains(plain) {
        return Err(format!("{}: no `{plain}` line", manifest.display()));
    }
    let with_std = "ember-guest = { path = \".ember/guest\", features = [\"std\"] }";
    write(&manifest, &text.replace(plain, with_std))?;

    // The std feature built for the no_std target (a hand-made build): the
    // guard names the target, and std's absence is not reported.
    let mut by_hand = clean_cargo();
    by_hand
        .current_dir(guest)
        .args(["build", "--release", "--target", TARGET])
        .env("CARGO_TARGET_DIR", guest.join("target"))
        .env("CARGO_ENCODED_RUSTFLAGS", guest_rustflags(guest));
    fails_with_only(
        by_hand,
        "ember-guest's `std` feature is on, so this is a std guest, which builds only for riscv32im-risc0-zkvm-elf",
    )?;

    // The std feature with the no_std `entry!` left in: xtask builds it as a
    // std guest, and `entry!` says what to change.
    let ws = Workspace::open(Some(guest))?;
    let mut builds = ws.cargo("build")?;
    if builds.len() != 1 {
        return Err(format!("{}: expected one group of guests", guest.display()));
    }
    fails_with_only(
        builds.remove(0),
        "ember-guest's `std` feature is on, so this is a std guest: it has an ordinary `fn main`",
    )?;

    // The README's second half of the step: an ordinary `fn main`.
    let name = guest
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("a guest directory has a name")?;
    write(
        &guest.join("src/main.rs"),
        &template::guest_main(name, true),
    )?;
    let code = run_guest(name, Some(guest), None, &[])?;
    if code != 0 {
        return Err(format!("the guest turned std exited with status {code}"));
    }
    Ok(())
}

/// A project whose guest does not compile: `cargo build` shows the guest's
/// error and ember-build's one line, and no panic.
fn build_script_says_why(dir: &Path) -> Result {
    let project = dir.join("broken");
    template::new_project("broken", &project, false)?;
    let main = project.join("methods/guest/src/main.rs");
    let text = read(&main)?;
    write(
        &main,
        &text.replace(
            "let n: u32 =",
            "let n: u32 = \"not a number\"; let _m: u32 =",
        ),
    )?;
    let mut cmd = clean_cargo();
    cmd.current_dir(&project)
        .args(["build", "-p", "broken-methods"])
        // Ember's target dir: ember-build and its dependencies are built.
        .env("CARGO_TARGET_DIR", root().join("target"));
    let out = output(cmd)?;
    let says = out.contains("error: ember-build: building the guests in")
        && out.contains("error[E0308]: mismatched types");
    if !says || out.contains("panicked") {
        return Err(format!(
            "a project whose guest does not build should show the guest's error and \
             ember-build's, without a panic; it printed:\n{out}"
        ));
    }
    Ok(())
}

/// The scaffolded host prints an error as the library words it (`Display`,
/// addresses in hex), never in Debug form, and exits with status 1: here a
/// cycle limit too low for the guest.
fn template_host_prints_errors_in_words(dir: &Path) -> Result {
    let main = dir.join("host/src/main.rs");
    let text = std::fs::read_to_string(&main)
        .map_err(|e| format!("cannot read {}: {e}", main.display()))?;
    let run = ".write(&10u32)?.run()?";
    if !text.contains(run) {
        return Err(format!("{} no longer contains `{run}`", main.display()));
    }
    let limited = text.replace(run, ".write(&10u32)?.cycle_limit(20).run()?");
    std::fs::write(&main, limited).map_err(|e| format!("cannot write {}: {e}", main.display()))?;
    let out = clean_cargo()
        .current_dir(dir)
        .args(["run", "--release", "--quiet"])
        .env("CARGO_TARGET_DIR", root().join("target"))
        .output()
        .map_err(|e| format!("cannot run cargo in {}: {e}", dir.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or("");
    let words = first.starts_with("error: guest fault: cycle limit exceeded: limit 20, ")
        && first.contains(" at pc 0x004")
        && !stderr.contains("Error:");
    if out.status.code() != Some(1) || !words {
        return Err(format!(
            "the scaffolded host did not print its error as the library words it, with \
             status 1 ({}):\n{stderr}",
            out.status
        ));
    }
    eprintln!("xtask: the scaffolded host's error, in words:\n{stderr}");
    Ok(())
}

/// Runs `cmd`, which must fail, with `message` in its first `error`.
fn fails_with_only(cmd: Command, message: &str) -> Result {
    let out = output(cmd)?;
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error")).collect();
    let first = errors.first().copied().unwrap_or_default();
    if !first.contains(message) || out.contains("can't find crate for `std`") {
        return Err(format!(
            "expected the build to stop with `{message}` first; it printed:\n{out}"
        ));
    }
    Ok(())
}

/// What a command that must fail printed (stdout and stderr).
fn output(mut cmd: Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        return Err(format!("{cmd:?} should have failed"));
    }
    Ok(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
