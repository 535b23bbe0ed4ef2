//! The std flavour: the `sys_*` functions Rust's std calls on
//! `target_os = "zkvm"` (their declarations are in the pinned nightly's
//! `library/std/src/sys/pal/zkvm/abi.rs`), on Ember's ECALLs, and the start
//! of a std guest. `docs/abi.md` documents each one.
//!
//! Determinism comes first: nothing here depends on anything but the
//! program and its input, so the same input gives the same claim.

use core::cell::Cell;
use core::fmt::Write as _;

use ember_abi::fd;

use crate::rt::{StackBuf, alloc_from_heap};
use crate::sha256::Block;
use crate::syscall;

unsafe extern "C" {
    /// The C `main` rustc generates around the program's `fn main` (it runs
    /// std's `lang_start`: `main`, then `Termination::report`, then std's
    /// cleanup, which flushes stdout).
    fn main(argc: isize, argv: *const *const u8) -> isize;
}

/// Called by `_start`: installs the panic hook, runs the program's `main`
/// and halts with its exit code.
pub(crate) extern "C" fn start() -> ! {
    // std guests build with panic=abort: std's default hook would print to
    // stderr and then abort (an illegal instruction). This hook hands the
    // message and location to the host through PANIC instead, formatted on
    // the stack so that it works with the heap exhausted.
    std::panic::set_hook(Box::new(|info| {
        let mut buf = StackBuf::new();
        let _ = write!(buf, "{info}");
        syscall::panic(buf.as_str())
    }));
    // SAFETY: `main` is the program's C entry point; argc 0 and a null argv
    // are what sys_argc says (std reads its arguments through sys_argc and
    // sys_argv, not these).
    let code = unsafe { main(0, core::ptr::null()) };
    // std's exit codes are 0..=255 (ExitCode is a u8).
    syscall::halt(code as u32)
}

/// `sys_halt()`: HALT with exit code 0. (std declares it and never calls it:
/// a std guest ends by returning from `main`.)
#[unsafe(no_mangle)]
extern "C" fn sys_halt() -> ! {
    syscall::halt(0)
}

/// `sys_output(id, value)`: RISC Zero's, with no meaning on Ember; stops the
/// guest saying so.
#[unsafe(no_mangle)]
extern "C" fn sys_output(_output_id: u32, _output_value: u32) -> ! {
    syscall::panic("sys_output is not supported on Ember: commit to the journal instead")
}

/// `sys_read(fd, buf, n)`: READ until `n` bytes or the end of the input;
/// returns the count (0 at the end). Only fd 0 (stdin, the input) exists.
///
/// # Safety
/// `buf` is valid for `n` bytes of writes.
#[unsafe(no_mangle)]
unsafe extern "C" fn sys_read(fd: u32, buf: *mut u8, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // SAFETY: the caller gives `n` writable bytes at `buf` (n > 0, so `buf`
    // is a real pointer).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, n) };
    let mut done = 0;
    while done < n {
        let got = syscall::read(fd, &mut buf[done..]);
        if got == 0 {
            break;
        }
        done += got;
    }
    done
}

/// `sys_write(fd, buf, n)`: WRITE to stdout (1), stderr (2) or the journal (3).
///
/// # Safety
/// `buf` is valid for `n` bytes of reads.
#[unsafe(no_mangle)]
unsafe extern "C" fn sys_write(fd: u32, buf: *const u8, n: usize) {
    // SAFETY: the caller gives `n` readable bytes at `buf`.
    syscall::write(fd, unsafe { raw_bytes(buf, n) });
}

/// `sys_log(msg, len)`: the message and a newline to stderr.
///
/// # Safety
/// `msg` is valid for `len` bytes of reads.
#[unsafe(no_mangle)]
unsafe extern "C" fn sys_log(msg: *const u8, len: usize) {
    // SAFETY: the caller gives `len` readable bytes at `msg`.
    syscall::write(fd::STDERR, unsafe { raw_bytes(msg, len) });
    syscall::write(fd::STDERR, b"\n");
}

/// `sys_panic(msg, len)`: PANIC with the message.
///
/// # Safety
/// `msg` is valid for `len` bytes of reads.
#[unsafe(no_mangle)]
unsafe extern "C" fn sys_panic(msg: *const u8, len: usize) -> ! {
    // SAFETY: the caller gives `len` readable bytes at `msg`.
    syscall::panic_bytes(unsafe { raw_bytes(msg, len) })
}

/// `sys_cycle_count()`: CYCLE_COUNT's low word (std's signature returns a
/// `usize`; `ember_guest::env::cycle_count` has all 64 bits).
#[unsafe(no_mangle)]
extern "C" fn sys_cycle_count() -> usize {
    syscall::cycle_count() as usize
}

/// The state of `sys_rand`'s sequence.
struct RandState(Cell<u64>);

// SAFETY: one hart, no threads, no interrupts: never accessed concurrently.
unsafe impl Sync for RandState {}

static RAND: RandState = RandState(Cell::new(0));

/// `sys_rand(buf, words)`: NOT randomness. Fills `words` words with the next
/// words of a fixed sequence (SplitMix64 from 0), the same on every run: std
/// seeds `HashMap`'s hasher with it, so iteration orders are reproducible
/// and the same input gives the same claim. Crates that want entropy ask
/// getrandom, which stops the guest with an explanation.
///
/// # Safety
/// `buf` is valid for `words` 4-aligned words of writes.
#[unsafe(no_mangle)]
unsafe extern "C" fn sys_rand(buf: *mut u32, words: usize) {
    for i in 0..words {
        let z = RAND.0.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        RAND.0.set(z);
        let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        // SAFETY: i < words, within the caller's buffer.
        unsafe { buf.add(i).write(((z ^ (z >> 31)) >> 32) as u32) };
    }
}

