//! ECALLs: the I/O table and the data table.
//!
//! The CPU sends every ECALL on the ecall bus as `(clk, cycle, t0, a0[4],
//! a1[4], a1'[4], a0'[4], extra, ends)`: its clock and cycle count, the
//! number, `a0` and `a1` before and after (the CPU reads and writes them),
//! the extra cycles the ECALL costs and whether it ends the run. The
//! [`IoAir`] receives each on a *header* row, which decides what the ECALL
//! does, and for READ, WRITE and PANIC follows it with one *word* row per
//! aligned memory word of the buffer:
//! - READ (fd 0): `a0' = n = min(len, input left)` bytes of the input go to
//!   the buffer's first `n` bytes; the whole buffer must be writable (not
//!   code), as the executor checks; costs `ceil(n / 4)`.
//! - WRITE (fd 1, 2, 3): reads the buffer; fd 3 sends each byte to the
//!   journal; `a0' = len`; costs `ceil(len / 4)`.
//! - PANIC: reads the message buffer (`a0`, `a1`); ends the run with status 1.
//! - INPUT_REMAINING (fd 0): `a0'` = input bytes left.
//! - CYCLE_COUNT: `a0'` = the cycles before it, `a1' = 0`.
//! - HALT: ends the run with exit code `a0`.
//!
//! Every buffer lies in `[0x0001_0000, 0xC000_0000)` (checked at its first
//! and last word; the words in between are consecutive) and is shorter than
//! 2^24 bytes. Headers are in strictly increasing clock order, so the input
//! and journal positions they carry are the executor's: each data byte is
//! looked up as `(channel, position, byte)` in the [`DataAir`], which the
//! verifier fills with the input (channel 0) and the journal (channel 1).
//! The ending header checks that the journal positions reached the
//! journal's length and sets the public status, exit code and cycles.

use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;

use crate::cpu::{AccessCols, public};
use crate::memory::range_pair;
use crate::{Columns, access, bus, word};

/// The ECALL's kinds, in flag order.
pub mod kind {
    /// HALT.
    pub const HALT: usize = 0;
    /// READ.
    pub const READ: usize = 1;
    /// WRITE to stdout or stderr.
    pub const WRITE_OUT: usize = 2;
    /// WRITE to the journal.
    pub const WRITE_JOURNAL: usize = 3;
    /// INPUT_REMAINING.
    pub const INPUT_REMAINING: usize = 4;
    /// CYCLE_COUNT.
    pub const CYCLE_COUNT: usize = 5;
    /// PANIC.
    pub const PANIC: usize = 6;
    /// How many.
    pub const COUNT: usize = 7;
    /// Each kind's ECALL number (`t0`).
    pub const NUMBER: [u32; COUNT] = [0, 1, 2, 2, 3, 4, 5];
}

/// The data bus's channels.
pub mod channel {
    /// The input.
    pub const INPUT: u32 = 0;
    /// The journal.
    pub const JOURNAL: u32 = 1;
    /// Padding rows of the data table: nothing sends on it.
    pub const NONE: u32 = 2;
}

