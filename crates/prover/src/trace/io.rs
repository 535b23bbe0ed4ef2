//! ECALLs: the CPU row, the I/O table's header and one row per word of the
//! buffer, from the executor's [`EcallStep`].

use ember_abi::{ecall, fd, reg};
use ember_air::chips::ecall::EcallCols;
use ember_air::chips::slot;
use ember_air::gadget::inverse_or_zero;
use ember_air::io::{IoCols, kind};
use ember_air::ops::program_row;
use ember_air::{Table, Val, cols};
use ember_core::EcallStep;
use p3_field::PrimeCharacteristicRing;

use super::{Tracer, bytes_of, f};
use crate::ProveError;

use ember_air::gadget::buffer::LAST_WORD;

impl Tracer {
    pub(super) fn ecall_row(&mut self, e: &EcallStep<'_>) -> Result<(), ProveError> {
        if e.number == ecall::SHA256_COMPRESS {
            return self.sha_call(e);
        }
        if e.number == ecall::KECCAK_PERMUTE {
            return self.keccak_call(e);
        }
        let [a0, a1, a2] = e.args;
        let k = match e.number {
            ecall::HALT => kind::HALT,
            ecall::READ => kind::READ,
            ecall::WRITE if a0 == fd::JOURNAL => kind::WRITE_JOURNAL,
            ecall::WRITE => kind::WRITE_OUT,
            ecall::INPUT_REMAINING => kind::INPUT_REMAINING,
            ecall::CYCLE_COUNT => kind::CYCLE_COUNT,
            ecall::PANIC => kind::PANIC,
            _ => {
                return Err(ProveError::UnsupportedEcall {
                    pc: e.pc,
                    name: ecall_name(e.number),
                    cycle: e.cycle,
                });
            }
        };
        let (buf, len) = match k {
            kind::READ | kind::WRITE_OUT | kind::WRITE_JOURNAL => (a1, a2),
            kind::PANIC => (a0, a1),
            _ => (0, 0),
        };
        if len >= 1 << 24 {
            return Err(ProveError::BufferTooLong {
                pc: e.pc,
                name: ecall_name(e.number),
                cycle: e.cycle,
                len,
            });
        }
        // The I/O table holds as many rows as the chips: a header, and a row
        // per buffer word.
        // The buffer's first and last words (none when it is empty).
        let words = (len != 0).then(|| (buf >> 2, (buf + (len - 1)) >> 2));
        let word_rows = words.map_or(0, |(first, last)| u64::from(last - first) + 1);
        if self.io_rows() as u64 + 1 + word_rows > u64::from(self.limit) {
            return Err(ProveError::IoTooLong {
                pc: e.pc,
                cycle: e.cycle,
                limit: u64::from(self.limit),
            });
        }
        let ends = matches!(k, kind::HALT | kind::PANIC);
        let extra = (e.cost - 1) as u32;
        let [res, a1_out] = e.results;
        let clk = self.ecall_chip_row(e, ends);

        // The I/O table's header.
        let mut h: IoCols<Val> = cols::zeroed();
        h.is_header = Val::ONE;
        h.clk = f(clk);
        h.cycle = f(self.rel(e.cycle));
        h.number = f(e.number);
        h.kind[k] = Val::ONE;
        h.stderr = Val::from_bool(k == kind::WRITE_OUT && a0 == fd::STDERR);
        h.a0 = bytes_of(a0);
        h.a1 = bytes_of(a1);
        h.a1_out = bytes_of(a1_out);
        h.res = bytes_of(res);
        h.extra = f(extra);
        h.buf = bytes_of(buf);
        h.len = bytes_of(len);
        if len != 0 {
            h.nz = Val::ONE;
            h.len_inv = inverse_or_zero(f(len));
            h.guard_inv = inverse_or_zero(f(buf >> 16));
        }
        let k0 = (buf & 0xff) >> 2;
        h.k0 = f(k0);
        self.lookups.range(k0, 4 * k0);
        h.w = f(buf >> 2);
        h.start[(buf & 3) as usize] = Val::ONE;
        h.start_next[(buf & 3) as usize] = Val::ONE;
        if matches!(k, kind::READ | kind::INPUT_REMAINING | kind::CYCLE_COUNT) {
            self.lookups.range_word(res);
        }
        if k == kind::CYCLE_COUNT {
            // Its top byte below 64 (the run's cycles below 2^30).
            self.lookups.range(4 * (res >> 24), 0);
        }
        if matches!(k, kind::READ | kind::WRITE_OUT | kind::WRITE_JOURNAL) {
            let r0 = res & 0xff;
            h.q = f(r0 >> 2);
            h.r0 = f(r0 & 1);
            h.r1 = f((r0 >> 1) & 1);
            self.lookups.range(r0 >> 2, 4 * (r0 >> 2));
            let ts = 4 * clk + slot::MEM as u32;
            let cell = self.access(&mut h.access, ts, reg::A2 as u32, None);
            h.mem_prev = bytes_of(a2);
            h.mem_new = bytes_of(a2);
            h.writable = Val::from_bool(cell.writable);
        }
        let data_total = match k {
            kind::READ => res,
            kind::WRITE_JOURNAL => len,
            _ => 0,
        };
        h.left_next = f(len);
        h.data_next = f(data_total);
        h.in_pos = f(self.in_pos);
        h.in_next = f(self.in_pos);
        let j_pos = self.j_pos();
        h.j_pos = f(j_pos);
        h.j_next = f(j_pos);
        self.push(Table::Io, &h);

        // One row per word of the buffer.
        let Some((first, last)) = words else {
            return Ok(());
        };
        let mut offset = 0u32; // buffer bytes before this word
        for w in first..=last {
            let mut r: IoCols<Val> = cols::zeroed();
            r.is_word = Val::ONE;
            r.clk = f(clk);
            r.w = f(w);
            let lo = if w == first { buf & 3 } else { 0 };
            let hi = if w == last { (buf + (len - 1)) & 3 } else { 3 };
            r.start[lo as usize] = Val::ONE;
            r.start_next[0] = Val::ONE;
            r.end[hi as usize] = Val::ONE;
            if w == last {
                r.last = Val::ONE;
                let limit = LAST_WORD - w;
                r.limit = bytes_of(limit);
                let [l0, l1, l2, l3] = limit.to_le_bytes().map(u32::from);
                self.lookups.range(l0, l1);
                self.lookups.range(l2, 4 * l3);
            }
            let count = hi - lo + 1;
            r.left = f(len - offset);
            r.left_next = f(len - offset - count);
            let data_left = data_total.saturating_sub(offset);
            let taken = data_left.min(count);
            r.data_left = f(data_left);
            r.data_next = f(data_left - taken);
            let store = k == kind::READ;
            let journal = k == kind::WRITE_JOURNAL;
            r.store = Val::from_bool(store);
            r.journal = Val::from_bool(journal);
            // The word after the ECALL: a READ's, as the executor left it.
            let now = e.memory.read_u32(4 * w);
            let new = store.then_some(now);
            let ts = 4 * clk + slot::MEM as u32;
            let cell = self.access(&mut r.access, ts, w, new);
            r.mem_prev = bytes_of(cell.value);
            r.mem_new = bytes_of(now);
            r.writable = Val::from_bool(cell.writable);
            r.in_pos = f(self.in_pos);
            r.j_pos = f(self.j_pos());
            for i in 0..taken {
                let lane = (lo + i) as usize;
                r.data[lane] = Val::ONE;
                let byte = now.to_le_bytes()[lane];
                if store {
                    self.input_counts[self.in_pos as usize] += 1;
                    self.in_pos += 1;
                } else {
                    self.journal.push(byte);
                    self.journal_counts.push(1);
                }
            }
            r.in_next = f(self.in_pos);
            r.j_next = f(self.j_pos());
            self.push(Table::Io, &r);
            offset += count;
        }
        Ok(())
    }

