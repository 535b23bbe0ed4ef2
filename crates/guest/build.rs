//! Ships the linker script: copies `ember.ld` where the final link of any
//! guest depending on this crate will find it (`-C link-arg=-Tember.ld`,
//! which `cargo xtask build` passes). Sets `ember_std` when the `std`
//! feature is on and the target is the std target (`riscv32im-risc0-zkvm-elf`):
//! only then is the crate built with std (see the guards in lib.rs).

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("ember.ld"), include_bytes!("ember.ld")).expect("write ember.ld");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=ember.ld");
    let std = std::env::var_os("CARGO_FEATURE_STD").is_some();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if std && os == "zkvm" {
        println!("cargo:rustc-cfg=ember_std");
    }
}
