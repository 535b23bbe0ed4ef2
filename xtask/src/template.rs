//! `cargo xtask new NAME`: a stand-alone project with a host program and
//! its guest, the way `cargo risczero new` makes one:
//!
//! ```text
//! NAME/
//!   Cargo.toml            workspace: host, methods (default member: host)
//!   rust-toolchain.toml   Ember's toolchain and the guest target
//!   host/src/main.rs      loads NAME_ELF, writes typed input, runs, decodes the journal
//!   methods/build.rs      ember_build::embed_methods("guest")
//!   methods/src/lib.rs    NAME_ELF and NAME_ID, generated
//!   methods/guest/        the guest: its own workspace, reaching Ember through .ember
//! ```
//!
//! Ember's crates have no registry: the host side depends on them by path
//! (this checkout's), and the guest reaches them through a `.ember` link
//! inside its workspace, as `guest-examples` does (its image ID then does
//! not depend on where the project is).

use std::path::Path;

use crate::{Result, root};

/// The files of a guest that reads a u32, prints it and commits its
/// double; `std` makes it a std guest.
pub fn guest_main(name: &str, std: bool) -> String {
    if std {
        format!(
            "//! {name}: an Ember std guest: std's collections, strings, `std::io`\n\
             //! (stdin is the input) and `println!` all work.\n\n\
             fn main() {{\n    \
             // The host writes typed values (here, the u32 10).\n    \
             let n: u32 = ember_guest::env::read();\n    \
             println!(\"{name} got {{n}}\");\n    \
             // The journal is the public output the claim commits to.\n    \
             ember_guest::env::commit(&(n * 2));\n}}\n"
        )
    } else {
        format!(
            "//! {name}: an Ember guest.\n#![no_std]\n#![no_main]\n\n\
             ember_guest::entry!(main);\n\n\
             fn main() {{\n    \
             // The host writes typed values (here, the u32 10).\n    \
             let n: u32 = ember_guest::env::read();\n    \
             ember_guest::println!(\"{name} got {{n}}\");\n    \
             // The journal is the public output the claim commits to.\n    \
             ember_guest::env::commit(&(n * 2));\n}}\n"
        )
    }
}

