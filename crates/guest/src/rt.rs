//! The runtime around `main`: the panic handler, the global allocator, and
//! what `main`'s return value means.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::fmt::{self, Write};
#[cfg(not(ember_std))]
use core::panic::PanicInfo;

#[cfg(not(ember_linux_user))]
use ember_abi::memory::SYSTEM_START;

use crate::syscall;

/// What `main` may return: `()`, an exit code, or a `Result` (an `Err` is
/// printed to stderr and exits with 1).
pub trait Termination {
    /// The exit code to HALT with.
    fn exit_code(self) -> u32;
}

impl Termination for () {
    fn exit_code(self) -> u32 {
        0
    }
}

impl Termination for u32 {
    fn exit_code(self) -> u32 {
        self
    }
}

impl<E: fmt::Debug> Termination for Result<(), E> {
    fn exit_code(self) -> u32 {
        match self {
            Ok(()) => 0,
            Err(e) => {
                crate::env::_print(ember_abi::fd::STDERR, format_args!("Error: {e:?}\n"));
                1
            }
        }
    }
}

/// Ends the guest with `main`'s result. Called by `entry!`.
pub fn finish(result: impl Termination) -> ! {
    syscall::halt(result.exit_code())
}

/// A fixed buffer that formatting fills and silently truncates: the panic
/// handler must work when the heap is exhausted.
pub(crate) struct StackBuf {
    bytes: [u8; 1024],
    len: usize,
}

impl StackBuf {
    /// An empty buffer.
    pub(crate) const fn new() -> StackBuf {
        StackBuf {
            bytes: [0; 1024],
            len: 0,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // The buffer holds whole UTF-8 characters only (see write_str).
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("panic")
    }
}

impl Write for StackBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut take = s.len().min(self.bytes.len() - self.len);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

// (std guests: std's panic machinery, with the hook `sys::start` installs.)
#[cfg(not(ember_std))]
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    let mut buf = StackBuf::new();
    let _ = write!(buf, "{info}");
    syscall::panic(buf.as_str())
}

#[cfg(not(ember_linux_user))]
unsafe extern "C" {
    /// End of the image, from `ember.ld`.
    static __ember_heap_start: u8;
}

/// A bump allocator from the image end to the system region. Memory is
/// never reused, so it is always zero when handed out (guest memory starts
/// zero); the latest block grows in place.
struct BumpAllocator {
    next: Cell<usize>,
}

// SAFETY: an Ember guest has one hart, no threads and no interrupts, so the
// cell is never accessed concurrently.
unsafe impl Sync for BumpAllocator {}

#[global_allocator]
static HEAP: BumpAllocator = BumpAllocator { next: Cell::new(0) };

/// `size` fresh, zeroed bytes aligned to `align` from the global heap (std
/// guests' `sys_alloc_*` share it with `alloc`).
#[cfg(ember_std)]
pub(crate) fn alloc_from_heap(size: usize, align: usize) -> *mut u8 {
    let Ok(layout) = Layout::from_size_align(size, align) else {
        let mut buf = StackBuf::new();
        let _ = write!(
            buf,
            "sys_alloc_aligned: alignment {align} is not a power of two"
        );
        syscall::panic(buf.as_str())
    };
    // SAFETY: a layout of any size is valid for the bump allocator, which
    // never returns null (it stops the guest when the heap is full).
    unsafe { HEAP.alloc(layout) }
}

/// Stops the guest as panicked: a message without the allocator's own
/// source location, which would tell the user nothing.
fn out_of_memory(layout: Layout, next: usize) -> ! {
    let mut buf = StackBuf::new();
    let _ = write!(
        buf,
        "out of memory: cannot allocate {} bytes ({} bytes of heap in use)",
        layout.size(),
        next.saturating_sub(heap_start())
    );
    syscall::panic(buf.as_str())
}

/// Where the heap starts: the image end (from the linker script).
#[cfg(not(ember_linux_user))]
fn heap_start() -> usize {
    // Only the symbol's address is taken; the symbol is never read.
    &raw const __ember_heap_start as usize
}

/// Where the heap ends: the system region.
#[cfg(not(ember_linux_user))]
fn heap_end() -> usize {
    SYSTEM_START as usize
}

/// Linux benchmark build: a 512 MiB anonymous mapping, made on first use.
#[cfg(ember_linux_user)]
fn heap_start() -> usize {
    static START: HeapCell = HeapCell(Cell::new(0));
    if START.0.get() == 0 {
        START.0.set(syscall::map_heap(LINUX_HEAP));
    }
    START.0.get()
}

#[cfg(ember_linux_user)]
const LINUX_HEAP: usize = 512 << 20;

#[cfg(ember_linux_user)]
fn heap_end() -> usize {
    heap_start() + LINUX_HEAP
}

#[cfg(ember_linux_user)]
struct HeapCell(Cell<usize>);

// SAFETY: single-threaded, as for the allocator.
#[cfg(ember_linux_user)]
unsafe impl Sync for HeapCell {}

// SAFETY: every block handed out is fresh (never handed out before), aligned
// as asked, and lies between the image end and the system region.
unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let next = match self.next.get() {
            0 => heap_start(),
            n => n,
        };
        let start = next.checked_next_multiple_of(layout.align());
        let end = start.and_then(|s| s.checked_add(layout.size()));
        match (start, end) {
            (Some(start), Some(end)) if end <= heap_end() => {
                self.next.set(end);
                start as *mut u8
            }
            _ => out_of_memory(layout, next),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract; fresh heap memory is already zero.
        unsafe { self.alloc(layout) }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {
        // A bump heap never reuses memory: that keeps `alloc_zeroed` free.
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size <= layout.size() {
            // Shrinking: keep the block; its tail is never handed out again.
            return ptr;
        }
        // The latest block grows in place: vectors that keep growing stay cheap.
        if ptr as usize + layout.size() == self.next.get() {
            match (ptr as usize).checked_add(new_size) {
                Some(end) if end <= heap_end() => {
                    self.next.set(end);
                    return ptr;
                }
                _ => out_of_memory(layout, self.next.get()),
            }
        }
        // SAFETY: the caller's contract for realloc covers alloc and copy.
        unsafe {
            let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            new
        }
    }
}

/// getrandom's custom backend (getrandom 0.3 and 0.4 call this symbol when
/// built with `--cfg getrandom_backend="custom"`, which `cargo xtask build`
/// passes). A zkVM guest has no entropy, and "random" bytes made up here
/// would be the same on every run: so it stops the guest and says what to
/// do instead. It never returns, so the error type is never produced.
#[unsafe(no_mangle)]
extern "Rust" fn __getrandom_v03_custom(_dest: *mut u8, len: usize) -> Result<(), core::num::NonZeroU32> {
    let mut buf = StackBuf::new();
    let _ = write!(
        buf,
        "getrandom: an Ember guest has no source of entropy ({len} random bytes were asked for). \
         A zkVM run must be reproducible: have the host pass random bytes as input \
         (Executor::write) and read them with ember_guest::env::read, or use a \
         deterministic algorithm (e.g. RFC 6979 nonces for signatures)."
    );
    syscall::panic(buf.as_str())
}
