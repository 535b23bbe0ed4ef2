//! KECCAK_PERMUTE: the call's row, its lanes' rows and its permutation.

use ember_air::keccak::call::{KeccakCallCols, STATE_WORDS};
use ember_air::keccak::lane::KeccakLaneCols;
use ember_air::keccak::{LANES, Permutation};
use ember_air::{Table, Val, cols};
use ember_core::EcallStep;
use p3_field::PrimeCharacteristicRing;
use p3_keccak_air::NUM_ROUNDS;

use super::{Tracer, bytes_of, f};
use crate::ProveError;

impl Tracer {
    /// The ECALL chip's row, the call's row, a row per lane (its two words
    /// read and written at `4 clk + 2`) and the permutation to prove.
    pub(super) fn keccak_call(&mut self, e: &EcallStep<'_>) -> Result<(), ProveError> {
        let [state, a1, _] = e.args;
        let limit = u64::from(self.limit);
        if (self.keccak.len() as u64 + 1) * NUM_ROUNDS as u64 > limit {
            return Err(ProveError::AcceleratorTooLong {
                pc: e.pc,
                name: super::io::ecall_name(e.number),
                cycle: e.cycle,
                limit,
            });
        }
        let clk = self.ecall_chip_row(e, false);
        let ws = state >> 2;

        let mut call: KeccakCallCols<Val> = cols::zeroed();
        call.is_real = Val::ONE;
        call.clk = f(clk);
        call.cycle = f(self.rel(e.cycle));
        call.state = bytes_of(state);
        call.a1 = bytes_of(a1);
        call.buf.populate(state, STATE_WORDS, &mut self.lookups);
        self.push(Table::KeccakCall, &call);

        let mut lanes = [0u64; LANES];
        let ts = 4 * clk + ember_air::chips::slot::MEM as u32;
        for (i, lane) in lanes.iter_mut().enumerate() {
            let mut row: KeccakLaneCols<Val> = cols::zeroed();
            row.is_real = Val::ONE;
            row.clk = f(clk);
            row.ws = f(ws);
            row.lane = f(i as u32);
            let mut halves = [0u32; 2];
            for (h, half) in halves.iter_mut().enumerate() {
                let addr = ws + 2 * i as u32 + h as u32;
                // The word after the call: the executor's.
                let new = e.memory.read_u32(4 * addr);
                let cell = self.access(&mut row.access[h], ts, addr, Some(new));
                *half = cell.value;
                row.old[h] = bytes_of(cell.value);
                row.new[h] = bytes_of(new);
                self.lookups.range_word(new);
            }
            *lane = u64::from(halves[0]) | u64::from(halves[1]) << 32;
            self.push(Table::KeccakLane, &row);
        }
        self.keccak.push(Permutation { clk, ws, lanes });
        Ok(())
    }
}
