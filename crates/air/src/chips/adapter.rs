//! What every instruction chip shares: the instruction from the program
//! bus, the execution state from the execution bus, and the register
//! accesses (`rs1`, `rs2`, `rd`). Every chip's row starts with
//! [`AdapterCols`] and calls [`eval`] once.

use p3_air::AirBuilder;
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder};

use super::slot;
use crate::gadget::AccessCols;
use crate::ops::Op;
use crate::{bus, columns};

/// The instruction's register fields, as the program table sends them (see
/// [`crate::ops::ProgramRow`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsnCols<T> {
    /// Destination register.
    pub rd: T,
    /// First source register.
    pub rs1: T,
    /// Second source register.
    pub rs2: T,
    /// Whether `rd` is written.
    pub writes_rd: T,
}

/// The instruction's static operands on the program bus, as a chip has
/// them: its own columns where its operations use them, and zero where the
/// program table holds zero for every one of its operations (so a chip pays
/// no column for a field it never uses).
pub(crate) struct Statics<E> {
    /// The immediate's bytes.
    pub(crate) imm: [E; 4],
    /// A static result's bytes.
    pub(crate) value: [E; 4],
    /// A static next pc.
    pub(crate) target: E,
}

impl<E: PrimeCharacteristicRing> Statics<E> {
    /// No static operand: all zero.
    pub(crate) fn none() -> Self {
        Statics {
            imm: core::array::from_fn(|_| E::ZERO),
            value: core::array::from_fn(|_| E::ZERO),
            target: E::ZERO,
        }
    }

    /// Only an immediate.
    pub(crate) fn imm(imm: [E; 4]) -> Self {
        Statics {
            imm,
            ..Statics::none()
        }
    }
}

/// The columns every chip row starts with.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdapterCols<T> {
    /// 1 on rows that hold an executed instruction, 0 on padding.
    pub is_real: T,
    /// The instruction's address.
    pub pc: T,
    /// Its clock: its place in the run, from 1 (timestamps are `4 clk +
    /// slot`).
    pub clk: T,
    /// Cycles before it (ECALLs may cost more than one).
    pub cycle: T,
    /// The instruction, from the program table.
    pub insn: InsnCols<T>,
    /// `rs1`'s value.
    pub a: [T; 4],
    /// `rs2`'s value.
    pub b: [T; 4],
    /// The value written to `rd` (or that would be, for x0).
    pub c: [T; 4],
    /// `rd`'s value before.
    pub rd_prev: [T; 4],
    /// The register accesses: `rs1`, `rs2`, `rd` (see [`RS1`], [`RS2`],
    /// [`RD`]).
    pub access: [AccessCols<T>; 3],
}

columns!(AdapterCols, ADAPTER_WIDTH, ADAPTER_COLS);

/// The index of `rs1`'s access in [`AdapterCols::access`].
pub const RS1: usize = 0;
/// The index of `rs2`'s access.
pub const RS2: usize = 1;
/// The index of `rd`'s access.
pub const RD: usize = 2;

/// A chip's operation flags: `vars[i]` is 1 on rows of `ops[i]`.
pub(crate) struct Flags<'a, T> {
    pub(crate) ops: &'static [Op],
    pub(crate) vars: &'a [T],
}

impl<'a, T: Copy> Flags<'a, T> {
    /// The flags `vars` of the chip's operations `ops`, in order.
    pub(crate) fn new(ops: &'static [Op], vars: &'a [T]) -> Self {
        Flags { ops, vars }
    }

    /// The flag of `op`, which must be one of the chip's.
    pub(crate) fn of<E: From<T>>(&self, op: Op) -> E {
        let i = self.ops.iter().position(|&o| o == op);
        self.vars[i.unwrap_or_else(|| panic!("{op:?} is not one of this chip's operations"))].into()
    }

    /// The sum of the flags of `ops`: 1 on rows of one of them.
    pub(crate) fn any<E: From<T> + PrimeCharacteristicRing>(&self, ops: &[Op]) -> E {
        ops.iter().fold(E::ZERO, |acc, &op| acc + self.of::<E>(op))
    }

    /// The sum of the flags of the chip's operations that `keep` selects.
    pub(crate) fn any_where<E: From<T> + PrimeCharacteristicRing>(
        &self,
        keep: fn(Op) -> bool,
    ) -> E {
        self.ops
            .iter()
            .zip(self.vars)
            .filter(|&(&o, _)| keep(o))
            .fold(E::ZERO, |acc, (_, &v)| acc + E::from(v))
    }

