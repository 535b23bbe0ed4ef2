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

mod cols;
mod data;

use core::borrow::Borrow;

use ember_abi::{fd, reg};
use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};

pub use cols::{IO_COLS, IO_WIDTH, IoCols, mask};
pub use data::{DATA_COLS, DATA_WIDTH, DataAir, DataCols};

use crate::bytes::range_pair;
use crate::chips::ecall::ECALL_MESSAGE;
use crate::chips::slot;
use crate::public::{PUBLIC_WIDTH, PublicValues};
use crate::{bus, word};

/// The ECALL's kinds, in flag order.
pub mod kind {
    use ember_abi::ecall;

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
    pub const NUMBER: [u32; COUNT] = [
        ecall::HALT,
        ecall::READ,
        ecall::WRITE,
        ecall::WRITE,
        ecall::INPUT_REMAINING,
        ecall::CYCLE_COUNT,
        ecall::PANIC,
    ];
}

/// log2 of the longest input, and of the longest journal, one proof holds
/// (4 MiB each): positions stay exact field elements and the data table's
/// height within bounds. The prover refuses more before proving, and the
/// verifier before checking.
pub const MAX_LOG_DATA: usize = 22;

/// The data bus's channels.
pub mod channel {
    /// The input.
    pub const INPUT: u32 = 0;
    /// The journal.
    pub const JOURNAL: u32 = 1;
    /// Padding rows of the data table: nothing sends on it.
    pub const NONE: u32 = 2;
}

/// The I/O table.
#[derive(Clone, Debug, Default)]
pub struct IoAir;

impl<F: Field> BaseAir<F> for IoAir {
    fn width(&self) -> usize {
        IO_WIDTH
    }