/// The I/O table's row layout.
#[derive(Clone, Debug)]
pub struct IoCols {
    /// A header row: one per ECALL.
    pub is_header: usize,
    /// A word row: one per aligned word of a buffer.
    pub is_word: usize,
    /// The ECALL's clock (the CPU row's `clk`), on headers and their words.
    pub clk: usize,
    /// Cycles before the ECALL (headers).
    pub cycle: usize,
    /// `t0` (headers).
    pub number: usize,
    /// One flag per [`kind`] (headers only).
    pub kind: [usize; kind::COUNT],
    /// WRITE to stderr (fd 2) rather than stdout.
    pub stderr: usize,
    /// `a0` before.
    pub a0: [usize; 4],
    /// `a1` before.
    pub a1: [usize; 4],
    /// `a1` after.
    pub a1_out: [usize; 4],
    /// `a0` after: the result.
    pub res: [usize; 4],
    /// Cycles besides the ECALL's own one.
    pub extra: usize,
    /// The buffer's address (READ, WRITE, PANIC).
    pub buf: [usize; 4],
    /// The buffer's length, below 2^24.
    pub len: [usize; 4],
    /// 1 if the length is not 0, and the length's inverse then.
    pub nz: usize,
    /// See `nz`.
    pub len_inv: usize,
    /// Inverse of `buf2 + 256 buf3` (the buffer is above the guard region).
    pub guard_inv: usize,
    /// `buf0 = 4 k0 + lane`: the start word's low bits.
    pub k0: usize,
    /// The result's low byte `res0 = 4 q + r0 + 2 r1`: the cost's rounding.
    pub q: usize,
    /// See `q`.
    pub r0: usize,
    /// See `q`.
    pub r1: usize,
    /// The word index (byte address / 4): on a header, its first word.
    pub w: usize,
    /// First byte of the buffer in this word (one-hot); on a header, the
    /// buffer's start lane.
    pub start: [usize; 4],
    /// The next word row's `start`.
    pub start_next: [usize; 4],
    /// Last byte of the buffer in this word (one-hot).
    pub end: [usize; 4],
    /// The buffer's last word.
    pub last: usize,
    /// `0x2FFF_FFFF - w` on the last word, below 2^30: the buffer ends
    /// below `0xC000_0000`.
    pub limit: [usize; 4],
    /// Buffer bytes left from this word on, and after it.
    pub left: usize,
    /// See `left`.
    pub left_next: usize,
    /// Which bytes carry data (input or journal), a prefix of the buffer.
    pub data: [usize; 4],
    /// Data bytes left from this word on, and after it.
    pub data_left: usize,
    /// See `data_left`.
    pub data_next: usize,
    /// A READ's word: stored, with input bytes.
    pub store: usize,
    /// A journal WRITE's word: its bytes go to the journal.
    pub journal: usize,
    /// Input bytes read before this row, and after it.
    pub in_pos: usize,
    /// See `in_pos`.
    pub in_next: usize,
    /// Journal bytes written before this row, and after it.
    pub j_pos: usize,
    /// See `j_pos`.
    pub j_next: usize,
    /// The memory word (a word row) or `a2` (a header) before and after.
    pub mem_prev: [usize; 4],
    /// See `mem_prev`.
    pub mem_new: [usize; 4],
    /// 0 for code.
    pub writable: usize,
    /// The access's timestamps.
    pub access: AccessCols,
    /// The next header's `clk - this clk - 1`, three bytes.
    pub clk_gap: [usize; 3],
    /// Width.
    pub width: usize,
}

impl IoCols {
    /// The layout.
    pub fn new() -> Self {
        let mut c = Columns::default();
        let mut cols = IoCols {
            is_header: c.one(),
            is_word: c.one(),
            clk: c.one(),
            cycle: c.one(),
            number: c.one(),
            kind: c.many(),
            stderr: c.one(),
            a0: c.many(),
            a1: c.many(),
            a1_out: c.many(),
            res: c.many(),
            extra: c.one(),
            buf: c.many(),
            len: c.many(),
            nz: c.one(),
            len_inv: c.one(),
            guard_inv: c.one(),
            k0: c.one(),
            q: c.one(),
            r0: c.one(),
            r1: c.one(),
            w: c.one(),
            start: c.many(),
            start_next: c.many(),
            end: c.many(),
            last: c.one(),
            limit: c.many(),
            left: c.one(),
            left_next: c.one(),
            data: c.many(),
            data_left: c.one(),
            data_next: c.one(),
            store: c.one(),
            journal: c.one(),
            in_pos: c.one(),
            in_next: c.one(),
            j_pos: c.one(),
            j_next: c.one(),
            mem_prev: c.many(),
            mem_new: c.many(),
            writable: c.one(),
            access: AccessCols {
                prev_ts: 0,
                gap: [0; 3],
            },
            clk_gap: c.many(),
            width: 0,
        };
        cols.access = AccessCols {
            prev_ts: c.one(),
            gap: c.many(),
        };
        cols.width = c.count();
        cols
    }

