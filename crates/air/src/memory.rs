//! The offline memory argument's boundary: registers and RAM as one address
//! space on the memory bus. Register `i` is address `i`; a RAM word at byte
//! address `a` is address `a / 4` (at least `0x4000`: the guard region lies
//! below, so the two never meet).
//!
//! Every value is a tuple `(address, value[4], timestamp, writable)`. An
//! access receives the tuple its address holds and sends the new one with a
//! later timestamp. The [`ImageAir`] sends each initial tuple (registers and
//! the ELF's words) at timestamp 0; the [`MemoryAir`] sends a zero tuple for
//! every other address it lists, and receives each listed address's final
//! tuple. Its addresses are strictly increasing, so each address has exactly
//! one beginning and one end, and the bus balances only if every access
//! between them read what the previous one wrote. `writable` is 0 for code:
//! it travels with the value, and a store must see 1, so code is immutable.

use core::borrow::Borrow;

use ember_abi::memory::STACK_TOP;
use ember_abi::reg::SP;
use ember_core::Program;
use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;

use crate::bytes::range_pair;
use crate::{bus, columns, word};

/// One initial value: `(address, value, writable)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitialWord {
    /// Register number, or byte address / 4.
    pub addr: u32,
    /// The value.
    pub value: u32,
    /// False for code.
    pub writable: bool,
}

/// The initial state: the 32 registers (`sp = STACK_TOP`, the rest 0), every
/// word of an executable segment (read-only), and every non-zero word of the
/// other segments. Other words start at zero, which [`MemoryAir`] provides.
pub fn initial_words(program: &Program) -> Vec<InitialWord> {
    let mut words: Vec<InitialWord> = (0..32)
        .map(|r| InitialWord {
            addr: r,
            value: if r as usize == SP { STACK_TOP } else { 0 },
            writable: true,
        })
        .collect();
    let memory = program.initial_memory();
    for s in program.segments() {
        let (start, end) = (
            s.vaddr / 4,
            (s.vaddr as u64 + s.memsz as u64).div_ceil(4) as u32,
        );
        for w in start..end {
            let value = memory.read_u32(w * 4);
            if s.executable || value != 0 {
                words.push(InitialWord {
                    addr: w,
                    value,
                    writable: !s.executable,
                });
            }
        }
    }
    words
}

/// The initial image: preprocessed `(address, value bytes, writable,
/// is_real)`, each real row sent once at timestamp 0.
#[derive(Clone, Debug)]
pub struct ImageAir {
    /// `None` for the table a verifying key commits to.
    words: Option<Vec<InitialWord>>,
    height: usize,
}

/// Preprocessed columns of the image table.
const IMAGE_WIDTH: usize = 7;

impl ImageAir {
    /// The image table of these words.
    pub fn new(words: Vec<InitialWord>) -> Self {
        let height = words.len().next_power_of_two().max(16);
        ImageAir {
            words: Some(words),
            height,
        }
    }

    /// The table as a verifying key holds it: its constraints and its
    /// height, without its words (the key holds their commitment), so it
    /// has no preprocessed trace.
    pub fn keyed(height: usize) -> Self {
        ImageAir {
            words: None,
            height,
        }
    }

    /// The words (none in a keyed table).
    pub fn words(&self) -> &[InitialWord] {
        self.words.as_deref().unwrap_or_default()
    }

    /// Rows, padded to a power of two.
    pub fn height(&self) -> usize {
        self.height
    }
}

impl<F: Field> BaseAir<F> for ImageAir {
    fn width(&self) -> usize {
        1
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let words = self.words.as_ref()?;
        let mut values = F::zero_vec(self.height() * IMAGE_WIDTH);
        for (row, w) in values.chunks_mut(IMAGE_WIDTH).zip(words) {
            let [b0, b1, b2, b3] = w.value.to_le_bytes();
            row.copy_from_slice(&[
                F::from_u32(w.addr),
                F::from_u8(b0),
                F::from_u8(b1),
                F::from_u8(b2),
                F::from_u8(b3),
                F::from_bool(w.writable),
                F::ONE,
            ]);
        }
        Some(RowMajorMatrix::new(values, IMAGE_WIDTH))
    }

