//! Keccak on the KECCAK_PERMUTE accelerator: the permutation ([`permute`]),
//! Ethereum's Keccak-256 one-shot ([`keccak256`]) and incremental
//! ([`Keccak256`]), and the `native_keccak256` symbol through which
//! `alloy-primitives` (with its `native-keccak` feature, as revm uses it)
//! hashes on the accelerator without patching any crate. The sponge
//! (absorbing, padding, squeezing) runs here; the host only permutes.
//!
//! Keccak-256 is the original Keccak padding (`0x01 ... 0x80`), not SHA-3's
//! (`0x06`): what Ethereum calls `keccak256`.

use crate::syscall;

/// Keccak-f\[1600\] on 25 little-endian 64-bit lanes, in place: one
/// KECCAK_PERMUTE (100 cycles).
pub fn permute(state: &mut [u64; 25]) {
    syscall::keccak_permute(state);
}

/// Keccak-256's rate: 136 bytes (17 lanes) absorbed per permutation.
const RATE: usize = 136;

/// Incremental Keccak-256.
#[derive(Clone)]
pub struct Keccak256 {
    state: [u64; 25],
    pending: [u8; RATE],
    pending_len: usize,
}

impl Default for Keccak256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Keccak256 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Keccak256 {
            state: [0; 25],
            pending: [0; RATE],
            pending_len: 0,
        }
    }

    /// Absorbs `data`.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (RATE - self.pending_len).min(data.len());
            self.pending[self.pending_len..][..take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len == RATE {
                self.absorb();
            }
        }
    }

    /// XORs the pending block into the state and permutes.
    fn absorb(&mut self) {
        for (lane, chunk) in self.state.iter_mut().zip(self.pending.chunks_exact(8)) {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(chunk);
            *lane ^= u64::from_le_bytes(bytes);
        }
        permute(&mut self.state);
        self.pending_len = 0;
    }

    /// Pads, absorbs the last block and returns the 32-byte digest.
    pub fn finalize(mut self) -> [u8; 32] {
        self.pending[self.pending_len..].fill(0);
        self.pending[self.pending_len] ^= 0x01;
        self.pending[RATE - 1] ^= 0x80;
        self.absorb();
        let mut out = [0; 32];
        for (chunk, lane) in out.chunks_exact_mut(8).zip(self.state) {
            chunk.copy_from_slice(&lane.to_le_bytes());
        }
        out
    }
}

/// Keccak-256 of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(data);
    h.finalize()
}

/// `alloy-primitives`' `native-keccak` hook: Keccak-256 of the `len` bytes
/// at `bytes`, written to the 32 bytes at `output`.
///
/// # Safety
///
/// `bytes` must be valid for reading `len` bytes (any pointer if `len` is
/// 0) and `output` for writing 32 bytes, as alloy-primitives passes them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    let data = if len == 0 {
        &[][..]
    } else {
        // SAFETY: the caller passes `len` readable bytes at `bytes`.
        unsafe { core::slice::from_raw_parts(bytes, len) }
    };
    let digest = keccak256(data);
    // SAFETY: the caller passes 32 writable bytes at `output`, which cannot
    // overlap our local `digest`.
    unsafe { core::ptr::copy_nonoverlapping(digest.as_ptr(), output, digest.len()) };
}
