//! The guest's view of its environment: typed input, the journal, output,
//! cycles and exit. Typed values use the frame format of `ember_abi::frame`
//! (u32 LE length + postcard bytes), as the host's `Executor::write` and
//! `Journal::decode` do.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::mem::MaybeUninit;

use ember_abi::{fd, frame};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::syscall;

/// Reads exactly `buf.len()` input bytes, or panics saying what was expected.
fn read_exact(buf: &mut [u8], what: &str) {
    let mut done = 0;
    while done < buf.len() {
        let n = syscall::read(fd::INPUT, &mut buf[done..]);
        if n == 0 {
            panic!(
                "env::read: the input ended after {done} of the {} bytes of {what}",
                buf.len()
            );
        }
        done += n;
    }
}

/// Reads one value the host wrote with `Executor::write`. Panics, with a
/// message saying why, if the input ends early or does not decode as `T`.
pub fn read<T: DeserializeOwned>() -> T {
    let mut header = [0; frame::LEN_BYTES];
    read_exact(&mut header, "a value's length");
    let len = u32::from_le_bytes(header) as usize;
    // The header is input like any other: check it before allocating for it.
    let left = syscall::input_remaining();
    if len > left {
        panic!(
            "env::read: the frame header claims {len} bytes but only {left} bytes of input are left"
        );
    }
    let mut body = vec![0; len];
    read_exact(&mut body, "a value");
    match postcard::from_bytes(&body) {
        Ok(value) => value,
        Err(e) => panic!(
            "env::read: the input value ({len} bytes) does not decode as {}: {e}",
            core::any::type_name::<T>()
        ),
    }
}

/// Fills `buf` with raw input bytes (as many as it holds). Panics if the
/// input ends first.
pub fn read_slice<T: bytemuck::Pod>(buf: &mut [T]) {
    read_exact(bytemuck::cast_slice_mut(buf), "a slice");
}

/// Reads all remaining input bytes.
pub fn read_to_end() -> Vec<u8> {
    let mut out = vec![0; syscall::input_remaining()];
    read_exact(&mut out, "the rest of the input");
    out
}

/// Input bytes not yet read.
pub fn input_remaining() -> usize {
    syscall::input_remaining()
}

/// Commits `value` to the journal, framed; the host reads it back with
/// `Journal::decode`.
pub fn commit<T: Serialize + ?Sized>(value: &T) {
    match postcard::to_allocvec(value) {
        Ok(body) => commit_slice(&body),
        Err(e) => panic!("env::commit: cannot encode the value: {e}"),
    }
}

/// Commits raw bytes to the journal as one frame (length + bytes); the host
/// reads them with `JournalDecoder::read_bytes`.
pub fn commit_slice(bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).expect("a journal entry is under 4 GiB");
    syscall::write(fd::JOURNAL, &frame::header(len));
    syscall::write(fd::JOURNAL, bytes);
}

/// Cycles used so far.
pub fn cycle_count() -> u64 {
    syscall::cycle_count()
}

/// Stops the guest with `code` (0 = success).
pub fn exit(code: u32) -> ! {
    syscall::halt(code)
}

/// A `fmt::Write` to one of the guest's output streams.
pub struct Output(u32);

/// The guest's standard output.
pub fn stdout() -> Output {
    Output(fd::STDOUT)
}

/// The guest's standard error.
pub fn stderr() -> Output {
    Output(fd::STDERR)
}

impl fmt::Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        syscall::write(self.0, s.as_bytes());
        Ok(())
    }
}

impl Output {
    /// Writes raw bytes.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        syscall::write(self.0, bytes);
    }
}

/// Bytes `print!` and friends format into before a WRITE.
const PRINT_BUFFER: usize = 256;

/// Formatting into a stack buffer, handed to WRITE whenever it fills and at
/// the end: printing allocates nothing (the bump heap never frees, so a
/// `String` per call would grow memory with every line), and a call that
/// formats at most `PRINT_BUFFER` bytes is one WRITE. The buffer is left
/// uninitialised: zeroing it would cost more cycles than most lines.
struct PrintBuffer {
    to: u32,
    bytes: [MaybeUninit<u8>; PRINT_BUFFER],
    /// `bytes[..len]` are initialised.
    len: usize,
}

impl PrintBuffer {
    fn flush(&mut self) {
        if self.len > 0 {
            // SAFETY: write_str initialised `bytes[..len]`.
            let filled = unsafe { self.bytes[..self.len].assume_init_ref() };
            syscall::write(self.to, filled);
            self.len = 0;
        }
    }
}

impl fmt::Write for PrintBuffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Output streams are bytes: a character split between two WRITEs
        // arrives whole.
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            if self.len == PRINT_BUFFER {
                self.flush();
            }
            let take = rest.len().min(PRINT_BUFFER - self.len);
            self.bytes[self.len..self.len + take].write_copy_of_slice(&rest[..take]);
            self.len += take;
            rest = &rest[take..];
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print(to: u32, args: fmt::Arguments<'_>) {
    let mut out = PrintBuffer {
        to,
        bytes: [MaybeUninit::uninit(); PRINT_BUFFER],
        len: 0,
    };
    // PrintBuffer never fails; an error could only come from a Display
    // impl, and what was formatted before it is still printed.
    let _ = fmt::Write::write_fmt(&mut out, args);
    out.flush();
}
