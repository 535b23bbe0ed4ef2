//! SHA-256 on the SHA256_COMPRESS accelerator: one-shot [`digest`] and the
//! incremental [`Sha256`]. Padding (FIPS 180-4 §5.1.1) happens here; the
//! host only compresses.

use crate::syscall;

/// One 64-byte message block, 4-aligned as SHA256_COMPRESS requires.
#[derive(Clone, Copy)]
#[repr(C, align(4))]
pub struct Block(pub [u8; 64]);

/// The initial hash value H(0).
pub const IV: [u32; 8] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19,
];

/// Blocks handed to one ECALL when hashing long inputs.
const BATCH: usize = 16;

/// Incremental SHA-256.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    pending: Block,
    pending_len: usize,
    total_len: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Sha256 {
            state: IV,
            pending: Block([0; 64]),
            pending_len: 0,
            total_len: 0,
        }
    }

    /// Absorbs `data`.
    pub fn update(&mut self, mut data: &[u8]) {
        self.total_len += data.len() as u64;
        if self.pending_len > 0 {
            let take = data.len().min(64 - self.pending_len);
            self.pending.0[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len < 64 {
                return;
            }
            syscall::sha256_compress(&mut self.state, core::slice::from_ref(&self.pending));
            self.pending_len = 0;
        }
        let mut batch = [Block([0; 64]); BATCH];
        while data.len() >= 64 {
            let n = (data.len() / 64).min(BATCH);
            for (block, chunk) in batch.iter_mut().zip(data.chunks_exact(64)) {
                block.0.copy_from_slice(chunk);
            }
            syscall::sha256_compress(&mut self.state, &batch[..n]);
            data = &data[64 * n..];
        }
        self.pending.0[..data.len()].copy_from_slice(data);
        self.pending_len = data.len();
    }

    /// Pads, compresses the rest, and returns the digest.
    pub fn finalize(mut self) -> [u8; 32] {
        let bits = self.total_len.wrapping_mul(8);
        let mut tail = [Block([0; 64]); 2];
        tail[0].0[..self.pending_len].copy_from_slice(&self.pending.0[..self.pending_len]);
        tail[0].0[self.pending_len] = 0x80;
        let blocks = if self.pending_len < 56 { 1 } else { 2 };
        tail[blocks - 1].0[56..].copy_from_slice(&bits.to_be_bytes());
        syscall::sha256_compress(&mut self.state, &tail[..blocks]);
        let mut out = [0; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// SHA-256 of `data`.
pub fn digest(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(data);
    h.finalize()
}