    /// The ECALL chip's row: a0 and t0 read, a1 through the memory slot, a0
    /// written; and the run's end, if it ends here. Returns its clock.
    pub(super) fn ecall_chip_row(&mut self, e: &EcallStep<'_>, ends: bool) -> u32 {
        let [a0, a1, _] = e.args;
        let [res, a1_out] = e.results;
        let r = program_row(e.pc, ember_core::Instruction::Ecall).expect("ECALL is supported");
        let mut ad = self
            .begin(e.pc, e.cycle, &r, (a0, e.number))
            .expect("ECALL has a program row");
        let clk = self.clk;
        let mut row: EcallCols<Val> = cols::zeroed();
        row.flags = [Val::ONE];
        self.access_at(
            &mut row.access,
            clk,
            slot::MEM,
            reg::A1 as u32,
            Some(a1_out),
        );
        row.a1 = bytes_of(a1);
        row.a1_out = bytes_of(a1_out);
        row.extra = f((e.cost - 1) as u32);
        row.ends = Val::from_bool(ends);
        self.write_rd(&mut ad, &r, res);
        row.adapter = ad;
        self.push(Table::Ecall, &row);
        if let Some(exit) = e.exit {
            let (status, code) = match exit {
                ember_core::Exit::Halted { code } => (0, *code),
                ember_core::Exit::Panicked { .. } => (1, 0),
            };
            self.exit = Some((status, code, e.cycle + e.cost));
        }
        clk
    }
}

/// An ECALL's name for messages (its number if it has none).
pub(super) fn ecall_name(number: u32) -> String {
    ecall::name(number).map_or_else(|| number.to_string(), str::to_string)
}
