//! The I/O table's row.

use p3_field::PrimeCharacteristicRing;

use super::kind;
use crate::columns;
use crate::gadget::AccessCols;

/// The I/O table's row layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoCols<T> {
    /// A header row: one per ECALL.
    pub is_header: T,
    /// A word row: one per aligned word of a buffer.
    pub is_word: T,
    /// The ECALL's clock (the CPU row's `clk`), on headers and their words.
    pub clk: T,
    /// Cycles before the ECALL (headers).
    pub cycle: T,
    /// `t0` (headers).
    pub number: T,
    /// One flag per [`kind`] (headers only).
    pub kind: [T; kind::COUNT],
    /// WRITE to stderr (fd 2) rather than stdout.
    pub stderr: T,
    /// `a0` before.
    pub a0: [T; 4],
    /// `a1` before.
    pub a1: [T; 4],
    /// `a1` after.
    pub a1_out: [T; 4],
    /// `a0` after: the result.
    pub res: [T; 4],
    /// Cycles besides the ECALL's own one.
    pub extra: T,
    /// The buffer's address (READ, WRITE, PANIC).
    pub buf: [T; 4],
    /// The buffer's length, below 2^24.
    pub len: [T; 4],
    /// 1 if the length is not 0, and the length's inverse then.
    pub nz: T,
    /// See `nz`.
    pub len_inv: T,
    /// Inverse of `buf2 + 256 buf3` (the buffer is above the guard region).
    pub guard_inv: T,
    /// `buf0 = 4 k0 + lane`: the start word's low bits.
    pub k0: T,
    /// The result's low byte `res0 = 4 q + r0 + 2 r1`: the cost's rounding.
    pub q: T,
    /// See `q`.
    pub r0: T,
    /// See `q`.
    pub r1: T,
    /// The word index (byte address / 4): on a header, its first word.
    pub w: T,
    /// First byte of the buffer in this word (one-hot); on a header, the
    /// buffer's start lane.
    pub start: [T; 4],
    /// The next word row's `start`.
    pub start_next: [T; 4],
    /// Last byte of the buffer in this word (one-hot).
    pub end: [T; 4],
    /// The buffer's last word.
    pub last: T,
    /// `0x2FFF_FFFF - w` on the last word, below 2^30: the buffer ends
    /// below `0xC000_0000`.
    pub limit: [T; 4],
    /// Buffer bytes left from this word on, and after it.
    pub left: T,
    /// See `left`.
    pub left_next: T,
    /// Which bytes carry data (input or journal), a prefix of the buffer.
    pub data: [T; 4],
    /// Data bytes left from this word on, and after it.
    pub data_left: T,
    /// See `data_left`.
    pub data_next: T,
    /// A READ's word: stored, with input bytes.
    pub store: T,
    /// A journal WRITE's word: its bytes go to the journal.
    pub journal: T,
    /// Input bytes read before this row, and after it.
    pub in_pos: T,
    /// See `in_pos`.
    pub in_next: T,
    /// Journal bytes written before this row, and after it.
    pub j_pos: T,
    /// See `j_pos`.
    pub j_next: T,
    /// The memory word (a word row) or `a2` (a header) before and after.
    pub mem_prev: [T; 4],
    /// See `mem_prev`.
    pub mem_new: [T; 4],
    /// 0 for code.
    pub writable: T,
    /// The access's timestamps.
    pub access: AccessCols<T>,
    /// The next header's `clk - this clk - 1`, three bytes.
    pub clk_gap: [T; 3],
}

columns!(IoCols, IO_WIDTH, IO_COLS);

/// Which bytes of a word row are in the buffer: from `start` to `end`.
pub fn mask<E: PrimeCharacteristicRing + Clone>(start: [E; 4], end: [E; 4]) -> [E; 4] {
    let mut begun = E::ZERO;
    let mut ended = E::ZERO;
    core::array::from_fn(|i| {
        begun = begun.clone() + start[i].clone();
        let m = begun.clone() - ended.clone();
        ended = ended.clone() + end[i].clone();
        m
    })
}