    /// Which bytes of a word row are in the buffer: from `start` to `end`.
    pub fn mask<E: PrimeCharacteristicRing + Clone>(&self, start: [E; 4], end: [E; 4]) -> [E; 4] {
        let mut begun = E::ZERO;
        let mut ended = E::ZERO;
        core::array::from_fn(|i| {
            begun = begun.clone() + start[i].clone();
            let m = begun.clone() - ended.clone();
            ended = ended.clone() + end[i].clone();
            m
        })
    }
}

impl Default for IoCols {
    fn default() -> Self {
        Self::new()
    }
}

/// The ecall bus's message length.
pub const ECALL_MESSAGE: usize = 21;

/// The I/O table.
#[derive(Clone, Debug, Default)]
pub struct IoAir;

impl<F: Field> BaseAir<F> for IoAir {
    fn width(&self) -> usize {
        IoCols::new().width
    }

    fn num_public_values(&self) -> usize {
        public::COUNT
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        let c = IoCols::new();
        let mut v = vec![
            c.is_header,
            c.is_word,
            c.clk,
            c.w,
            c.left,
            c.data_left,
            c.store,
            c.journal,
            c.in_pos,
            c.j_pos,
        ];
        v.extend(c.start);
        v
    }
}

impl<AB> Air<AB> for IoAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let c = IoCols::new();
        let main = builder.main();
        let l: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let n: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        let one = || AB::Expr::ONE;
        let k = |v: u32| AB::Expr::from_u32(v);
        let col = |i: usize| l[i].clone();
        let w4 = |cols: [usize; 4]| cols.map(|i| l[i].clone());
        let kf = |i: usize| l[c.kind[i]].clone();

        let header = col(c.is_header);
        let is_word = col(c.is_word);
        let is_real = header.clone() + is_word.clone();
        let [halt, read, wout, wj, irem, ccount, panic] = core::array::from_fn(kf);
        let (a0, a1, a1_out, res) = (w4(c.a0), w4(c.a1), w4(c.a1_out), w4(c.res));
        let (buf, len) = (w4(c.buf), w4(c.len));
        let buffers = read.clone() + wout.clone() + wj.clone() + panic.clone();
        let ends = halt.clone() + panic.clone();

        // --- Row kinds: headers and words, then padding. ---
        builder.assert_bool(header.clone());
        builder.assert_bool(is_word.clone());
        builder.assert_bool(is_real.clone());
        for i in 0..kind::COUNT {
            builder.assert_bool(kf(i));
        }
        let kinds = (0..kind::COUNT).fold(AB::Expr::ZERO, |acc, i| acc + kf(i));
        builder.assert_eq(kinds, header.clone());
        builder.when_first_row().assert_one(header.clone());
        builder.when_transition().assert_zero(
            (one() - is_real.clone()) * (n[c.is_header].clone() + n[c.is_word].clone()),
        );

        // --- The header: the CPU's ECALL. ---
        let mut message = vec![col(c.clk), col(c.cycle), col(c.number)];
        for w in [&a0, &a1, &a1_out, &res] {
            message.extend(w.iter().cloned());
        }
        message.push(col(c.extra));
        message.push(ends.clone());
        debug_assert_eq!(message.len(), ECALL_MESSAGE);
        builder.push_interaction(bus::ECALL, message, Count::bounded(-header.clone(), 1));
        let number =
            (0..kind::COUNT).fold(AB::Expr::ZERO, |acc, i| acc + kf(i) * k(kind::NUMBER[i]));
        builder.assert_eq(col(c.number), number);
        // File descriptors: READ and INPUT_REMAINING take 0, WRITE 1, 2 or 3.
        let stderr = col(c.stderr);
        builder.assert_bool(stderr.clone());
        builder.assert_zero((one() - wout.clone()) * stderr.clone());
        for i in 0..4 {
            builder.assert_zero((read.clone() + irem.clone()) * a0[i].clone());
        }
        for i in 1..4 {
            builder.assert_zero((wout.clone() + wj.clone()) * a0[i].clone());
        }
        builder.assert_zero(wout.clone() * (a0[0].clone() - one() - stderr));
        builder.assert_zero(wj.clone() * (a0[0].clone() - k(3)));
        // a1 is kept, except by CYCLE_COUNT, which sets it to 0.
        for i in 0..4 {
            builder.assert_zero(
                (header.clone() - ccount.clone()) * (a1_out[i].clone() - a1[i].clone()),
            );
            builder.assert_zero(ccount.clone() * a1_out[i].clone());
        }
        // The buffer: (a1, a2) for READ and WRITE, (a0, a1) for PANIC; the
        // header reads a2 through its memory access.
        let a2 = w4(c.mem_prev);
        let reads_a2 = read.clone() + wout.clone() + wj.clone();
        for i in 0..4 {
            builder.assert_zero(reads_a2.clone() * (buf[i].clone() - a1[i].clone()));
            builder.assert_zero(reads_a2.clone() * (len[i].clone() - a2[i].clone()));
            builder.assert_zero(panic.clone() * (buf[i].clone() - a0[i].clone()));
            builder.assert_zero(panic.clone() * (len[i].clone() - a1[i].clone()));
            builder.assert_zero((one() - buffers.clone()) * len[i].clone());
        }
        // Shorter than 2^24 bytes, so the length is exact.
        builder.assert_zero(len[3].clone());
        let length = word(len.clone());
        let nz = col(c.nz);
        builder.assert_bool(nz.clone());
        builder.assert_zero(nz.clone() * (one() - header.clone()));
        builder.assert_eq(length.clone() * col(c.len_inv), nz.clone());
        builder.assert_zero((one() - nz.clone()) * length.clone());
        // A non-empty buffer starts above the guard region.
        builder.assert_zero(
            nz.clone() * ((buf[2].clone() + buf[3].clone() * k(256)) * col(c.guard_inv) - one()),
        );
        // Its first word and lane: buf = 4 w + lane.
        let start = w4(c.start);
        let lane = start[1].clone() + start[2].clone() * k(2) + start[3].clone() * k(3);
        builder.assert_zero(header.clone() * (buf[0].clone() - col(c.k0) * k(4) - lane));
        range_pair(builder, col(c.k0), col(c.k0) * k(4), header.clone());
        builder.assert_zero(
            header.clone()
                * (col(c.w)
                    - col(c.k0)
                    - buf[1].clone() * k(1 << 6)
                    - buf[2].clone() * k(1 << 14)
                    - buf[3].clone() * k(1 << 22)),
        );

        // --- Results and costs. ---
        // HALT and PANIC leave a0; WRITE returns the length.
        for i in 0..4 {
            builder.assert_zero(ends.clone() * (res[i].clone() - a0[i].clone()));
            builder.assert_zero((wout.clone() + wj.clone()) * (res[i].clone() - len[i].clone()));
        }
        // READ, INPUT_REMAINING and CYCLE_COUNT compute theirs: bytes, below 2^24.
        let computed = read.clone() + irem.clone() + ccount.clone();
        range_pair(builder, res[0].clone(), res[1].clone(), computed.clone());
        range_pair(builder, res[2].clone(), res[3].clone(), computed.clone());
        builder.assert_zero(computed * res[3].clone());
        let result = word(res.clone());
        let input_len = pv[public::INPUT_LEN].clone();
        let in_pos = col(c.in_pos);
        // READ: n = len, or n = the input left (n <= both follows from the
        // buffer's data bytes and the input table).
        builder.assert_zero(
            read.clone()
                * (result.clone() - length.clone())
                * (in_pos.clone() + result.clone() - input_len.clone()),
        );
        builder.assert_zero(irem * (result.clone() - input_len + in_pos.clone()));
        builder.assert_zero(ccount * (result - col(c.cycle)));
        // READ and WRITE cost ceil(bytes / 4): res0 = 4 q + r0 + 2 r1.
        let io = read.clone() + wout.clone() + wj.clone();
        let (q, r0, r1) = (col(c.q), col(c.r0), col(c.r1));
        builder.assert_bool(r0.clone());
        builder.assert_bool(r1.clone());
        builder.assert_zero(
            io.clone() * (res[0].clone() - q.clone() * k(4) - r0.clone() - r1.clone() * k(2)),
        );
        range_pair(builder, q.clone(), q.clone() * k(4), io.clone());
        let rounded =
            q + res[1].clone() * k(1 << 6) + res[2].clone() * k(1 << 14) + r0.clone() + r1.clone()
                - r0 * r1;
        builder.assert_zero(io.clone() * (col(c.extra) - rounded));
        builder.assert_zero((one() - io) * col(c.extra));

        // --- The end: status, exit code, cycles, the journal's length. ---
        let exit_lo = a0[0].clone() + a0[1].clone() * k(256);
        let exit_hi = a0[2].clone() + a0[3].clone() * k(256);
        builder.assert_zero(halt.clone() * (exit_lo - pv[public::EXIT_LO].clone()));
        builder.assert_zero(halt.clone() * (exit_hi - pv[public::EXIT_HI].clone()));
        builder.assert_zero(halt * pv[public::STATUS].clone());
        builder.assert_zero(panic.clone() * pv[public::EXIT_LO].clone());
        builder.assert_zero(panic.clone() * pv[public::EXIT_HI].clone());
        builder.assert_zero(panic.clone() * (pv[public::STATUS].clone() - one()));
        builder.assert_zero(ends.clone() * (col(c.cycle) + one() - pv[public::CYCLES].clone()));
        builder.assert_zero(ends * (col(c.j_pos) - pv[public::JOURNAL_LEN].clone()));

        // --- Headers in clock order. ---
        let gap = c.clk_gap.map(col);
        let gap_value = gap[0].clone() + gap[1].clone() * k(1 << 8) + gap[2].clone() * k(1 << 16);
        builder.when_transition().assert_zero(
            n[c.is_header].clone() * (n[c.clk].clone() - col(c.clk) - one() - gap_value),
        );
        range_pair(builder, gap[0].clone(), gap[1].clone(), is_real.clone());
        range_pair(builder, gap[2].clone(), AB::Expr::ZERO, is_real.clone());

        // --- Word rows: the buffer, word by word. ---
        let end = w4(c.end);
        let mask = c.mask(start.clone(), end.clone());
        let count = mask.iter().fold(AB::Expr::ZERO, |acc, m| acc + m.clone());
        let starts = start.iter().fold(AB::Expr::ZERO, |acc, s| acc + s.clone());
        let ends_sum = end.iter().fold(AB::Expr::ZERO, |acc, s| acc + s.clone());
        for i in 0..4 {
            builder.assert_bool(start[i].clone());
            builder.assert_bool(end[i].clone());
            builder.assert_bool(mask[i].clone());
        }
        builder.assert_eq(starts, is_real.clone());
        builder.assert_eq(ends_sum, is_word.clone());
        // The next word row starts at lane 0, or at the header's lane.
        let start_next = w4(c.start_next);
        for i in 0..4 {
            let lane0 = if i == 0 { one() } else { AB::Expr::ZERO };
            builder.assert_zero(header.clone() * (start_next[i].clone() - start[i].clone()));
            builder.assert_zero(is_word.clone() * (start_next[i].clone() - lane0));
            builder.when_transition().assert_zero(
                n[c.is_word].clone() * (n[c.start[i]].clone() - start_next[i].clone()),
            );
        }
        // Words are consecutive: the header's first word, then one more each row.
        builder
            .when_transition()
            .assert_zero(n[c.is_word].clone() * (n[c.w].clone() - col(c.w) - is_word.clone()));
        builder
            .when_transition()
            .assert_zero(n[c.is_word].clone() * (n[c.clk].clone() - col(c.clk)));
        // A buffer's last word is the one before a non-word row.
        let last = col(c.last);
        builder.when_transition().assert_eq(
            last.clone(),
            is_word.clone() * (one() - n[c.is_word].clone()),
        );
        builder
            .when_last_row()
            .assert_eq(last.clone(), is_word.clone());
        // Words before the last run to the word's end.
        builder.assert_zero((is_word.clone() - last.clone()) * (one() - end[3].clone()));
        // The last word lies below 0xC000_0000: 0x2FFF_FFFF - w < 2^30.
        let limit = w4(c.limit);
        builder.assert_zero(last.clone() * (word(limit.clone()) - k(0x2FFF_FFFF) + col(c.w)));
        range_pair(builder, limit[0].clone(), limit[1].clone(), last.clone());
        range_pair(
            builder,
            limit[2].clone(),
            limit[3].clone() * k(4),
            last.clone(),
        );
        // The buffer's bytes: its length on the header, fewer each word, none
        // after the last. A non-empty buffer has words.
        builder.assert_zero(
            col(c.left_next)
                - header.clone() * length.clone()
                - is_word.clone() * (col(c.left) - count.clone()),
        );
        builder
            .when_transition()
            .assert_zero(n[c.is_word].clone() * (n[c.left].clone() - col(c.left_next)));
        builder.assert_zero(last.clone() * col(c.left_next));
        builder
            .when_transition()
            .assert_zero(nz.clone() * (one() - n[c.is_word].clone()));
        // An empty buffer has none (a word whose end lane is before its start
        // lane would count no byte).
        builder
            .when_transition()
            .assert_zero((header.clone() - nz.clone()) * n[c.is_word].clone());
        builder.when_last_row().assert_zero(nz);
        // Data bytes: the first n (READ) or all (journal WRITE), in order.
        let data = w4(c.data);
        let taken = data.iter().fold(AB::Expr::ZERO, |acc, d| acc + d.clone());
        for i in 0..4 {
            builder.assert_bool(data[i].clone());
            builder.assert_zero(data[i].clone() * (one() - mask[i].clone()));
            builder.assert_zero(data[i].clone() * (one() - is_word.clone()));
            if i < 3 {
                builder
                    .assert_zero(mask[i].clone() * data[i + 1].clone() * (one() - data[i].clone()));
            }
        }
        builder.assert_zero(is_word.clone() * (count.clone() - taken.clone()) * col(c.data_next));
        builder.assert_zero(
            col(c.data_next)
                - read.clone() * word(res.clone())
                - wj.clone() * length.clone()
                - is_word.clone() * (col(c.data_left) - taken.clone()),
        );
        builder
            .when_transition()
            .assert_zero(n[c.is_word].clone() * (n[c.data_left].clone() - col(c.data_next)));
        builder.assert_zero(last.clone() * col(c.data_next));
        builder.assert_zero((header.clone() - col(c.nz)) * col(c.data_next));
        // Word flags come from the header: a READ's words are stored, a
        // journal WRITE's go to the journal.
        let (store, journal) = (col(c.store), col(c.journal));
        builder.assert_bool(store.clone());
        builder.assert_bool(journal.clone());
        builder.assert_zero(header.clone() * store.clone());
        builder.assert_zero(header.clone() * journal.clone());
        builder.when_transition().assert_zero(
            n[c.is_word].clone() * (n[c.store].clone() - read.clone() - store.clone()),
        );
        builder.when_transition().assert_zero(
            n[c.is_word].clone() * (n[c.journal].clone() - wj.clone() - journal.clone()),
        );
        builder.assert_zero((one() - is_word.clone()) * store.clone());
        builder.assert_zero((one() - is_word.clone()) * journal.clone());
        // Positions: input and journal bytes so far.
        builder.when_first_row().assert_zero(in_pos.clone());
        builder.when_first_row().assert_zero(col(c.j_pos));
        builder.assert_zero(col(c.in_next) - in_pos.clone() - store.clone() * taken.clone());
        builder.assert_zero(col(c.j_next) - col(c.j_pos) - journal.clone() * taken.clone());
        builder
            .when_transition()
            .assert_zero(n[c.is_header].clone() * (n[c.in_pos].clone() - col(c.in_next)));
        builder
            .when_transition()
            .assert_zero(n[c.is_word].clone() * (n[c.in_pos].clone() - col(c.in_next)));
        builder
            .when_transition()
            .assert_zero(n[c.is_header].clone() * (n[c.j_pos].clone() - col(c.j_next)));
        builder
            .when_transition()
            .assert_zero(n[c.is_word].clone() * (n[c.j_pos].clone() - col(c.j_next)));

        // --- The memory access: a2 (headers of READ and WRITE) or the word. ---
        let (mem_prev, mem_new) = (w4(c.mem_prev), w4(c.mem_new));
        let writable = col(c.writable);
        builder.assert_bool(writable.clone());
        builder.assert_zero(store.clone() * (one() - writable.clone()));
        for i in 0..4 {
            // Only a READ's data bytes change.
            builder.assert_zero(
                (one() - data[i].clone()) * (mem_new[i].clone() - mem_prev[i].clone()),
            );
            builder.assert_zero(journal.clone() * (mem_new[i].clone() - mem_prev[i].clone()));
        }
        let addr = reads_a2.clone() * k(12) + is_word.clone() * col(c.w);
        let ts = col(c.clk) * k(4) + k(crate::cpu::slot::MEM as u32);
        access(
            builder,
            c.access,
            &l,
            addr,
            mem_prev,
            mem_new.clone(),
            writable,
            ts,
            reads_a2 + is_word,
        );
        // Each data byte, looked up at its position.
        let base = store.clone() * in_pos + journal.clone() * col(c.j_pos);
        let mut before = AB::Expr::ZERO;
        for i in 0..4 {
            builder.push_interaction(
                bus::DATA,
                [
                    journal.clone(),
                    base.clone() + before.clone(),
                    mem_new[i].clone(),
                ],
                Count::bounded(data[i].clone(), 1),
            );
            before += data[i].clone();
        }
    }
}

