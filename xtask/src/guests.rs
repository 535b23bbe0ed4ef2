//! Finding and building guest programs: packages of a guest workspace (by
//! default `guest-examples/`, and `guest-examples/std/` for std guests),
//! built in release for riscv32im with their own target directory, a clean
//! environment, and Ember's linker script.
//!
//! A package whose `ember-guest` dependency enables the `std` feature is a
//! std guest: it builds for
//! `riscv32im-risc0-zkvm-elf` with a pinned nightly (installed with rust-src when
//! missing) and std compiled from source (`-Zbuild-std`); see
//! [`ember_build::groups`].

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::{MetadataCommand, TargetKind};
use ember_build::Group;

use crate::{Result, root, run};

pub use ember_build::TARGET;

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
    /// Its guests by target: `no_std`, then std (each only if it has any).
    pub groups: Vec<Group>,
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
        let groups = ember_build::groups(&dir, &metadata)?;
        let mut guests = Vec::new();
        for package in metadata.workspace_packages() {
            // Packages without binaries are in no group when it is split.
            let Some(group) = groups.iter().find(|g| g.has(&package.name)) else {
                continue;
            };
            let out = group.elf_dir(&dir);
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
            groups,
        })
    }

    /// Where the ELFs of its first group (the only one in Ember's examples
    /// workspaces) are.
    pub fn elf_dir(&self) -> PathBuf {
        self.groups
            .first()
            .map_or_else(|| self.dir.join("target"), |g| g.elf_dir(&self.dir))
    }

    /// `cargo SUBCOMMAND --release` for each group of guests in this
    /// workspace, with the target, toolchain, flags and environment of guest
    /// builds; for std guests, after installing the pinned nightly if it is
    /// missing.
    pub fn cargo(&self, subcommand: &str) -> Result<Vec<Command>> {
        self.groups
            .iter()
            .map(|group| {
                if group.std_toolchain.is_none() {
                    ensure_target()?;
                }
                group.cargo(&self.dir, subcommand, &root())
            })
            .collect()
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
        for (mut cmd, group) in self.cargo("build")?.into_iter().zip(&self.groups) {
            run(
                &format!(
                    "building guests in {} for {}",
                    self.dir.display(),
                    group.target()
                ),
                &mut cmd,
            )?;
        }
        Ok(())
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
