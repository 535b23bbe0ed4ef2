//! Ships the linker script: copies `ember.ld` where the final link of any
//! guest depending on this crate will find it (`-C link-arg=-Tember.ld`,
//! which `cargo xtask build` passes).

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("ember.ld"), include_bytes!("ember.ld")).expect("write ember.ld");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=ember.ld");
}