    fn num_public_values(&self) -> usize {
        PUBLIC_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        let c = IO_COLS;
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

// READ and INPUT_REMAINING take fd 0: all four bytes of a0 are zero.
const _: () = assert!(fd::INPUT == 0);

impl<AB> Air<AB> for IoAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &IoCols<AB::Var> = main.current_slice().borrow();
        let next: &IoCols<AB::Var> = main.next_slice().borrow();
        let pv: PublicValues<AB::PublicVar> = {
            let values = builder.public_values();
            let pv: &PublicValues<AB::PublicVar> = values.borrow();
            *pv
        };
        let one = || AB::Expr::ONE;
        let k = |v: u32| AB::Expr::from_u32(v);
        let w4 = |w: &[AB::Var; 4]| -> [AB::Expr; 4] { w.map(Into::into) };
        let sum = |w: &[AB::Expr]| w.iter().fold(AB::Expr::ZERO, |acc, x| acc + x.clone());

        let header: AB::Expr = local.is_header.into();
        let is_word: AB::Expr = local.is_word.into();
        let is_real = header.clone() + is_word.clone();
        let kinds: [AB::Expr; kind::COUNT] = local.kind.map(Into::into);
        let [halt, read, wout, wj, irem, ccount, panic] = kinds.clone();
        let (a0, a1, a1_out, res) = (
            w4(&local.a0),
            w4(&local.a1),
            w4(&local.a1_out),
            w4(&local.res),
        );
        let (buf, len) = (w4(&local.buf), w4(&local.len));
        let buffers = read.clone() + wout.clone() + wj.clone() + panic.clone();
        let ends = halt.clone() + panic.clone();
        let (clk, cycle, extra): (AB::Expr, AB::Expr, AB::Expr) =
            (local.clk.into(), local.cycle.into(), local.extra.into());

        // --- Row kinds: headers and words, then padding. ---
        builder.assert_bool(header.clone());
        builder.assert_bool(is_word.clone());
        builder.assert_bool(is_real.clone());
        for kf in &kinds {
            builder.assert_bool(kf.clone());
        }
        builder.assert_eq(sum(&kinds), header.clone());
        builder.when_first_row().assert_zero(is_word.clone());
        builder
            .when_transition()
            .assert_zero((one() - is_real.clone()) * (next.is_header.into() + next.is_word.into()));

        // --- The header: the CPU's ECALL. ---
        let mut message: Vec<AB::Expr> = vec![clk.clone(), cycle.clone(), local.number.into()];
        for w in [&a0, &a1, &a1_out, &res] {
            message.extend(w.iter().cloned());
        }
        message.push(extra.clone());
        message.push(ends.clone());
        debug_assert_eq!(message.len(), ECALL_MESSAGE);
        builder.push_interaction(bus::ECALL, message, Count::bounded(-header.clone(), 1));
        let number = (0..kind::COUNT).fold(AB::Expr::ZERO, |acc, i| {
            acc + kinds[i].clone() * k(kind::NUMBER[i])
        });
        builder.assert_eq(local.number, number);
        // File descriptors: READ and INPUT_REMAINING take 0, WRITE 1, 2 or 3.
        let stderr: AB::Expr = local.stderr.into();
        builder.assert_bool(stderr.clone());
        builder.assert_zero((one() - wout.clone()) * stderr.clone());
        for i in 0..4 {
            builder.assert_zero((read.clone() + irem.clone()) * a0[i].clone());
        }
        for a0i in &a0[1..] {
            builder.assert_zero((wout.clone() + wj.clone()) * a0i.clone());
        }
        const _: () = assert!(fd::STDERR == fd::STDOUT + 1);
        builder.assert_zero(wout.clone() * (a0[0].clone() - k(fd::STDOUT) - stderr));
        builder.assert_zero(wj.clone() * (a0[0].clone() - k(fd::JOURNAL)));
        // a1 is kept, except by CYCLE_COUNT, which sets it to 0.
        for i in 0..4 {
            builder.assert_zero(
                (header.clone() - ccount.clone()) * (a1_out[i].clone() - a1[i].clone()),
            );
            builder.assert_zero(ccount.clone() * a1_out[i].clone());
        }
        // The buffer: (a1, a2) for READ and WRITE, (a0, a1) for PANIC; the
        // header reads a2 through its memory access.
        let a2 = w4(&local.mem_prev);
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
        let nz: AB::Expr = local.nz.into();
        builder.assert_bool(nz.clone());
        builder.assert_zero(nz.clone() * (one() - header.clone()));
        builder.assert_eq(length.clone() * local.len_inv.into(), nz.clone());
        builder.assert_zero((one() - nz.clone()) * length.clone());
        // A non-empty buffer starts above the guard region.
        builder.assert_zero(
            nz.clone()
                * ((buf[2].clone() + buf[3].clone() * k(256)) * local.guard_inv.into() - one()),
        );
        // Its first word and lane: buf = 4 w + lane.
        let start = w4(&local.start);
        let lane = start[1].clone() + start[2].clone() * k(2) + start[3].clone() * k(3);
        let k0: AB::Expr = local.k0.into();
        builder.assert_zero(header.clone() * (buf[0].clone() - k0.clone() * k(4) - lane));
        range_pair(builder, k0.clone(), k0.clone() * k(4), header.clone());
        builder.assert_zero(
            header.clone()
                * (local.w.into()
                    - k0
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
        // CYCLE_COUNT's may reach 2^30 (the cycles before the segment are
        // below 2^30): its top byte below 64, so the sum cannot wrap p.
        builder.assert_zero((computed.clone() - ccount.clone()) * res[3].clone());
        range_pair(
            builder,
            res[3].clone() * k(4),
            AB::Expr::ZERO,
            ccount.clone(),
        );
        let result = word(res.clone());
        let input_len: AB::Expr = pv.input_len.into();
        let in_pos: AB::Expr = local.in_pos.into();
        // READ: n = len, or n = the input left (n <= both follows from the
        // buffer's data bytes and the input table).
        builder.assert_zero(
            read.clone()
                * (result.clone() - length.clone())
                * (in_pos.clone() + result.clone() - input_len.clone()),
        );
        builder.assert_zero(irem * (result.clone() - input_len + in_pos.clone()));
        builder.assert_zero(ccount * (result - cycle.clone() - pv.cycle_base.into()));
        // READ and WRITE cost ceil(bytes / 4): res0 = 4 q + r0 + 2 r1.
        const _: () = assert!(ember_abi::cycles::IO_BYTES_PER_CYCLE == 4);
        let io = read.clone() + wout.clone() + wj.clone();
        let (q, r0, r1): (AB::Expr, AB::Expr, AB::Expr) =
            (local.q.into(), local.r0.into(), local.r1.into());
        builder.assert_bool(r0.clone());
        builder.assert_bool(r1.clone());
        builder.assert_zero(
            io.clone() * (res[0].clone() - q.clone() * k(4) - r0.clone() - r1.clone() * k(2)),
        );
        range_pair(builder, q.clone(), q.clone() * k(4), io.clone());
        let rounded =
            q + res[1].clone() * k(1 << 6) + res[2].clone() * k(1 << 14) + r0.clone() + r1.clone()
                - r0 * r1;
        builder.assert_zero(io.clone() * (extra.clone() - rounded));
        builder.assert_zero((one() - io) * extra);

        // --- The end: status, exit code, cycles, the journal's length. ---
        let exit_lo = a0[0].clone() + a0[1].clone() * k(256);
        let exit_hi = a0[2].clone() + a0[3].clone() * k(256);
        let (pv_lo, pv_hi, pv_status): (AB::Expr, AB::Expr, AB::Expr) =
            (pv.exit_lo.into(), pv.exit_hi.into(), pv.status.into());
        builder.assert_zero(halt.clone() * (exit_lo - pv_lo.clone()));
        builder.assert_zero(halt.clone() * (exit_hi - pv_hi.clone()));
        builder.assert_zero(halt * pv_status.clone());
        builder.assert_zero(panic.clone() * pv_lo);
        builder.assert_zero(panic.clone() * pv_hi);
        builder.assert_zero(panic.clone() * (pv_status - one()));
        builder.assert_zero(ends.clone() * (cycle + one() - pv.cycles.into()));
        builder.assert_zero(ends.clone() * (local.j_pos.into() - pv.journal_len.into()));
        // Only a segment that ends the run has an ending ECALL.
        builder.assert_zero(ends * (one() - pv.ended.into()));

        // --- Headers in clock order. ---
        let gap: [AB::Expr; 3] = local.clk_gap.map(Into::into);
        let gap_value = gap[0].clone() + gap[1].clone() * k(1 << 8) + gap[2].clone() * k(1 << 16);
        builder.when_transition().assert_zero(
            next.is_header.into() * (next.clk.into() - clk.clone() - one() - gap_value),
        );
        range_pair(builder, gap[0].clone(), gap[1].clone(), is_real.clone());
        range_pair(builder, gap[2].clone(), AB::Expr::ZERO, is_real.clone());

        // --- Word rows: the buffer, word by word. ---
        let end = w4(&local.end);
        let mask = mask(start.clone(), end.clone());
        let count = sum(&mask);
        for i in 0..4 {
            builder.assert_bool(start[i].clone());
            builder.assert_bool(end[i].clone());
            builder.assert_bool(mask[i].clone());
        }
        builder.assert_eq(sum(&start), is_real.clone());
        builder.assert_eq(sum(&end), is_word.clone());
        // The next word row starts at lane 0, or at the header's lane.
        let start_next = w4(&local.start_next);
        let next_word: AB::Expr = next.is_word.into();
        for i in 0..4 {
            let lane0 = if i == 0 { one() } else { AB::Expr::ZERO };
            builder.assert_zero(header.clone() * (start_next[i].clone() - start[i].clone()));
            builder.assert_zero(is_word.clone() * (start_next[i].clone() - lane0));
            builder
                .when_transition()
                .assert_zero(next_word.clone() * (next.start[i].into() - start_next[i].clone()));
        }
        // Words are consecutive: the header's first word, then one more each row.
        builder
            .when_transition()
            .assert_zero(next_word.clone() * (next.w.into() - local.w.into() - is_word.clone()));
        builder
            .when_transition()
            .assert_zero(next_word.clone() * (next.clk.into() - clk.clone()));
        // A buffer's last word is the one before a non-word row.
        let last: AB::Expr = local.last.into();
        builder
            .when_transition()
            .assert_eq(last.clone(), is_word.clone() * (one() - next_word.clone()));
        builder
            .when_last_row()
            .assert_eq(last.clone(), is_word.clone());
        // Words before the last run to the word's end.
        builder.assert_zero((is_word.clone() - last.clone()) * (one() - end[3].clone()));
        // The last word lies below the system region: its word index is at
        // most SYSTEM_START / 4 - 1, and the difference below 2^30.
        let last_word = k(crate::gadget::buffer::LAST_WORD);
        let limit = w4(&local.limit);
        builder.assert_zero(last.clone() * (word(limit.clone()) - last_word + local.w.into()));
        range_pair(builder, limit[0].clone(), limit[1].clone(), last.clone());
        range_pair(
            builder,
            limit[2].clone(),
            limit[3].clone() * k(4),
            last.clone(),
        );
        // The buffer's bytes: its length on the header, fewer each word, none
        // after the last. A non-empty buffer has words.
        let (left_next, data_next): (AB::Expr, AB::Expr) =
            (local.left_next.into(), local.data_next.into());
        builder.assert_zero(
            left_next.clone()
                - header.clone() * length.clone()
                - is_word.clone() * (local.left.into() - count.clone()),
        );
        builder
            .when_transition()
            .assert_zero(next_word.clone() * (next.left.into() - left_next.clone()));
        builder.assert_zero(last.clone() * left_next);
        builder
            .when_transition()
            .assert_zero(nz.clone() * (one() - next_word.clone()));
        // An empty buffer has none (a word whose end lane is before its start
        // lane would count no byte).
        builder
            .when_transition()
            .assert_zero((header.clone() - nz.clone()) * next_word.clone());
        builder.when_last_row().assert_zero(nz.clone());
        // Data bytes: the first n (READ) or all (journal WRITE), in order.
        let data = w4(&local.data);
        let taken = sum(&data);
        for i in 0..4 {
            builder.assert_bool(data[i].clone());
            builder.assert_zero(data[i].clone() * (one() - mask[i].clone()));
            builder.assert_zero(data[i].clone() * (one() - is_word.clone()));
            if i < 3 {
                builder
                    .assert_zero(mask[i].clone() * data[i + 1].clone() * (one() - data[i].clone()));
            }
        }
        builder.assert_zero(is_word.clone() * (count - taken.clone()) * data_next.clone());
        builder.assert_zero(
            data_next.clone()
                - read.clone() * word(res.clone())
                - wj.clone() * length.clone()
                - is_word.clone() * (local.data_left.into() - taken.clone()),
        );
        builder
            .when_transition()
            .assert_zero(next_word.clone() * (next.data_left.into() - data_next.clone()));
        builder.assert_zero(last * data_next.clone());
        builder.assert_zero((header.clone() - nz) * data_next);
        // Word flags come from the header: a READ's words are stored, a
        // journal WRITE's go to the journal.
        let (store, journal): (AB::Expr, AB::Expr) = (local.store.into(), local.journal.into());
        builder.assert_bool(store.clone());
        builder.assert_bool(journal.clone());
        builder.assert_zero(header.clone() * store.clone());
        builder.assert_zero(header.clone() * journal.clone());
        builder
            .when_transition()
            .assert_zero(next_word.clone() * (next.store.into() - read.clone() - store.clone()));
        builder
            .when_transition()
            .assert_zero(next_word.clone() * (next.journal.into() - wj.clone() - journal.clone()));
        builder.assert_zero((one() - is_word.clone()) * store.clone());
        builder.assert_zero((one() - is_word.clone()) * journal.clone());
        // Positions: input and journal bytes so far.
        let j_pos: AB::Expr = local.j_pos.into();
        // They start where the segment starts, pass through every row
        // (padding rows read and write nothing) and end where it ends.
        builder
            .when_first_row()
            .assert_eq(in_pos.clone(), pv.in_pos_in.into());
        builder
            .when_first_row()
            .assert_eq(j_pos.clone(), pv.j_pos_in.into());
        builder.assert_zero(local.in_next.into() - in_pos.clone() - store.clone() * taken.clone());
        builder.assert_zero(local.j_next.into() - j_pos.clone() - journal.clone() * taken);
        {
            let mut t = builder.when_transition();
            t.assert_eq(next.in_pos, local.in_next);
            t.assert_eq(next.j_pos, local.j_next);
        }
        builder
            .when_last_row()
            .assert_eq(local.in_next.into(), pv.in_pos_out.into());
        builder
            .when_last_row()
            .assert_eq(local.j_next.into(), pv.journal_len.into());

        // --- The memory access: a2 (headers of READ and WRITE) or the word. ---
        let (mem_prev, mem_new) = (w4(&local.mem_prev), w4(&local.mem_new));
        let writable: AB::Expr = local.writable.into();
        builder.assert_bool(writable.clone());
        builder.assert_zero(store.clone() * (one() - writable.clone()));
        for i in 0..4 {
            // Only a READ's data bytes change.
            builder.assert_zero(
                (one() - data[i].clone()) * (mem_new[i].clone() - mem_prev[i].clone()),
            );
            builder.assert_zero(journal.clone() * (mem_new[i].clone() - mem_prev[i].clone()));
        }
        let addr =
            reads_a2.clone() * AB::Expr::from_usize(reg::A2) + is_word.clone() * local.w.into();
        let ts = clk * k(4) + AB::Expr::from_usize(slot::MEM);
        local.access.eval(
            builder,
            addr,
            mem_prev,
            mem_new.clone(),
            writable,
            ts,
            reads_a2 + is_word,
        );
        // Each data byte, looked up at its position.
        let base = store * in_pos + journal.clone() * j_pos;
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