/// `sys_getenv(buf, words, name, name_len)`: a guest has no environment
/// (it would be input the claim does not commit to): every variable is
/// unset (`usize::MAX`).
#[unsafe(no_mangle)]
extern "C" fn sys_getenv(
    _buf: *mut u32,
    _words: usize,
    _name: *const u8,
    _name_len: usize,
) -> usize {
    usize::MAX
}

/// `sys_argc()`: a guest has no command line (its input is stdin): 0.
#[unsafe(no_mangle)]
extern "C" fn sys_argc() -> usize {
    0
}

/// `sys_argv(buf, words, index)`: there is no argument `index` (sys_argc is
/// 0), so it stops the guest saying so.
#[unsafe(no_mangle)]
extern "C" fn sys_argv(_buf: *mut u32, _words: usize, index: usize) -> usize {
    let mut msg = StackBuf::new();
    let _ = write!(
        msg,
        "sys_argv: there is no argument {index}: an Ember guest has no command line (pass input instead)"
    );
    syscall::panic(msg.as_str())
}

/// `sys_alloc_words(nwords)`: `nwords` zeroed words from the runtime's heap.
#[unsafe(no_mangle)]
extern "C" fn sys_alloc_words(nwords: usize) -> *mut u32 {
    match nwords.checked_mul(4) {
        Some(bytes) => alloc_from_heap(bytes, 4).cast(),
        None => syscall::panic("sys_alloc_words: the size overflows the address space"),
    }
}

/// `sys_alloc_aligned(bytes, align)`: `bytes` zeroed bytes aligned to
/// `align` from the runtime's heap (std's `System` allocator passes a byte
/// count, whatever the declaration's parameter name says).
#[unsafe(no_mangle)]
extern "C" fn sys_alloc_aligned(bytes: usize, align: usize) -> *mut u8 {
    alloc_from_heap(bytes, align)
}

/// `sys_sha_compress(out_state, in_state, block1, block2)`: one SHA-256
/// compression of the 64-byte block `block1 || block2` (32 bytes each) on the
/// accelerator. States are 32 bytes in digest order (each word holds four
/// bytes of the big-endian chaining value, as RISC Zero's runtime keeps
/// them): the final state's bytes are the digest. `out_state` may be
/// `in_state`.
///
/// # Safety
/// Each pointer is valid for 32 bytes (reads, or writes for `out_state`)
/// and 4-aligned.
#[unsafe(no_mangle)]
unsafe extern "C" fn sys_sha_compress(
    out_state: *mut [u32; 8],
    in_state: *const [u32; 8],
    block1: *const [u32; 8],
    block2: *const [u32; 8],
) {
    let mut block = Block([0; 64]);
    // SAFETY: the caller gives 32 readable bytes at each block pointer.
    block.0[..32].copy_from_slice(unsafe { raw_bytes(block1.cast(), 32) });
    // SAFETY: as above.
    block.0[32..].copy_from_slice(unsafe { raw_bytes(block2.cast(), 32) });
    // SAFETY: the caller gives a readable, aligned state.
    let mut state = unsafe { in_state.read() }.map(u32::from_be);
    syscall::sha256_compress(&mut state, core::slice::from_ref(&block));
    // SAFETY: the caller gives a writable, aligned state.
    unsafe { out_state.write(state.map(u32::to_be)) };
}

/// `sys_sha_buffer(out_state, in_state, buf, count)`: SHA-256 compressions of
/// `count` 64-byte blocks at `buf` (any alignment), states as for
/// [`sys_sha_compress`].
///
/// # Safety
/// `buf` is valid for `64 * count` bytes of reads; the states as for
/// `sys_sha_compress`.
#[unsafe(no_mangle)]
unsafe extern "C" fn sys_sha_buffer(
    out_state: *mut [u32; 8],
    in_state: *const [u32; 8],
    buf: *const u8,
    count: u32,
) {
    let Some(len) = (count as usize).checked_mul(64) else {
        syscall::panic("sys_sha_buffer: the length overflows the address space")
    };
    // SAFETY: the caller gives a readable, aligned state.
    let mut state = unsafe { in_state.read() }.map(u32::from_be);
    // Blocks are copied to 4-aligned buffers, 16 to an ECALL.
    let mut batch = [Block([0; 64]); 16];
    // SAFETY: the caller gives `64 * count` readable bytes at `buf`.
    let bytes = unsafe { raw_bytes(buf, len) };
    for chunk in bytes.chunks(64 * batch.len()) {
        let n = chunk.len() / 64;
        for (block, bytes) in batch.iter_mut().zip(chunk.chunks_exact(64)) {
            block.0.copy_from_slice(bytes);
        }
        syscall::sha256_compress(&mut state, &batch[..n]);
    }
    // SAFETY: the caller gives a writable, aligned state.
    unsafe { out_state.write(state.map(u32::to_be)) };
}

/// The `n` bytes at `ptr`, as the C-style `sys_*` functions receive them
/// (`ptr` may be null or dangling when `n` is 0).
///
/// # Safety
/// If `n > 0`, `ptr` is valid for `n` bytes of reads for `'a`.
unsafe fn raw_bytes<'a>(ptr: *const u8, n: usize) -> &'a [u8] {
    if n == 0 {
        return &[];
    }
    // SAFETY: the caller's contract.
    unsafe { core::slice::from_raw_parts(ptr, n) }
}
