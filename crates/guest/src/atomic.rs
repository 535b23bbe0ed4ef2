//! The `__atomic_*` library calls of std guests. `riscv32im-risc0-zkvm-elf`
//! promises atomics up to 64 bits but RV32IM has no atomic instructions, so
//! LLVM calls these functions (libatomic's ABI) for every atomic operation
//! std makes. An Ember guest runs on one hart, with no threads and no
//! interrupts: a plain read-modify-write is atomic, and the memory-order
//! arguments have nothing to order.
//!
//! One macro line per width defines the nine calls LLVM emits for it; the
//! bodies are the plain operations.

macro_rules! atomics {
    ($t:ty: $load:ident $store:ident $exchange:ident $compare_exchange:ident
     $fetch_add:ident $fetch_sub:ident $fetch_and:ident $fetch_or:ident $fetch_xor:ident
     $fetch_nand:ident) => {
        /// Atomic load (a plain load: one hart).
        ///
        /// # Safety
        /// `ptr` is valid and aligned.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $load(ptr: *const $t, _order: i32) -> $t {
            // SAFETY: the caller gives a valid, aligned pointer.
            unsafe { ptr.read_volatile() }
        }

        /// Atomic store.
        ///
        /// # Safety
        /// `ptr` is valid and aligned.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $store(ptr: *mut $t, value: $t, _order: i32) {
            // SAFETY: the caller gives a valid, aligned pointer.
            unsafe { ptr.write_volatile(value) }
        }

        /// Atomic swap: stores `value`, returns the old value.
        ///
        /// # Safety
        /// `ptr` is valid and aligned.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $exchange(ptr: *mut $t, value: $t, _order: i32) -> $t {
            // SAFETY: the caller gives a valid, aligned pointer.
            unsafe {
                let old = ptr.read_volatile();
                ptr.write_volatile(value);
                old
            }
        }

        /// Atomic compare-and-swap: if `*ptr == *expected`, stores `desired`
        /// and returns true; otherwise writes `*ptr` to `*expected` and
        /// returns false.
        ///
        /// # Safety
        /// `ptr` and `expected` are valid and aligned.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $compare_exchange(
            ptr: *mut $t,
            expected: *mut $t,
            desired: $t,
            _success: i32,
            _failure: i32,
        ) -> bool {
            // SAFETY: the caller gives valid, aligned pointers.
            unsafe {
                let current = ptr.read_volatile();
                if current == expected.read() {
                    ptr.write_volatile(desired);
                    true
                } else {
                    expected.write(current);
                    false
                }
            }
        }

        atomics!(@rmw $t, $fetch_add, |a: $t, b: $t| a.wrapping_add(b));
        atomics!(@rmw $t, $fetch_sub, |a: $t, b: $t| a.wrapping_sub(b));
        atomics!(@rmw $t, $fetch_and, |a: $t, b: $t| a & b);
        atomics!(@rmw $t, $fetch_or, |a: $t, b: $t| a | b);
        atomics!(@rmw $t, $fetch_xor, |a: $t, b: $t| a ^ b);
        atomics!(@rmw $t, $fetch_nand, |a: $t, b: $t| !(a & b));
    };
    (@rmw $t:ty, $name:ident, $op:expr) => {
        /// Atomic read-modify-write: returns the old value.
        ///
        /// # Safety
        /// `ptr` is valid and aligned.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn $name(ptr: *mut $t, value: $t, _order: i32) -> $t {
            // SAFETY: the caller gives a valid, aligned pointer.
            unsafe {
                let old = ptr.read_volatile();
                ptr.write_volatile($op(old, value));
                old
            }
        }
    };
}

atomics!(u8: __atomic_load_1 __atomic_store_1 __atomic_exchange_1 __atomic_compare_exchange_1
    __atomic_fetch_add_1 __atomic_fetch_sub_1 __atomic_fetch_and_1 __atomic_fetch_or_1
    __atomic_fetch_xor_1 __atomic_fetch_nand_1);
atomics!(u16: __atomic_load_2 __atomic_store_2 __atomic_exchange_2 __atomic_compare_exchange_2
    __atomic_fetch_add_2 __atomic_fetch_sub_2 __atomic_fetch_and_2 __atomic_fetch_or_2
    __atomic_fetch_xor_2 __atomic_fetch_nand_2);
atomics!(u32: __atomic_load_4 __atomic_store_4 __atomic_exchange_4 __atomic_compare_exchange_4
    __atomic_fetch_add_4 __atomic_fetch_sub_4 __atomic_fetch_and_4 __atomic_fetch_or_4
    __atomic_fetch_xor_4 __atomic_fetch_nand_4);
atomics!(u64: __atomic_load_8 __atomic_store_8 __atomic_exchange_8 __atomic_compare_exchange_8
    __atomic_fetch_add_8 __atomic_fetch_sub_8 __atomic_fetch_and_8 __atomic_fetch_or_8
    __atomic_fetch_xor_8 __atomic_fetch_nand_8);
