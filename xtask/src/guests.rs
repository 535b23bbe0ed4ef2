//! Finding and building guest programs: packages of a guest workspace (by
//! default `guest-examples/`), built in release for riscv32im with their own
//! target directory, a clean environment, and Ember's linker script.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::{MetadataCommand, TargetKind};

use crate::{Result, root, run};

/// The guest target triple.
pub const TARGET: &str = "riscv32im-unknown-none-elf";

/// Flags for every guest build, separated by 0x1f as CARGO_ENCODED_RUSTFLAGS
/// wants:
/// - the linker script (shipped by ember-guest, whose build script puts it
///   on the link search path);
/// - getrandom's custom backend, which ember-guest defines to fail with an
///   explanation (a guest has no entropy);
/// - path remaps, so that source paths baked into the image (panic
///   locations) and so the image ID do not depend on where the checkout or
///   the cargo home is. The last matching remap wins: most specific last.
pub fn guest_rustflags(workspace: &Path) -> String {
    let mut flags = vec![
        "-Clink-arg=-Tember.ld".to_string(),
        "--cfg".into(),
        "getrandom_backend=\"custom\"".into(),
    ];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let remaps = [
        (cargo_home, "/cargo"),
        (Some(root()), "/ember"),
        (Some(workspace.to_path_buf()), "."),
    ];
    for (from, to) in remaps {
        if let Some(from) = from {
            flags.push(format!("--remap-path-prefix={}={to}", from.display()));
        }
    }
    flags.join("\x1f")
}

/// One guest binary.
#[derive(Clone, Debug)]
pub struct Guest {
    /// The binary's name (also the ELF's file name).
    pub name: String,
    /// The package it belongs to.
    pub package: String,
    /// The package's default input file, from `[package.metadata.ember] input`.
    pub default_input: Option<PathBuf>,
    /// Where the built ELF is.
    pub elf: PathBuf,
    /// A long-running benchmark (`[package.metadata.ember] bench = true`):
    /// measured by `cargo xtask bench`, skipped by `cargo xtask test`.
    pub bench: bool,
}

/// A guest workspace.
pub struct Workspace {
    pub dir: PathBuf,
    pub guests: Vec<Guest>,
}

impl Workspace {
    /// Reads the workspace at `dir` (default: guest-examples).
    pub fn open(dir: Option<&Path>) -> Result<Workspace> {
        let dir = dir.map_or_else(|| root().join("guest-examples"), Path::to_path_buf);
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(format!(
                "no guest workspace at {} (no Cargo.toml)",
                dir.display()
            ));
        }
        let metadata = MetadataCommand::new()
            .manifest_path(&manifest)
            .no_deps()
            .exec()
            .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
        let out = dir.join("target").join(TARGET).join("release");
        let mut guests = Vec::new();
        for package in metadata.workspace_packages() {
            let package_dir = package
                .manifest_path
                .parent()
                .expect("a manifest has a parent");
            let default_input = package
                .metadata
                .pointer("/ember/input")
                .and_then(|v| v.as_str())
                .map(|p| package_dir.as_std_path().join(p));
            let bench = package.metadata.pointer("/ember/bench") == Some(&true.into());
            for target in package
                .targets
                .iter()
                .filter(|t| t.kind.contains(&TargetKind::Bin))
            {
                guests.push(Guest {
                    name: target.name.clone(),
                    package: package.name.to_string(),
                    default_input: default_input.clone(),
                    elf: out.join(&target.name),
                    bench,
                });
            }
        }
        guests.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Workspace { dir, guests })
    }

    /// The guests called `name` (a binary, or every binary of a package).
    pub fn find(&self, name: &str) -> Result<Vec<Guest>> {
        let matching = |by: fn(&Guest) -> &str| -> Vec<Guest> {
            self.guests
                .iter()
                .filter(|g| by(g) == name)
                .cloned()
                .collect()
        };
        for found in [matching(|g| &g.name), matching(|g| &g.package)] {
            if !found.is_empty() {
                return Ok(found);
            }
        }
        let names: Vec<&str> = self.guests.iter().map(|g| g.name.as_str()).collect();
        Err(format!(
            "no guest named `{name}` in {}; there are: {}",
            self.dir.display(),
            names.join(", ")
        ))
    }

    /// Builds every guest for qemu-riscv32's Linux user mode instead of
    /// Ember (`--cfg ember_linux_user`), into `target/linux-user`; returns
    /// where the ELFs are. For benchmark comparisons only.
    pub fn build_linux_user(&self) -> Result<PathBuf> {
        let dir = self.dir.join("target/linux-user");
        let flags = format!(
            "{}\x1f--cfg\x1fember_linux_user",
            guest_rustflags(&self.dir)
        );
        let mut cmd = clean_cargo();
        cmd.current_dir(&self.dir)
            .args(["build", "--release", "--quiet", "--target", TARGET])
            .env("CARGO_TARGET_DIR", &dir)
            .env("CARGO_ENCODED_RUSTFLAGS", flags);
        run("building guests for qemu-riscv32 (linux-user)", &mut cmd)?;
        Ok(dir.join(TARGET).join("release"))
    }

    /// Builds every guest of the workspace in release for the guest target.
    /// Always all of them: cargo unifies dependency features across the
    /// packages of one build, so building one alone could give it another
    /// ELF, and another image ID, than building them together.
    pub fn build(&self) -> Result {
        ensure_target()?;
        let mut cmd = clean_cargo();
        cmd.current_dir(&self.dir)
            .args(["build", "--release", "--target", TARGET])
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env("CARGO_ENCODED_RUSTFLAGS", guest_rustflags(&self.dir));
        run(
            &format!("building guests in {}", self.dir.display()),
            &mut cmd,
        )
    }
}

/// A `cargo` with none of the environment of the cargo that runs xtask
/// (`CARGO_*`, `RUSTFLAGS`...), so host settings never leak into guests.
pub fn clean_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.env_clear();
    for key in [
        "PATH",
        "HOME",
        "USER",
        "TERM",
        "TMPDIR",
        "LANG",
        "RUSTUP_HOME",
        "CARGO_HOME",
        "RUSTUP_TOOLCHAIN",
    ] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    cmd
}

/// Installs the guest target with rustup if it is missing.
pub fn ensure_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run rustup (needed for the {TARGET} target): {e}"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == TARGET)
    {
        return Ok(());
    }
    run(
        &format!("rustup target add {TARGET}"),
        Command::new("rustup")
            .args(["target", "add", TARGET])
            .current_dir(root()),
    )
}