/// The manifest of a stand-alone guest workspace (its own `[workspace]`);
/// `ember` is the path of Ember's `crates` as the guest sees it.
pub fn standalone_guest_manifest(name: &str, ember: &str, std: bool, input: bool) -> String {
    let features = if std { ", features = [\"std\"]" } else { "" };
    let metadata = if input {
        "[package.metadata.ember]\ninput = \"input.bin\"\n\n"
    } else {
        ""
    };
    let workspace = if std {
        "# ember-guest's `std` feature makes this a std guest: it builds for\n\
         # riscv32im-risc0-zkvm-elf with the nightly of rust-toolchain.toml and\n\
         # std from rust-src.\n\
         [workspace]\n"
    } else {
        "[workspace]\n"
    };
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         {metadata}[dependencies]\nember-guest = {{ path = \"{ember}/guest\"{features} }}\n\n\
         # A guest is its own workspace, built for riscv32im.\n{workspace}\n\
         [profile.release]\nlto = \"fat\"\ncodegen-units = 1\ndebug = \"line-tables-only\"\npanic = \"abort\"\n\n\
         [profile.dev]\npanic = \"abort\"\n"
    )
}

/// The std guests' pinned toolchain file (guest-examples/std's).
pub fn std_toolchain_file() -> Result<String> {
    let file = root().join("guest-examples/std/rust-toolchain.toml");
    std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// Creates the project `dir` (named `name`).
pub fn new_project(name: &str, dir: &Path, std: bool) -> Result {
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()));
    }
    let crates = root().join("crates");
    let write = |file: &str, text: &[u8]| -> Result {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let constant = name.to_uppercase().replace('-', "_");
    let methods = format!("{name}-methods");
    let methods_crate = methods.replace('-', "_");

    write(
        "Cargo.toml",
        b"# The host program and the crate that embeds the guest. The guest\n\
          # (methods/guest) is its own workspace, built for riscv32im by\n\
          # methods/build.rs.\n\
          [workspace]\nresolver = \"2\"\nmembers = [\"host\", \"methods\"]\n\
          default-members = [\"host\"]\nexclude = [\"methods/guest\"]\n",
    )?;
    let toolchain = std::fs::read(root().join("rust-toolchain.toml"))
        .map_err(|e| format!("cannot read Ember's rust-toolchain.toml: {e}"))?;
    write("rust-toolchain.toml", &toolchain)?;
    write(".gitignore", b"/target\n/methods/guest/target\n")?;
    // The same versions of every dependency as Ember itself was tested with.
    if let Ok(lock) = std::fs::read(root().join("Cargo.lock")) {
        write("Cargo.lock", &lock)?;
    }

    write(
        "host/Cargo.toml",
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n\
             # Ember's crates, from the checkout this project was made from.\n\
             ember-host = {{ path = \"{host}\" }}\n\
             {methods} = {{ path = \"../methods\" }}\n",
            host = crates.join("host").display(),
        )
        .as_bytes(),
    )?;
    write(
        "host/src/main.rs",
        format!(
            "//! {name}'s host: runs the guest with typed input and reads its journal.\n\n\
             use std::process::ExitCode;\n\n\
             use {methods_crate}::{{{constant}_ELF, {constant}_ID}};\n\n\
             fn main() -> ExitCode {{\n    \
             match run() {{\n        \
             Ok(()) => ExitCode::SUCCESS,\n        \
             Err(e) => {{\n            \
             // The library's own words, e.g. `error: guest fault: ... at pc 0x00400124`.\n            \
             eprintln!(\"error: {{e}}\");\n            \
             ExitCode::FAILURE\n        \
             }}\n    \
             }}\n\
             }}\n\n\
             fn run() -> Result<(), ember_host::Error> {{\n    \
             // The guest's ELF and image ID, embedded at build time by methods/build.rs.\n    \
             let program = ember_host::Program::load({constant}_ELF)?;\n    \
             assert_eq!(program.image_id().0, {constant}_ID);\n\n    \
             // Typed input (the guest reads it with env::read); the guest's\n    \
             // own output streams to stdout.\n    \
             let session = ember_host::Executor::new(&program).write(&10u32)?.run()?;\n\n    \
             // The journal: what the guest committed, which the claim commits to.\n    \
             let doubled: u32 = session.journal.decode()?;\n    \
             println!(\"the guest committed {{doubled}} in {{}} cycles\", session.cycles);\n    \
             println!(\"image ID     {{}}\", program.image_id());\n    \
             println!(\"claim digest {{}}\", session.claim_digest);\n    \
             Ok(())\n}}\n"
        )
        .as_bytes(),
    )?;

    write(
        "methods/Cargo.toml",
        format!(
            "[package]\nname = \"{methods}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [build-dependencies]\nember-build = {{ path = \"{build}\" }}\n",
            build = crates.join("build").display(),
        )
        .as_bytes(),
    )?;
    write(
        "methods/build.rs",
        b"//! Builds the guest (methods/guest) and generates its ELF and image ID constants.\n\n\
          fn main() {\n    ember_build::embed_methods(\"guest\");\n}\n",
    )?;
    write(
        "methods/src/lib.rs",
        format!(
            "//! The guest, built by build.rs: `{constant}_ELF` (its ELF) and `{constant}_ID`\n\
             //! (its image ID).\n\n\
             include!(concat!(env!(\"OUT_DIR\"), \"/methods.rs\"));\n"
        )
        .as_bytes(),
    )?;

    write(
        "methods/guest/Cargo.toml",
        standalone_guest_manifest(name, ".ember", std, false).as_bytes(),
    )?;
    write(
        "methods/guest/src/main.rs",
        guest_main(name, std).as_bytes(),
    )?;
    if std {
        write(
            "methods/guest/rust-toolchain.toml",
            std_toolchain_file()?.as_bytes(),
        )?;
    }
    // Ember's crates inside the guest's workspace (see the module doc).
    let link = dir.join("methods/guest/.ember");
    std::os::unix::fs::symlink(&crates, &link)
        .map_err(|e| format!("cannot link {}: {e}", link.display()))?;

    println!(
        "created {}\nrun it with: cd {} && cargo run --release",
        dir.display(),
        dir.display()
    );
    Ok(())
}
