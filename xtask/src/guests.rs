//! Finding and building guest programs: packages of a guest workspace (by
//! default `guest-examples/`, and `guest-examples/std/` for std guests),
//! built in release for riscv32im with their own target directory, a clean
//! environment, and Ember's linker script.
//!
//! A workspace whose manifest says `[workspace.metadata.ember] std = true`
//! holds std guests: they build for [`STD_TARGET`] with the nightly its
//! `rust-toolchain.toml` pins (installed with rust-src when missing) and std
//! compiled from source (`-Zbuild-std`).

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::{MetadataCommand, TargetKind};

use crate::{Result, root, run};

/// The guest target triple.
pub const TARGET: &str = "riscv32im-unknown-none-elf";

/// The target of std guests: Rust's std for it calls the `sys_*` functions
/// that ember-guest's `std` feature provides.
pub const STD_TARGET: &str = "riscv32im-risc0-zkvm-elf";

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
    ember_build::rustflags(workspace, &root(), None)
}

/// [`guest_rustflags`], and for std guests a remap of std's sources (under
/// the toolchain's `sysroot`, which is wherever rustup lives) to `/rust`.
fn rustflags(workspace: &Path, sysroot: Option<&Path>) -> String {
    ember_build::rustflags(workspace, &root(), sysroot)
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
    /// For std guests, the pinned nightly (from `rust-toolchain.toml`).
    pub std_toolchain: Option<String>,
}

/// The guest workspaces: `dir`, or by default both examples workspaces
/// (`guest-examples` and `guest-examples/std`).
pub fn workspaces(dir: Option<&Path>) -> Result<Vec<Workspace>> {
    match dir {
        Some(dir) => Ok(vec![Workspace::open(Some(dir))?]),
        None => Ok(vec![
            Workspace::open(None)?,
            Workspace::open(Some(&root().join("guest-examples/std")))?,
        ]),
    }
}

/// The guests called `name` (a binary, or every binary of a package) in the
/// first of `workspaces` that has any, with that workspace's index.
pub fn find(workspaces: &[Workspace], name: &str) -> Result<(usize, Vec<Guest>)> {
    let mut names = Vec::new();
    for (i, ws) in workspaces.iter().enumerate() {
        match ws.find(name) {
            Ok(found) => return Ok((i, found)),
            Err(_) => names.extend(ws.guests.iter().map(|g| g.name.as_str())),
        }
    }
    let dirs: Vec<String> = workspaces
        .iter()
        .map(|ws| ws.dir.display().to_string())
        .collect();
    Err(format!(
        "no guest named `{name}` in {}; there are: {}",
        dirs.join(" or "),
        names.join(", ")
    ))
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
        let std_toolchain =
            if metadata.workspace_metadata.pointer("/ember/std") == Some(&true.into()) {
                Some(ember_build::pinned_toolchain(&dir)?)
            } else {
                None
            };
        let target = if std_toolchain.is_some() {
            STD_TARGET
        } else {
            TARGET
        };
        let out = dir.join("target").join(target).join("release");
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
        Ok(Workspace {
            dir,
            guests,
            std_toolchain,
        })
    }

    /// The target its guests build for.
    pub fn target(&self) -> &'static str {
        if self.std_toolchain.is_some() {
            STD_TARGET
        } else {
            TARGET
        }
    }

    /// Where its built ELFs are.
    pub fn elf_dir(&self) -> PathBuf {
        self.dir.join("target").join(self.target()).join("release")
    }

    /// `cargo SUBCOMMAND --release` for the guest target in this workspace,
    /// with the toolchain, flags and environment of guest builds; for std
    /// guests, after installing the pinned nightly if it is missing.
    pub fn cargo(&self, subcommand: &str) -> Result<Command> {
        let mut cmd = clean_cargo();
        cmd.current_dir(&self.dir)
            .args([subcommand, "--release", "--target", self.target()])
            .env("CARGO_TARGET_DIR", self.dir.join("target"));
        match &self.std_toolchain {
            None => {
                ensure_target()?;
                cmd.env("CARGO_ENCODED_RUSTFLAGS", guest_rustflags(&self.dir));
            }
            Some(toolchain) => {
                let sysroot = ember_build::ensure_std_toolchain(toolchain)?;
                // std from rust-src, with the memory functions (memcpy...)
                // that no libc provides here.
                cmd.args([
                    "-Zbuild-std=std,panic_abort",
                    "-Zbuild-std-features=compiler-builtins-mem",
                ])
                .env("RUSTUP_TOOLCHAIN", toolchain)
                .env(
                    "CARGO_ENCODED_RUSTFLAGS",
                    rustflags(&self.dir, Some(&sysroot)),
                );
            }
        }
        Ok(cmd)
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
        let mut cmd = self.cargo("build")?;
        run(
            &format!("building guests in {}", self.dir.display()),
            &mut cmd,
        )
    }
}

pub use ember_build::clean_cargo;

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
