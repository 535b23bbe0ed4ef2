//! Ember core's integration tests, one binary (see ARCHITECTURE.md).

mod commitments;
mod common;
mod decode;
mod differential_qemu;
mod differential_rrs;
mod differential_run;
mod ecalls;
mod elf_loader;
mod faults;
mod instructions;