/// The data table: the input (channel 0) and the journal (channel 1), a
/// preprocessed `(channel, position, byte)` per byte, received as many times
/// as the prover says (a byte not in the table cannot balance).
#[derive(Clone, Debug)]
pub struct DataAir {
    input: Vec<u8>,
    journal: Vec<u8>,
}

impl DataAir {
    /// The table of this input and journal.
    pub fn new(input: &[u8], journal: &[u8]) -> Self {
        DataAir {
            input: input.to_vec(),
            journal: journal.to_vec(),
        }
    }

    /// Rows, padded to a power of two (padding is channel 2: never sent).
    pub fn height(&self) -> usize {
        (self.input.len() + self.journal.len())
            .next_power_of_two()
            .max(16)
    }
}

const DATA_WIDTH: usize = 3;

impl<F: Field> BaseAir<F> for DataAir {
    fn width(&self) -> usize {
        1
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let mut values = Vec::with_capacity(self.height() * DATA_WIDTH);
        let rows = (self
            .input
            .iter()
            .enumerate()
            .map(|(i, &b)| (channel::INPUT, i, b)))
        .chain(
            self.journal
                .iter()
                .enumerate()
                .map(|(i, &b)| (channel::JOURNAL, i, b)),
        );
        for (ch, pos, byte) in rows {
            values.extend([F::from_u32(ch), F::from_usize(pos), F::from_u8(byte)]);
        }
        values.resize(self.height() * DATA_WIDTH, F::ZERO);
        for row in values
            .chunks_mut(DATA_WIDTH)
            .skip(self.input.len() + self.journal.len())
        {
            row[0] = F::from_u32(channel::NONE);
        }
        Some(RowMajorMatrix::new(values, DATA_WIDTH))
    }

    fn preprocessed_width(&self) -> usize {
        DATA_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for DataAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        crate::receive_rows(builder, bus::DATA);
    }
}
