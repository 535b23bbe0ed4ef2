//! SHA256_COMPRESS: the call's row and its compressions' rounds.

use ember_abi::{SHA256_STATE_WORDS, reg};
use ember_air::chips::slot;
use ember_air::gadget::inverse_or_zero;
use ember_air::sha::call::ShaCallCols;
use ember_air::sha::{self, Compression, ROUNDS, ShaRoundCols};
use ember_air::{Table, Val, cols};
use ember_core::EcallStep;
use p3_field::PrimeCharacteristicRing;

use super::{Tracer, bytes_of, f};
use crate::ProveError;

impl Tracer {
    /// The ECALL chip's row, the call's row and `count` compressions of 64
    /// rounds, each reading its block's words from memory.
    pub(super) fn sha_call(&mut self, e: &EcallStep<'_>) -> Result<(), ProveError> {
        let [state, blocks, count] = e.args;
        let name = || super::io::ecall_name(e.number);
        if count == 0 {
            return Err(ProveError::UnsupportedEcall {
                pc: e.pc,
                name: format!("{} of 0 blocks", name()),
                cycle: e.cycle,
            });
        }
        let rounds = self.rows[Table::ShaRound.index()].len() / sha::SHA_ROUND_WIDTH;
        let limit = u64::from(self.limit);
        if rounds as u64 + u64::from(count) * ROUNDS as u64 > limit {
            return Err(ProveError::AcceleratorTooLong {
                pc: e.pc,
                name: name(),
                cycle: e.cycle,
                limit,
            });
        }
        let clk = self.ecall_chip_row(e, false);

        let mut call: ShaCallCols<Val> = cols::zeroed();
        call.is_real = Val::ONE;
        call.clk = f(clk);
        call.cycle = f(self.rel(e.cycle));
        call.state = bytes_of(state);
        call.blocks = bytes_of(blocks);
        call.count = bytes_of(count);
        call.count_inv = inverse_or_zero(f(count));
        let mem_ts = 4 * clk + slot::MEM as u32;
        self.access(&mut call.count_access, mem_ts, reg::A2 as u32, None);
        let (ws, wb) = (state >> 2, blocks >> 2);
        let words = SHA256_STATE_WORDS;
        call.state_buf.populate(state, words, &mut self.lookups);
        call.blocks_buf
            .populate(blocks, 16 * count, &mut self.lookups);

        // The old state, as the memory argument holds it.
        let old: [u32; 8] = core::array::from_fn(|j| self.value_at(ws + j as u32));
        let mut h = old;
        for k in 0..count {
            let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS];
            let first = wb + 16 * k;
            // The block's words at 4 clk + 1, before the state is written.
            let block: [u32; 16] = core::array::from_fn(|t| {
                let row = &mut rows[t];
                let cell = self.access(
                    &mut row.access,
                    4 * clk + slot::BLOCK as u32,
                    first + t as u32,
                    None,
                );
                row.writable = Val::from_bool(cell.writable);
                u32::from_be_bytes(cell.value.to_le_bytes())
            });
            let which = Compression {
                is_real: true,
                clk,
                k,
                wb: first,
            };
            h = sha::populate(&mut rows, which, h, block, &mut self.lookups);
            for row in &rows {
                self.push(Table::ShaRound, row);
            }
        }

        // The new state: the executor's, written at 4 clk + 2.
        for j in 0..words as usize {
            let addr = ws + j as u32;
            let new = e.memory.read_u32(4 * addr);
            debug_assert_eq!(new, h[j], "the round table agrees with the executor");
            self.access(&mut call.access[j], mem_ts, addr, Some(new));
            call.old[j] = bytes_of(old[j]);
            call.new[j] = bytes_of(new);
            self.lookups.range_word(new);
        }
        self.push(Table::ShaCall, &call);
        Ok(())
    }

    /// Pads the round table, if it has rows, with compressions that are not
    /// real (their rounds hold, their range checks are counted, they send
    /// nothing else) up to a power of two.
    pub(super) fn pad_sha(&mut self) {
        let width = sha::SHA_ROUND_WIDTH;
        let real = self.rows[Table::ShaRound.index()].len() / width;
        if real == 0 {
            return;
        }
        for _ in (real / ROUNDS)..(real.next_power_of_two() / ROUNDS) {
            let mut rows = vec![ShaRoundCols::<Val>::default(); ROUNDS];
            let none = Compression::default();
            sha::populate(&mut rows, none, [0; 8], [0; 16], &mut self.lookups);
            for row in &rows {
                self.push(Table::ShaRound, row);
            }
        }
    }
}
