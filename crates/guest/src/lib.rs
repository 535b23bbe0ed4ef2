//! Ember's guest runtime: everything a Rust program needs to run on Ember.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! ember_guest::entry!(main);
//!
//! fn main() {
//!     let n: u32 = ember_guest::env::read();
//!     ember_guest::println!("got {n}");
//!     ember_guest::env::commit(&(n * 2));
//! }
//! ```
//!
//! - [`entry!`] defines the program's start: `_start` sets `gp` and `sp`,
//!   runs `main`, and halts with its result ([`Termination`]).
//! - [`env`]: typed input, the journal, stdout/stderr, cycles, exit.
//! - [`sha256`]: SHA-256 on the accelerator; [`keccak`]: Keccak-f\[1600\]
//!   and Keccak-256 on the accelerator, with the `native_keccak256` symbol
//!   that `alloy-primitives`' `native-keccak` feature calls.
//! - A panic handler (message and `file:line` reach the host), and a bump
//!   allocator over the heap that panics with "out of memory" when full.
//! - The linker script `ember.ld`, applied by `cargo xtask build`.
//!
//! Build guests with `cargo xtask build` for `riscv32im-unknown-none-elf`.
//!
//! With the `std` feature, guests are ordinary `std` programs (a plain
//! `fn main`, `HashMap`, `std::io`, `println!`) for `riscv32im-risc0-zkvm-elf`:
//! this crate then provides the `sys_*` functions Rust's std calls on
//! `target_os = "zkvm"` (see `docs/abi.md`) and starts `main`. A std guest
//! must use something of this crate, or `use ember_guest as _;`, so that it
//! is linked.
// `ember_std` (set by build.rs): the `std` feature on the std target. On any
// other target the crate stays `no_std`, so that the guard below is the only
// error a wrong build gives (not `can't find crate for std` and forty more).
#![cfg_attr(not(ember_std), no_std)]

#[cfg(all(
    not(feature = "std"),
    not(all(target_arch = "riscv32", target_os = "none"))
))]
compile_error!(
    "ember-guest builds only for riscv32im-unknown-none-elf: build guests with `cargo xtask build` \
     (or ember_build::embed_methods), which passes the target, the linker script and the flags"
);
#[cfg(all(feature = "std", not(all(target_arch = "riscv32", target_os = "zkvm"))))]
compile_error!(
    "ember-guest's `std` feature is on, so this is a std guest, which builds only for \
     riscv32im-risc0-zkvm-elf, with a nightly toolchain and -Zbuild-std: build it with \
     `cargo xtask build` (or ember_build::embed_methods), which chooses the target, the pinned \
     nightly and std from rust-src from that feature"
);

extern crate alloc;

#[cfg(ember_std)]
mod atomic;
pub mod env;
pub mod keccak;
mod rt;
pub mod sha256;
#[cfg(ember_std)]
mod sys;
mod syscall;

pub use ember_abi as abi;
pub use rt::Termination;

#[doc(hidden)]
pub mod __private {
    pub use crate::rt::finish;
}

/// Declares the guest's `main`, which may return `()`, a `u32` exit code or
/// a `Result<(), E: Debug>`. (`no_std` guests only: a std guest has an
/// ordinary `fn main`.)
#[cfg(not(ember_std))]
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        extern "C" fn __ember_main() -> ! {
            $crate::__private::finish($main())
        }
    };
}

/// A std guest has an ordinary `fn main`: `entry!` says so.
#[cfg(ember_std)]
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        compile_error!(
            "ember-guest's `std` feature is on, so this is a std guest: it has an ordinary \
             `fn main`. Remove `#![no_std]`, `#![no_main]` and `ember_guest::entry!`, or drop \
             the `std` feature to keep a no_std guest"
        );
    };
}

/// Prints to the guest's stdout. Like all four print macros, it formats
/// into a stack buffer and allocates nothing.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::env::_print($crate::abi::fd::STDOUT, format_args!($($arg)*))
    };
}

/// Prints a line to the guest's stdout.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => {
        $crate::env::_print($crate::abi::fd::STDOUT, format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Prints to the guest's stderr.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::env::_print($crate::abi::fd::STDERR, format_args!($($arg)*))
    };
}

/// Prints a line to the guest's stderr.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::eprint!("\n") };
    ($($arg:tt)*) => {
        $crate::env::_print($crate::abi::fd::STDERR, format_args!("{}\n", format_args!($($arg)*)))
    };
}