    /// The operation's code on the program bus: `sum flag_i op_i`.
    fn op_code<E: From<T> + PrimeCharacteristicRing>(&self) -> E {
        self.ops
            .iter()
            .zip(self.vars)
            .fold(E::ZERO, |acc, (&o, &v)| {
                acc + E::from(v) * E::from_u8(o as u8)
            })
    }
}

/// A word's four limbs as expressions.
pub(crate) fn limbs<T: Copy, E: From<T>>(w: &[T; 4]) -> [E; 4] {
    w.map(E::from)
}

/// The timestamp of `slot` at clock `clk`.
pub(crate) fn timestamp<E: PrimeCharacteristicRing>(clk: E, slot: usize) -> E {
    clk * E::from_u32(4) + E::from_usize(slot)
}

/// The shared constraints of a chip row with operation flags `flags`:
/// - one flag per real row (flags boolean, summing to `is_real`), and a
///   padding row writes nothing;
/// - the instruction at `pc` is in the program table (the op code from the
///   flags, the register fields from [`InsnCols`], the static operands
///   from `statics`);
/// - the row consumes the execution state `(pc, clk, cycle)` and produces
///   `(next_pc, clk + 1, cycle + 1 + extra)` when `produces` is 1;
/// - it reads `rs1` and `rs2` (when its operation does) and writes `rd`
///   (when `writes_rd`) at timestamps `4 clk + slot`.
pub(crate) fn eval<AB>(
    builder: &mut AB,
    ad: &AdapterCols<AB::Var>,
    flags: &Flags<'_, AB::Var>,
    statics: Statics<AB::Expr>,
    next_pc: AB::Expr,
    extra: AB::Expr,
    produces: AB::Expr,
) where
    AB: AirBuilder + InteractionBuilder,
{
    let one = || AB::Expr::ONE;
    let is_real: AB::Expr = ad.is_real.into();
    builder.assert_bool(is_real.clone());
    for &v in flags.vars {
        builder.assert_bool(v);
    }
    builder.assert_eq(flags.any_where::<AB::Expr>(|_| true), is_real.clone());
    let insn = &ad.insn;
    builder.assert_zero(insn.writes_rd.into() * (one() - is_real.clone()));

    // The instruction: from the program table.
    let mut message: Vec<AB::Expr> = vec![
        ad.pc.into(),
        flags.op_code(),
        insn.rd.into(),
        insn.rs1.into(),
        insn.rs2.into(),
    ];
    message.extend(statics.imm);
    message.extend(statics.value);
    message.push(statics.target);
    message.push(insn.writes_rd.into());
    builder.push_interaction(bus::PROGRAM, message, Count::bounded(is_real.clone(), 1));

    // The execution state: consumed, and the next one produced.
    let clk: AB::Expr = ad.clk.into();
    let cycle: AB::Expr = ad.cycle.into();
    builder.push_interaction(
        bus::EXEC,
        [ad.pc.into(), clk.clone(), cycle.clone()],
        Count::bounded(-is_real, 1),
    );
    builder.push_interaction(
        bus::EXEC,
        [next_pc, clk.clone() + one(), cycle + one() + extra],
        Count::bounded(produces, 1),
    );

    // Registers.
    let a = limbs::<_, AB::Expr>(&ad.a);
    let b = limbs::<_, AB::Expr>(&ad.b);
    ad.access[RS1].eval(
        builder,
        insn.rs1.into(),
        a.clone(),
        a,
        one(),
        timestamp(clk.clone(), slot::RS1),
        flags.any_where(Op::reads_rs1),
    );
    ad.access[RS2].eval(
        builder,
        insn.rs2.into(),
        b.clone(),
        b,
        one(),
        timestamp(clk.clone(), slot::RS2),
        flags.any_where(Op::reads_rs2),
    );
    ad.access[RD].eval(
        builder,
        insn.rd.into(),
        limbs(&ad.rd_prev),
        limbs(&ad.c),
        one(),
        timestamp(clk, slot::RD),
        insn.writes_rd.into(),
    );
}

/// [`eval`] for a chip whose instructions all go on to `pc + 4` at the cost
/// of one cycle; returns its flags.
pub(crate) fn eval_sequential<'a, AB>(
    builder: &mut AB,
    ad: &AdapterCols<AB::Var>,
    ops: &'static [Op],
    flags: &'a [AB::Var],
    statics: Statics<AB::Expr>,
) -> Flags<'a, AB::Var>
where
    AB: AirBuilder + InteractionBuilder,
{
    let f = Flags::new(ops, flags);
    let next_pc = ad.pc.into() + AB::Expr::from_u32(4);
    eval(
        builder,
        ad,
        &f,
        statics,
        next_pc,
        AB::Expr::ZERO,
        ad.is_real.into(),
    );
    f
}