    fn preprocessed_width(&self) -> usize {
        IMAGE_WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB> Air<AB> for ImageAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let p: Vec<AB::Expr> = builder
            .preprocessed()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        // The table has one main column (a trace cannot be empty); it is 0.
        let unused = builder.main().current_slice()[0];
        builder.assert_zero(unused);
        let message = [
            p[0].clone(),
            p[1].clone(),
            p[2].clone(),
            p[3].clone(),
            p[4].clone(),
            AB::Expr::ZERO,
            p[5].clone(),
        ];
        builder.push_interaction(bus::MEMORY, message, Count::bounded(p[6].clone(), 1));
    }
}

/// The columns of the memory boundary table.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryCols<T> {
    /// 1 on rows that list an address.
    pub is_real: T,
    /// The address's bytes (the address is below 2^30).
    pub addr: [T; 4],
    /// The final value.
    pub value: [T; 4],
    /// The final timestamp.
    pub ts: T,
    /// 0 for code.
    pub writable: T,
    /// 1 if the address starts at zero here (it is not in the image).
    pub zero_init: T,
    /// `addr - previous addr - 1`, in bytes (below 2^29): strictly increasing.
    pub gap: [T; 4],
}

columns!(MemoryCols, MEMORY_WIDTH, MEMORY_COLS);

/// The memory boundary table.
#[derive(Clone, Debug, Default)]
pub struct MemoryAir;

impl<F: Field> BaseAir<F> for MemoryAir {
    fn width(&self) -> usize {
        MEMORY_WIDTH
    }
}

impl<AB> Air<AB> for MemoryAir
where
    AB: AirBuilder + PermutationAirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &MemoryCols<AB::Var> = main.current_slice().borrow();
        let next: &MemoryCols<AB::Var> = main.next_slice().borrow();
        let one = || AB::Expr::ONE;

        let is_real: AB::Expr = local.is_real.into();
        let zero_init: AB::Expr = local.zero_init.into();
        let writable: AB::Expr = local.writable.into();
        builder.assert_bool(is_real.clone());
        builder.assert_bool(zero_init.clone());
        builder.assert_bool(writable.clone());
        // Only listed addresses start at zero, and zero memory is writable.
        builder.assert_zero(zero_init.clone() * (one() - is_real.clone()));
        builder.assert_zero(zero_init.clone() * (one() - writable.clone()));
        // Listed rows come first.
        builder
            .when_transition()
            .assert_zero((one() - is_real.clone()) * next.is_real.into());
        // Strictly increasing addresses: next = this + 1 + gap, gap < 2^30.
        let addr = word(local.addr.map(Into::into));
        let next_addr = word(next.addr.map(Into::into));
        let next_gap = word(next.gap.map(Into::into));
        builder
            .when_transition()
            .assert_zero(next.is_real.into() * (next_addr - addr.clone() - one() - next_gap));
        // Range checks: the address is below 2^30 and the gap below 2^29, so
        // `addr + 1 + gap` stays below p and the order is the integers'
        // (with gaps up to 2^30, a sum past p would wrap and let an address
        // be listed twice). The prover lists filler addresses in wider gaps.
        for (w, top) in [(local.addr, 4), (local.gap, 8)] {
            let [b0, b1, b2, b3]: [AB::Expr; 4] = w.map(Into::into);
            range_pair(builder, b0, b1, is_real.clone());
            range_pair(builder, b2, b3 * AB::Expr::from_u32(top), is_real.clone());
        }

        // A zero tuple where the address begins (if not in the image).
        let zero = || AB::Expr::ZERO;
        builder.push_interaction(
            bus::MEMORY,
            [addr.clone(), zero(), zero(), zero(), zero(), zero(), one()],
            Count::bounded(zero_init, 1),
        );
        // The final tuple, consumed.
        let [v0, v1, v2, v3]: [AB::Expr; 4] = local.value.map(Into::into);
        builder.push_interaction(
            bus::MEMORY,
            [addr, v0, v1, v2, v3, local.ts.into(), writable],
            Count::bounded(-is_real, 1),
        );
    }
}

/// The widest gap between two listed addresses (a wider one gets filler rows).
pub const MAX_GAP: u32 = (1 << 29) - 1;
