//! What the tamper suite needs around a trace: building the honest one,
//! editing its cells by column name, re-counting the lookup tables, and an
//! audit that says which constraint rows fail and which bus tuples do not
//! balance before the trace is proven.
//!
//! The audit is the suite's witness that a case tests what it says: each
//! case states where its tamper is caught (constraint rows of a table, or a
//! bus), the audit must agree exactly, and then the verifier must reject the
//! proof. It evaluates the tables' own constraints (Plonky3's
//! `check_all_constraints`) and the lookups Plonky3 derives from them, so it
//! holds no second copy of the AIR.

// Shared by the suite's two binaries (`tamper`, `tamper_io`), each of
// which uses part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, OnceLock};

mod cpu;

pub use cpu::{At, CpuMap, NONE};

use ember_air::chips::adapter::ADAPTER_COLS;
use ember_air::chips::slot;
use ember_air::cols::{self, Row};
use ember_air::gadget::{AdderCols, MulCols};
use ember_air::io::{DataAir, IO_COLS, IO_WIDTH, IoCols, kind};
use ember_air::lookups::Lookups;
use ember_air::ops::Op;
use ember_air::paging::chunk::{CHUNK_WIDTH, ChunkCols};
use ember_air::paging::perm::PermAir;
use ember_air::paging::tree::{
    CHUNK_WORDS, Digest, MemoryState, MemoryTree, NodeUpdate, chunk_digest,
};
use ember_air::public::index as public;
use ember_air::{EmberAir, EmberConfig, Table, Val, config, table};
use ember_core::{BufferHost, Machine, Program, Segment};
use ember_prover::Traces;
use ember_verifier::{Statement, verify};
use p3_air::{BaseAir, DebugConstraintBuilder, check_all_constraints};
use p3_batch_stark::CommonData;
use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
use p3_matrix::Matrix;
use p3_matrix::dense::{RowMajorMatrix, RowMajorMatrixView};
use p3_matrix::stack::ViewPair;

/// Where the code of the suite's programs starts.
pub const CODE: u32 = 0x0040_0000;
/// Where their data starts.
pub const DATA: u32 = 0x0050_0000;
/// The data segment's initial bytes: words 0x04030201, 0x08070605.
pub const DATA_BYTES: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// A program: `words` at [`CODE`] (the entry) and 0x100 bytes of data at
/// [`DATA`] starting with [`DATA_BYTES`].
pub fn program(words: &[u32]) -> Program {
    Program::from_segments(
        CODE,
        vec![
            Segment::code(CODE, words),
            Segment::data(DATA, &DATA_BYTES, 0x100),
        ],
    )
    .unwrap()
}

/// `addi t0, x0, 0; ecall`: HALT with the exit code in a0.
pub fn halt() -> [u32; 2] {
    [ember_core::asm::addi(5, 0, 0), ember_core::asm::ecall()]
}

/// An accelerator buffer's checks for `words` words at `at`, as a call row
/// holds them whether the executor would accept the buffer or not (`limit`
/// is the field element `LAST_WORD - last word`, bytes or not).
pub fn buffer_at(at: u32, words: u32) -> ember_air::gadget::BufferCols<Val> {
    let last = f(at / 4 + words - 1);
    ember_air::gadget::BufferCols {
        k0: f((at & 0xff) >> 2),
        guard_inv: f(at >> 16).try_inverse().unwrap_or(Val::ZERO),
        limit: bytes((f(ember_air::gadget::buffer::LAST_WORD) - last).as_canonical_u32()),
    }
}

/// `v` as a field element.
pub fn f(v: u32) -> Val {
    Val::from_u32(v)
}

/// The four little-endian bytes of `w` as field elements.
pub fn bytes(w: u32) -> [Val; 4] {
    w.to_le_bytes().map(Val::from_u8)
}

/// The address of a RAM word on the memory bus (byte address / 4).
pub fn word_addr(byte_addr: u32) -> u32 {
    byte_addr / 4
}

/// One row of the memory boundary table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemEntry {
    /// Register number or word address.
    pub addr: u32,
    /// Initial value, limbs as stored.
    pub init: [Val; 4],
    /// Final value, limbs as stored.
    pub value: [Val; 4],
    /// Final timestamp.
    pub ts: u32,
    /// 0 for code.
    pub writable: bool,
}

/// Where the audit says a trace fails.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caught {
    /// `(table, row)` pairs with a failing constraint, sorted.
    pub rows: Vec<(usize, usize)>,
    /// Buses with a tuple that does not balance, sorted.
    pub buses: Vec<String>,
}

impl Caught {
    /// Nothing catches it: every constraint holds and every bus balances.
    pub fn nothing() -> Caught {
        Caught::default()
    }

    /// A constraint of `table` fails on `row`.
    pub fn row(table: usize, row: usize) -> Caught {
        Caught::nothing().and_row(table, row)
    }

    /// A constraint of the chip row `at` fails.
    pub fn at(at: At) -> Caught {
        Caught::nothing().and_row(at.table, at.row)
    }

    /// And a constraint of the chip row `at` fails.
    pub fn and_at(self, at: At) -> Caught {
        self.and_row(at.table, at.row)
    }

    /// A tuple on `bus` does not balance.
    pub fn bus(bus: &str) -> Caught {
        Caught::nothing().and_bus(bus)
    }

    /// And a constraint of `table` fails on `row`.
    pub fn and_row(mut self, table: usize, row: usize) -> Caught {
        self.rows.push((table, row));
        self.rows.sort_unstable();
        self.rows.dedup();
        self
    }

    /// And a tuple on `bus` does not balance.
    pub fn and_bus(mut self, bus: &str) -> Caught {
        self.buses.push(bus.to_string());
        self.buses.sort_unstable();
        self.buses.dedup();
        self
    }
}

/// What the audit found.
pub struct Audit {
    /// `(table, row, constraint index)` of every failing constraint.
    pub failures: Vec<(usize, usize, usize)>,
    /// `(bus, tuple, net multiplicity)` of every tuple that does not balance.
    pub unbalanced: Vec<(String, Vec<Val>, Val)>,
}

impl Audit {
    /// Where it fails, without the details.
    pub fn caught(&self) -> Caught {
        let mut c = Caught::nothing();
        for &(t, r, _) in &self.failures {
            c = c.and_row(t, r);
        }
        for (bus, _, _) in &self.unbalanced {
            c = c.and_bus(bus);
        }
        c
    }
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (t, r, i) in &self.failures {
            writeln!(f, "  table {t} row {r}: constraint #{i} fails")?;
        }
        for (bus, tuple, net) in &self.unbalanced {
            let tuple: Vec<u32> = tuple.iter().map(|v| v.as_canonical_u32()).collect();
            writeln!(f, "  bus {bus}: {tuple:?} has net multiplicity {net}")?;
        }
        Ok(())
    }
}

/// The tables' lookups, as Plonky3 derives them (the same for every
/// program: only the preprocessed values differ).
fn common() -> &'static CommonData<EmberConfig> {
    static COMMON: OnceLock<CommonData<EmberConfig>> = OnceLock::new();
    COMMON.get_or_init(|| {
        let airs = ember_prover::airs(&program(&halt()), b"", b"").unwrap();
        // Preprocessed tables have their own heights; the others any.
        let degrees: Vec<usize> = airs
            .iter()
            .map(|air| {
                BaseAir::<Val>::preprocessed_trace(air)
                    .map_or(4, |p| p.height().trailing_zeros() as usize)
            })
            .collect();
        ember_air::config::prover_data(&config(ember_air::Params::default()), &airs, &degrees)
            .unwrap()
            .common
    })
}

/// The bus a lookup is on (its `Kind` is not nameable from here: read its
/// debug form, `Global("name")`).
fn bus_name(kind: &impl fmt::Debug) -> String {
    let kind = format!("{kind:?}");
    kind.strip_prefix("Global(\"")
        .and_then(|k| k.strip_suffix("\")"))
        .unwrap_or(&kind)
        .to_string()
}

/// Calls `visit(row, (lookup, tuple), bus, tuple's values, count)` for
/// every tuple table `t` puts on a bus, on every row.
fn visit_lookups(
    airs: &[EmberAir],
    traces: &Traces,
    t: usize,
    mut visit: impl FnMut(usize, (usize, usize), &str, Vec<Val>, Val),
) {
    let lookups = &common().lookups[t];
    let buses: Vec<String> = lookups.iter().map(|l| bus_name(&l.kind)).collect();
    let main = &traces.matrices[t];
    let prep = airs[t].preprocessed_trace();
    let pv = public_values_of(traces, t);
    let height = main.height();
    for r in 0..height {
        let n = (r + 1) % height;
        let (local, next) = (main.row_slice(r).unwrap(), main.row_slice(n).unwrap());
        let main_pair = ViewPair::new(
            RowMajorMatrixView::new_row(&*local),
            RowMajorMatrixView::new_row(&*next),
        );
        let prep_rows = prep
            .as_ref()
            .map(|p| (p.row_slice(r).unwrap(), p.row_slice(n).unwrap()));
        let prep_pair = match &prep_rows {
            Some((l, n)) => ViewPair::new(
                RowMajorMatrixView::new_row(&**l),
                RowMajorMatrixView::new_row(&**n),
            ),
            None => ViewPair::new(
                RowMajorMatrixView::new(&[], 0),
                RowMajorMatrixView::new(&[], 0),
            ),
        };
        let b = DebugConstraintBuilder::<Val>::new(
            r,
            main_pair,
            prep_pair,
            pv,
            Val::from_bool(r == 0),
            Val::from_bool(r == height - 1),
            Val::from_bool(r != height - 1),
            &[],
        );
        for (l, lookup) in lookups.iter().enumerate() {
            for (k, tuple) in lookup.elements.iter().enumerate() {
                let mut m = lookup.multiplicities[k].resolve(&b);
                if let Some(flags) = &lookup.flags {
                    m *= flags[k].resolve(&b);
                }
                let key = tuple.iter().map(|e| e.resolve(&b)).collect();
                visit(r, (l, k), &buses[l], key, m);
            }
        }
    }
}

/// Net multiplicities of every tuple the tables in `tables` put on each bus.
fn bus_counts(
    airs: &[EmberAir],
    traces: &Traces,
    tables: impl Iterator<Item = usize>,
) -> HashMap<(String, Vec<Val>), Val> {
    let mut counts: HashMap<(String, Vec<Val>), Val> = HashMap::new();
    for t in tables {
        visit_lookups(airs, traces, t, |_, _, bus, key, m| {
            if !m.is_zero() {
                *counts.entry((bus.to_string(), key)).or_insert(Val::ZERO) += m;
            }
        });
    }
    counts
}

fn public_values_of(traces: &Traces, t: usize) -> &[Val] {
    if Table::ALL[t].has_public_values() {
        &traces.public_values
    } else {
        &[]
    }
}

/// Checks every constraint of every table and the balance of every bus.
pub fn audit(airs: &[EmberAir], traces: &Traces) -> Audit {
    let mut failures = Vec::new();
    // The tables a proof would hold (an all-zero optional table is left out).
    let present = ember_prover::tables_of(traces);
    for (t, air) in airs.iter().enumerate() {
        if !present.contains(air.id()) {
            continue;
        }
        let report =
            check_all_constraints(air, &traces.matrices[t], public_values_of(traces, t), None);
        failures.extend(report.failures.iter().map(|x| (t, x.row, x.constraint)));
    }
    let in_proof = (0..airs.len()).filter(|&t| present.contains(airs[t].id()));
    let mut unbalanced: Vec<(String, Vec<Val>, Val)> = bus_counts(airs, traces, in_proof)
        .into_iter()
        .filter(|(_, net)| !net.is_zero())
        .map(|((bus, tuple), net)| (bus, tuple, net))
        .collect();
    unbalanced.sort_by_key(|(bus, tuple, _)| {
        (
            bus.clone(),
            tuple
                .iter()
                .map(|v| v.as_canonical_u32())
                .collect::<Vec<_>>(),
        )
    });
    Audit {
        failures,
        unbalanced,
    }
}

/// A gap as three bytes when it fits, and otherwise as one field element in
/// the lowest limb (the range check's business).
pub fn gap_limbs(gap: Val) -> [Val; 3] {
    let g = gap.as_canonical_u32();
    if g < 1 << 24 {
        let [g0, g1, g2, _] = bytes(g);
        [g0, g1, g2]
    } else {
        [gap, Val::ZERO, Val::ZERO]
    }
}

/// The journal the executor writes running `program` on `input`.
fn journal_of(program: &Program, input: &[u8]) -> Vec<u8> {
    let mut machine = Machine::new(program);
    let mut host = BufferHost::with_input(input);
    machine.run(&mut host).expect("the honest run ends");
    host.journal
}

/// Programs whose honest proof has been checked already.
static VERIFIED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// One tamper case: the program the verifier holds, the (tampered) traces,
/// and the statement the prover claims.
pub struct Case {
    /// The program given to the verifier.
    pub program: Program,
    /// The tables.
    pub airs: Vec<EmberAir>,
    /// The traces, tampered with by the case.
    pub traces: Traces,
    /// The claim, kept in step with the traces' public values.
    pub statement: Statement,
    /// The input given to the verifier (and the run).
    pub input: Vec<u8>,
    /// The journal given to the verifier: the run's, unless the case
    /// claims another.
    pub journal: Vec<u8>,
    /// I/O columns.
    pub io: IoCols<usize>,
}

impl Case {
    /// The honest traces of `program` (run on no input): the audit finds
    /// nothing, and (once per program) the honest proof verifies.
    pub fn honest(program: Program) -> Case {
        Case::honest_with(program, b"")
    }

    /// The honest traces of `program` run on `input`, checked as
    /// [`Case::honest`] checks them.
    pub fn honest_with(program: Program, input: &[u8]) -> Case {
        let (airs, traces) = ember_prover::trace(&program, input).unwrap();
        let journal = journal_of(&program, input);
        let case = Case::new(program, input, journal, airs, traces);
        let found = case.audit();
        assert_eq!(
            found.caught(),
            Caught::nothing(),
            "the honest trace fails its own audit:\n{found}"
        );
        let key = format!(
            "{:?}/{:?}/{:?}",
            case.program.image_id(),
            case.input,
            case.statement
        );
        let checked = VERIFIED.lock().unwrap().contains(&key);
        if !checked {
            let proof = ember_prover::prove_traces(&case.airs, &case.traces).unwrap();
            verify(
                &case.program,
                &case.input,
                &case.journal,
                &case.statement,
                &proof.proof,
            )
            .expect("the honest proof verifies");
            VERIFIED.lock().unwrap().push(key);
        }
        case
    }

    /// The traces of running `shadow` (a program that does what the cheat
    /// wants), presented against `program`: the tables are `program`'s, the
    /// chunk table's initial values (and the final ones of words the run
    /// never touched) follow `program`'s memory, the entry is `program`'s,
    /// and the lookup tables are re-counted. The case then patches the rows
    /// where the two programs differ.
    pub fn shadow(program: Program, shadow: &Program) -> Case {
        Case::shadow_with(program, shadow, b"")
    }

    /// [`Case::shadow`] with `shadow` run on `input` (the journal claimed
    /// is the shadow's).
    pub fn shadow_with(program: Program, shadow: &Program, input: &[u8]) -> Case {
        let (_, traces) = ember_prover::trace(shadow, input).unwrap();
        let journal = journal_of(shadow, input);
        let airs = ember_prover::airs(&program, input, &journal).unwrap();
        let mut case = Case::new(program, input, journal, airs, traces);
        // The run starts at `program`'s entry with `program`'s memory (the
        // verifier's).
        let root = MemoryState::initial(&case.program).root();
        case.traces.public_values[public::ROOT_IN..][..8].copy_from_slice(&root);
        case.traces.public_values[public::PC_IN] = f(case.program.entry());
        // The data table the verifier builds for what the shadow read.
        case.set_data();
        let program_height = match &case.airs[table::PROGRAM] {
            EmberAir::Program(p) => p.height(),
            _ => unreachable!("table order"),
        };
        case.traces.matrices[table::PROGRAM] =
            RowMajorMatrix::new(vec![Val::ZERO; program_height], 1);
        let state = MemoryState::initial(&case.program);
        let mut entries = case.memory();
        for e in &mut entries {
            let (init, writable) = state.word(e.addr);
            e.init = bytes(init);
            e.writable = writable;
            if e.ts == 0 {
                e.value = e.init;
            }
        }
        case.set_memory(&entries);
        case.rebalance();
        case
    }

    fn new(
        program: Program,
        input: &[u8],
        journal: Vec<u8>,
        airs: Vec<EmberAir>,
        traces: Traces,
    ) -> Case {
        let pv = &traces.public_values;
        let exit =
            pv[public::EXIT_LO].as_canonical_u32() | pv[public::EXIT_HI].as_canonical_u32() << 16;
        let statement = Statement {
            status: pv[public::STATUS].as_canonical_u32() as u8,
            exit_code: exit,
            cycles: u64::from(pv[public::CYCLES].as_canonical_u32()),
        };
        Case {
            program,
            airs,
            traces,
            statement,
            input: input.to_vec(),
            journal,
            io: IO_COLS,
        }
    }

    /// The audit of the current traces.
    pub fn audit(&self) -> Audit {
        audit(&self.airs, &self.traces)
    }

    // --- The I/O table. ---

    /// An I/O cell.
    pub fn io_cell(&self, row: usize, col: usize) -> Val {
        self.traces.matrices[table::IO].row_slice(row).unwrap()[col]
    }

    /// Sets an I/O cell.
    pub fn set_io(&mut self, row: usize, col: usize, v: Val) {
        let io = &mut self.traces.matrices[table::IO];
        let width = IO_WIDTH;
        io.values[row * width + col] = v;
    }

    /// Sets four I/O cells to the bytes of `w`.
    pub fn set_io_word(&mut self, row: usize, cols: [usize; 4], w: u32) {
        self.set_io_limbs(row, cols, bytes(w));
    }

    /// Replaces I/O row `row`.
    pub fn set_io_row(&mut self, row: usize, values: &[Val]) {
        let io = &mut self.traces.matrices[table::IO];
        let width = IO_WIDTH;
        io.values[row * width..(row + 1) * width].copy_from_slice(values);
    }

    /// Sets four I/O cells.
    pub fn set_io_limbs(&mut self, row: usize, cols: [usize; 4], limbs: [Val; 4]) {
        for (col, v) in cols.into_iter().zip(limbs) {
            self.set_io(row, col, v);
        }
    }

    /// The I/O table's header of the HALT (or PANIC): the last header.
    pub fn io_halt_row(&self) -> usize {
        let height = self.traces.matrices[table::IO].height();
        (0..height)
            .rev()
            .find(|&r| self.io_cell(r, self.io.is_header) == Val::ONE)
            .expect("a header")
    }

    /// The I/O table's last row (padding, which ends the positions).
    pub fn io_last_row(&self) -> usize {
        self.traces.matrices[table::IO].height() - 1
    }

    /// An I/O row.
    pub fn io_row(&self, row: usize) -> Vec<Val> {
        self.traces.matrices[table::IO]
            .row_slice(row)
            .unwrap()
            .to_vec()
    }

    /// Inserts `values` as I/O row `at`; the table keeps its height (its
    /// last row, which must be padding, goes), and the padding rows pass
    /// the positions through again.
    pub fn insert_io_row(&mut self, at: usize, values: &[Val]) {
        let io = &mut self.traces.matrices[table::IO];
        let width = IO_WIDTH;
        let last = io.values.len() - width;
        let padding =
            |row: &[Val]| row[self.io.is_header].is_zero() && row[self.io.is_word].is_zero();
        assert!(
            padding(&io.values[last..]),
            "the I/O table's last row is not padding"
        );
        io.values.truncate(last);
        io.values
            .splice(at * width..at * width, values.iter().copied());
        self.pass_positions();
    }

    /// Removes I/O row `at`; a padding row takes its place at the end, and
    /// the padding rows pass the positions through again.
    pub fn remove_io_row(&mut self, at: usize) {
        let io = &mut self.traces.matrices[table::IO];
        let width = IO_WIDTH;
        io.values.drain(at * width..(at + 1) * width);
        io.values.extend(std::iter::repeat_n(Val::ZERO, width));
        self.pass_positions();
    }

    /// The I/O table's padding rows (after the last real row) carry the
    /// input and journal positions the last real row leaves, as the prover
    /// fills them (the first row's, if none is real), and the public input
    /// position after the run is where they end (the prover's to state).
    pub fn pass_positions(&mut self) {
        let io = &mut self.traces.matrices[table::IO];
        let m = IO_COLS;
        let mut carried: Option<(Val, Val)> = None;
        for row in io.values.chunks_mut(IO_WIDTH) {
            let real = !(row[m.is_header].is_zero() && row[m.is_word].is_zero());
            if real {
                carried = Some((row[m.in_next], row[m.j_next]));
                continue;
            }
            let (i, j) = carried.unwrap_or((row[m.in_pos], row[m.j_pos]));
            row[m.in_pos] = i;
            row[m.in_next] = i;
            row[m.j_pos] = j;
            row[m.j_next] = j;
            carried = Some((i, j));
        }
        // The input read, as the prover states it: where the positions end
        // (the verifier's data table holds those bytes).
        let last = io.values.len() - IO_WIDTH;
        let read = io.values[last + m.in_next];
        if self.traces.public_values[public::IN_POS_OUT] != read {
            self.traces.public_values[public::IN_POS_OUT] = read;
            self.set_data();
        }
    }

    /// The I/O table's header of the ECALL at `at`.
    pub fn io_header_of(&self, at: At) -> usize {
        let clk = self.cpu(at, self.c(at).clk);
        let height = self.traces.matrices[table::IO].height();
        (0..height)
            .find(|&r| {
                self.io_cell(r, self.io.is_header) == Val::ONE
                    && self.io_cell(r, self.io.clk) == clk
            })
            .unwrap_or_else(|| panic!("no header for the ECALL at {at:?}"))
    }

    /// Makes header `row` one of kind `k` (its flag, and its number `t0`).
    pub fn set_io_kind(&mut self, row: usize, k: usize) {
        for flag in self.io.kind {
            self.set_io(row, flag, Val::ZERO);
        }
        self.set_io(row, self.io.kind[k], Val::ONE);
        self.set_io(row, self.io.number, f(kind::NUMBER[k]));
    }

    // --- The instruction chips. ---

    /// The columns of `at`'s chip, by the CPU table's old names.
    pub fn c(&self, at: At) -> CpuMap {
        CpuMap::of(Table::ALL[at.table])
    }

    /// A cell of a chip row.
    pub fn cpu(&self, at: At, col: usize) -> Val {
        self.traces.matrices[at.table].row_slice(at.row).unwrap()[col]
    }

    /// Makes the `li` at `pc` (a LUI, then an ADDI: `asm::li`) load
    /// `value`: the LUI's static result, the ADDI's read of it, its
    /// immediate, adder and result.
    pub fn set_li(&mut self, pc: u32, value: u32) {
        let (lui, addi) = (self.row_at(pc), self.row_at(pc + 4));
        let c = self.c(addi);
        let lo = (((value & 0xfff) as i32) << 20 >> 20) as u32;
        let hi = value.wrapping_sub(lo);
        self.set_word(lui, self.c(lui).insn.value, hi);
        self.set_word(lui, self.c(lui).c, hi);
        self.set_word(addi, c.a, hi);
        self.set_word(addi, c.rd_prev, hi);
        self.set_word(addi, c.insn.imm, lo);
        self.set_word(addi, c.opb, lo);
        self.set_adder(addi, hi, lo);
        self.set_word(addi, c.c, value);
    }

    /// Sets a cell of a chip row.
    pub fn set(&mut self, at: At, col: usize, v: Val) {
        assert_ne!(col, NONE, "{at:?}: its chip has no such column");
        let m = &mut self.traces.matrices[at.table];
        let width = m.width;
        m.values[at.row * width + col] = v;
    }

    /// Sets four cells of a chip row to the bytes of `w`.
    pub fn set_word(&mut self, at: At, cols: [usize; 4], w: u32) {
        self.set_limbs(at, cols, bytes(w));
    }

    /// Sets four cells of a chip row.
    pub fn set_limbs(&mut self, at: At, cols: [usize; 4], limbs: [Val; 4]) {
        for (col, v) in cols.into_iter().zip(limbs) {
            self.set(at, col, v);
        }
    }

    /// Every real row of every chip, in clock order.
    pub fn chip_rows(&self) -> Vec<At> {
        let mut rows: Vec<(u32, At)> = Vec::new();
        for t in Table::CHIPS {
            let m = &self.traces.matrices[t.index()];
            for row in 0..m.height() {
                let at = At {
                    table: t.index(),
                    row,
                };
                if self.cpu(at, ADAPTER_COLS.is_real) == Val::ONE {
                    rows.push((self.cpu(at, ADAPTER_COLS.clk).as_canonical_u32(), at));
                }
            }
        }
        rows.sort_by_key(|&(clk, _)| clk);
        rows.into_iter().map(|(_, at)| at).collect()
    }

    /// The first chip row at `pc`.
    pub fn row_at(&self, pc: u32) -> At {
        self.chip_rows()
            .into_iter()
            .find(|&at| self.cpu(at, ADAPTER_COLS.pc) == f(pc))
            .unwrap_or_else(|| panic!("no row at pc {pc:#x}"))
    }

    /// The row after `at` in the run.
    pub fn next(&self, at: At) -> At {
        let rows = self.chip_rows();
        let i = rows.iter().position(|&r| r == at).expect("a real row");
        rows[i + 1]
    }

    /// The first padding row of `table` (a chip).
    pub fn padding_row(&self, table: usize) -> At {
        let m = &self.traces.matrices[table];
        let row = (0..m.height())
            .find(|&row| m.row_slice(row).unwrap()[ADAPTER_COLS.is_real] == Val::ZERO)
            .expect("a padding row");
        At { table, row }
    }

    /// The HALT's (or PANIC's) row: the last.
    pub fn halt_row(&self) -> At {
        *self.chip_rows().last().expect("a row")
    }

    /// The timestamp of `slot` at `at`.
    pub fn ts(&self, at: At, slot: usize) -> u32 {
        4 * self.cpu(at, ADAPTER_COLS.clk).as_canonical_u32() + slot as u32
    }

    /// Makes the access in `slot` of `at` claim `prev_ts`, with the gap
    /// `ts - prev_ts - 1` in bytes when it fits in three, and otherwise as
    /// one field element in the lowest (the range check's business).
    pub fn set_access(&mut self, at: At, slot: usize, prev_ts: u32) {
        let a = self.c(at).access[slot];
        let limbs = gap_limbs(f(self.ts(at, slot)) - f(prev_ts) - Val::ONE);
        self.set(at, a.prev_ts, f(prev_ts));
        for (col, v) in a.gap.into_iter().zip(limbs) {
            self.set(at, col, v);
        }
    }

    /// [`Case::set_access`] for I/O row `row` (its memory slot).
    pub fn set_io_access(&mut self, row: usize, prev_ts: u32) {
        let a = self.io.access;
        let ts = 4 * self.io_cell(row, self.io.clk).as_canonical_u32() + slot::MEM as u32;
        let limbs = gap_limbs(f(ts) - f(prev_ts) - Val::ONE);
        self.set_io(row, a.prev_ts, f(prev_ts));
        for (col, v) in a.gap.into_iter().zip(limbs) {
            self.set_io(row, col, v);
        }
    }

    /// Sets I/O row `row`'s gap to the next header's clock, `next_clk -
    /// clk - 1`, as [`gap_limbs`] writes it.
    pub fn set_clk_gap(&mut self, row: usize, next_clk: Val) {
        let gap = next_clk - self.io_cell(row, self.io.clk) - Val::ONE;
        for (col, v) in self.io.clk_gap.into_iter().zip(gap_limbs(gap)) {
            self.set_io(row, col, v);
        }
    }

    /// The rows of ECALLs, in order.
    pub fn ecall_rows(&self) -> Vec<At> {
        self.chip_rows()
            .into_iter()
            .filter(|at| at.table == table::ECALL)
            .collect()
    }

    /// Adds `delta` to the cycle count of the row `from` and every row
    /// after it, of their I/O headers, and of the claim (public value and
    /// statement).
    pub fn shift_cycles_from(&mut self, from: At, delta: i32) {
        let d = if delta < 0 {
            -f(delta.unsigned_abs())
        } else {
            f(delta as u32)
        };
        self.shift_cycles_by(from, d);
    }

    /// [`Case::shift_cycles_from`] by any field element `d`: the claim
    /// says the public value's canonical form (a case whose shifts do not
    /// add up to an integer claims a cycle count the verifier refuses).
    pub fn shift_cycles_by(&mut self, from: At, d: Val) {
        let rows = self.chip_rows();
        let start = rows.iter().position(|&at| at == from).expect("a real row");
        for &at in &rows[start..] {
            let cycle = self.cpu(at, ADAPTER_COLS.cycle);
            self.set(at, ADAPTER_COLS.cycle, cycle + d);
            if at.table == table::ECALL {
                let header = self.io_header_of(at);
                let cycle = self.io_cell(header, self.io.cycle);
                self.set_io(header, self.io.cycle, cycle + d);
            }
        }
        self.traces.public_values[public::CYCLES] += d;
        self.statement.cycles =
            u64::from(self.traces.public_values[public::CYCLES].as_canonical_u32());
    }

    /// Fills the adder of `at`'s chip with `z = x + y` through the gadget's
    /// own `populate` (its lookups are dropped: a case re-counts with
    /// [`Case::rebalance`]).
    pub fn set_adder(&mut self, at: At, x: u32, y: u32) {
        let mut adder = AdderCols::<Val>::default();
        adder.populate(x, y, &mut Lookups::default());
        let cols = self.c(at).adder;
        for (col, val) in flat(&cols, 0).into_iter().zip(flat(&adder, Val::ZERO)) {
            self.set(at, col, val);
        }
    }

    /// Makes `at` an `op` row (one flag of its chip; `ends` with ECALL).
    pub fn set_op(&mut self, at: At, op: Op) {
        let c = self.c(at);
        for flag in c.flags.into_iter().filter(|&col| col != NONE) {
            self.set(at, flag, Val::ZERO);
        }
        self.set(at, c.flags[op.index()], Val::ONE);
        if c.ends != NONE {
            self.set(at, c.ends, Val::from_bool(op == Op::Ecall));
        }
    }

    /// Fills the multiplier with `U * V mod 2^64`, `U` being `u`
    /// sign-extended when `u_signed` (and its top bit is set) and `V`
    /// likewise, through the gadget's own `populate`; the flipped top bytes
    /// are the table's whatever sign the case claims.
    pub fn set_multiplier(&mut self, at: At, u: u32, u_signed: bool, v: u32, v_signed: bool) {
        let mut m = MulCols::<Val>::default();
        m.populate(u, v, 0, u_signed, v_signed, false, &mut Lookups::default());
        m.u3x = f((u >> 24) ^ 0x80);
        m.v3x = f((v >> 24) ^ 0x80);
        let cols = self.c(at).mul;
        for (col, val) in flat(&cols, 0).into_iter().zip(flat(&m, Val::ZERO)) {
            self.set(at, col, val);
        }
    }

    /// The word a load or store saw before and the one it left.
    pub fn set_memory_access(&mut self, at: At, before: u32, after: u32) {
        let c = self.c(at);
        self.set_word(at, c.mem_prev, before);
        self.set_word(at, c.mem_new, after);
    }

    // --- The memory table. ---

    /// The chunk table's words, row by row (every word of each listed
    /// chunk).
    pub fn memory(&self) -> Vec<MemEntry> {
        let chunks = &self.traces.matrices[table::CHUNK];
        (0..chunks.height())
            .map(|r| chunks.row_slice(r).unwrap().to_vec())
            .filter(|row| row[0] == Val::ONE)
            .flat_map(|row| {
                let c: &ChunkCols<Val> = cols::borrow_row(&row);
                let chunk = c.chunk.as_canonical_u32();
                c.words
                    .iter()
                    .enumerate()
                    .map(|(j, w)| MemEntry {
                        addr: chunk * CHUNK_WORDS + j as u32,
                        init: w.init,
                        value: w.value,
                        ts: w.ts.as_canonical_u32(),
                        writable: w.writable == Val::ONE,
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Moves the memory table's rows of `words` words from word `from` to
    /// word `to`, for each `(from, to, words)` (a buffer an ECALL used,
    /// moved to where the cheat wants it).
    pub fn move_words(&mut self, moves: &[(u32, u32, u32)]) {
        let mut entries = self.memory();
        for &(from, to, words) in moves {
            for e in &mut entries {
                if (from..from + words).contains(&e.addr) {
                    e.addr = e.addr - from + to;
                }
            }
        }
        entries.sort_by_key(|e| e.addr);
        self.set_memory(&entries);
    }

    /// Rewrites the memory tree's tables for these words: a chunk row for
    /// each chunk they name, in order of first mention (a chunk named again
    /// after another is listed again), its other words as `program`'s
    /// memory holds them, untouched; then the node table and the
    /// compressions, hashed honestly from the first listing of each chunk
    /// (its initial values as the tree before, whatever they are), and the
    /// public final root.
    pub fn set_memory(&mut self, entries: &[MemEntry]) {
        let state = MemoryState::initial(&self.program);
        let mut rows: Vec<(u32, [Option<MemEntry>; 4])> = Vec::new();
        for e in entries {
            let c = e.addr / CHUNK_WORDS;
            let j = (e.addr % CHUNK_WORDS) as usize;
            match rows.last_mut() {
                Some((last, words)) if *last == c && words[j].is_none() => words[j] = Some(*e),
                _ => {
                    let mut words = [None; 4];
                    words[j] = Some(*e);
                    rows.push((c, words));
                }
            }
        }
        let rows: Vec<(u32, [MemEntry; 4])> = rows
            .into_iter()
            .map(|(c, words)| {
                let words = core::array::from_fn(|j| {
                    let addr = c * CHUNK_WORDS + j as u32;
                    words[j].unwrap_or_else(|| {
                        let (v, writable) = state.word(addr);
                        MemEntry {
                            addr,
                            init: bytes(v),
                            value: bytes(v),
                            ts: 0,
                            writable,
                        }
                    })
                });
                (c, words)
            })
            .collect();
        let height = rows.len().next_power_of_two().max(16);
        let mut values = vec![Val::ZERO; height * CHUNK_WIDTH];
        for (row, (c, words)) in values.chunks_mut(CHUNK_WIDTH).zip(&rows) {
            let row: &mut ChunkCols<Val> = cols::borrow_row_mut(row);
            row.is_real = Val::ONE;
            row.chunk = f(*c);
            for (w, e) in row.words.iter_mut().zip(words) {
                w.init = e.init;
                w.value = e.value;
                w.ts = f(e.ts);
                w.writable = Val::from_bool(e.writable);
            }
        }
        self.traces.matrices[table::CHUNK] = RowMajorMatrix::new(values, CHUNK_WIDTH);

        let updates = self.node_updates();
        self.set_nodes(&updates);
    }

    /// The memory tree's update for the chunk table as it is: the
    /// program's tree with the first listing of each chunk's initial
    /// values, then its final ones (the root last).
    pub fn node_updates(&self) -> Vec<NodeUpdate> {
        let digest = |words: &[MemEntry], final_: bool| -> Digest {
            let mut d = chunk_digest([(0, true); 4]);
            for (j, e) in words.iter().enumerate() {
                let b = if final_ { e.value } else { e.init };
                let [lo, hi] = ember_air::paging::chunk::tree_elems(b, Val::from_bool(e.writable));
                d[2 * j] = lo;
                d[2 * j + 1] = hi;
            }
            d
        };
        let entries = self.memory();
        let mut first: HashMap<u32, &[MemEntry]> = HashMap::new();
        for words in entries.chunks(CHUNK_WORDS as usize) {
            first.entry(words[0].addr / CHUNK_WORDS).or_insert(words);
        }
        let mut tree = MemoryTree::of_words(&ember_air::memory::initial_words(&self.program));
        tree.update(&first.iter().map(|(&c, w)| (c, digest(w, false))).collect());
        tree.update(&first.iter().map(|(&c, w)| (c, digest(w, true))).collect())
    }

    /// Rewrites the node table with these nodes (the root, listed last,
    /// first), the compression table with every compression they ask for,
    /// as often as they ask, and the public final root (the root's).
    pub fn set_nodes(&mut self, updates: &[NodeUpdate]) {
        let (nodes, calls) = ember_air::paging::node::populate(updates, &mut Lookups::default());
        self.traces.matrices[table::NODE] = nodes;
        self.traces.matrices[table::PERM] = PermAir.trace(&calls);
        if let Some(root) = updates.last() {
            self.traces.public_values[public::ROOT_OUT..][..8].copy_from_slice(&root.digest[1]);
        }
    }

    /// Edits the chunk table's word at `addr` (listing its chunk, as the
    /// program's memory holds it and untouched, if the run did not).
    pub fn edit_memory(&mut self, addr: u32, edit: impl FnOnce(&mut MemEntry)) {
        let mut entries = self.memory();
        let i = match entries.iter().position(|e| e.addr == addr) {
            Some(i) => i,
            None => {
                let (v, writable) = MemoryState::initial(&self.program).word(addr);
                entries.push(MemEntry {
                    addr,
                    init: bytes(v),
                    value: bytes(v),
                    ts: 0,
                    writable,
                });
                entries.len() - 1
            }
        };
        edit(&mut entries[i]);
        self.set_memory(&entries);
    }

    // --- Claims. ---

    /// Claims `journal`: the verifier's journal, so the data table it
    /// builds (its multiplicity column resized, all zero until
    /// [`Case::rebalance`]) and the public journal length.
    pub fn claim_journal(&mut self, journal: &[u8]) {
        self.journal = journal.to_vec();
        self.traces.public_values[public::JOURNAL_LEN] = f(journal.len() as u32);
        self.set_data();
    }

    /// The data table the verifier builds (the input bytes the proof says
    /// the run read, `input[..IN_POS_OUT]`, and the journal), its
    /// multiplicities all zero until [`Case::rebalance`], and their digests
    /// in the public values.
    pub fn set_data(&mut self) {
        let pv = &mut self.traces.public_values;
        let read = (pv[public::IN_POS_OUT].as_canonical_u32() as usize).min(self.input.len());
        let data = DataAir::new(&self.input[..read], &self.journal);
        self.traces.matrices[table::DATA] = data.trace(&[]);
        self.airs[table::DATA] = EmberAir::Data(data);
        for (at, bytes) in [
            (public::INPUT_DIGEST, &self.input[..read]),
            (public::JOURNAL_DIGEST, &self.journal[..]),
        ] {
            let digest = ember_core::Digest::of(&[bytes]).0;
            let limbs = ember_air::public::digest_limbs::<Val>(&digest);
            pv[at..][..16].copy_from_slice(&limbs);
        }
    }

    /// Claims exit code `code`: see [`Case::claim_exit_limbs`].
    pub fn claim_exit(&mut self, code: u32) {
        self.claim_exit_limbs(bytes(code));
    }

    /// Claims the exit code whose limbs are `limbs` (bytes or not): the
    /// HALT row reads them from a0 and writes them back (HALT leaves a0),
    /// a0's final value is them, the I/O table's HALT header receives them
    /// as `a0` and its result, and the public values and the statement say
    /// `limbs[0] + 256 limbs[1]` and `limbs[2] + 256 limbs[3]` (each below
    /// 2^16).
    pub fn claim_exit_limbs(&mut self, limbs: [Val; 4]) {
        let halt = self.halt_row();
        let c = self.c(halt);
        self.set_limbs(halt, c.a, limbs);
        self.set_limbs(halt, c.c, limbs);
        self.set_limbs(halt, c.rd_prev, limbs);
        self.edit_memory(10, |e| e.value = limbs);
        let header = self.io_halt_row();
        self.set_io_limbs(header, self.io.a0, limbs);
        self.set_io_limbs(header, self.io.res, limbs);
        let half = |lo: Val, hi: Val| {
            let v = (lo + hi * f(256)).as_canonical_u32();
            assert!(v < 1 << 16, "an exit code half of {v}");
            v
        };
        let (lo, hi) = (half(limbs[0], limbs[1]), half(limbs[2], limbs[3]));
        self.claim_public_exit(lo | hi << 16);
    }

    /// Claims `code` as the exit code in the public values and the
    /// statement only (the trace is left alone).
    pub fn claim_public_exit(&mut self, code: u32) {
        self.traces.public_values[public::EXIT_LO] = f(code & 0xffff);
        self.traces.public_values[public::EXIT_HI] = f(code >> 16);
        self.statement.exit_code = code;
    }

    /// Claims `status` (0 halted, 1 panicked) in the public values and the
    /// statement only (the trace is left alone).
    pub fn claim_public_status(&mut self, status: u8) {
        self.traces.public_values[public::STATUS] = f(status.into());
        self.statement.status = status;
    }

    /// Re-counts the provided lookup tables (the multiplicity columns of the
    /// preprocessed tables: program, bytes, ...) so that every tuple they
    /// hold balances against the other tables' lookups: after this, only a
    /// lookup of a tuple no table holds can be unbalanced.
    pub fn rebalance(&mut self) {
        self.pass_positions();
        let n = self.airs.len();
        // The tables the verifier fixes (preprocessed, or the data table's
        // periodic columns) and the compression table (whatever its rows):
        // each provides its rows with a multiplicity.
        let providers: Vec<usize> = (0..n)
            .filter(|&t| self.airs[t].fixed_height().is_some() || t == table::PERM)
            .collect();
        // What the tables that query (they provide nothing) need, by bus.
        let mut needed: HashMap<String, HashMap<Vec<Val>, Val>> = HashMap::new();
        let present = ember_prover::tables_of(&self.traces);
        let queries = bus_counts(
            &self.airs,
            &self.traces,
            (0..n).filter(|&t| !providers.contains(&t) && present.contains(self.airs[t].id())),
        );
        for ((bus, key), m) in queries {
            needed.entry(bus).or_default().insert(key, m);
        }
        for provider in providers {
            let air = &self.airs[provider];
            let width = BaseAir::<Val>::width(air);
            let lookups = &common().lookups[provider];
            // A provided tuple's count is minus one main column: find it by
            // resolving the count on unit rows.
            let prep0: Vec<Val> = air
                .preprocessed_trace()
                .map(|prep| prep.row_slice(0).unwrap().to_vec())
                .unwrap_or_default();
            let column: HashMap<(usize, usize), usize> = lookups
                .iter()
                .enumerate()
                .flat_map(|(l, lookup)| {
                    let prep0 = &prep0;
                    lookup
                        .multiplicities
                        .iter()
                        .enumerate()
                        .filter_map(move |(k, m)| {
                            (0..width)
                                .find(|&j| {
                                    let unit: Vec<Val> =
                                        (0..width).map(|i| Val::from_bool(i == j)).collect();
                                    resolve_at(&unit, prep0, m) == Val::NEG_ONE
                                })
                                .map(|j| ((l, k), j))
                        })
                })
                .collect();
            let mut main = self.traces.matrices[provider].values.clone();
            visit_lookups(&self.airs, &self.traces, provider, |r, lk, bus, key, _| {
                let Some(&j) = column.get(&lk) else { return };
                // Each tuple is given once (padding rows may repeat one).
                main[r * width + j] = needed
                    .get_mut(bus)
                    .and_then(|counts| counts.remove(&key))
                    .unwrap_or(Val::ZERO);
            });
            self.traces.matrices[provider] = RowMajorMatrix::new(main, width);
        }
    }

    // --- The verdict. ---

    /// The suite's assertion: the audit finds the tamper exactly where
    /// `caught` says, `prove_traces` does not panic, and the verifier
    /// rejects the proof (an error from `prove_traces` counts as rejected,
    /// and is reported on stderr).
    pub fn expect_rejected(self, caught: Caught) {
        let found = self.audit();
        assert_eq!(
            found.caught(),
            caught,
            "the tamper is not caught where the case says:\n{found}"
        );
        match ember_verifier::public_values(
            &self.input,
            &self.journal,
            &self.statement,
            self.program.entry(),
            MemoryState::initial(&self.program).root(),
            &ember_air::public::segment_end(&self.traces.public_values),
        ) {
            Ok(expected_pv) => assert_eq!(
                expected_pv, self.traces.public_values,
                "the statement and the traces' public values differ"
            ),
            // The verifier refuses the proof's stated end before the STARK
            // (e.g. more input read than there is).
            Err(e) => eprintln!("rejected by the verifier's shape checks: {e}"),
        }
        let proved = std::panic::catch_unwind(AssertUnwindSafe(|| {
            ember_prover::prove_traces(&self.airs, &self.traces)
        }));
        let proof = match proved {
            Err(_) => panic!("prove_traces panicked on a tampered trace"),
            Ok(Err(e)) => {
                eprintln!("rejected by prove_traces itself: {e}");
                return;
            }
            Ok(Ok(proof)) => proof,
        };
        let verdict = verify(
            &self.program,
            &self.input,
            &self.journal,
            &self.statement,
            &proof.proof,
        );
        assert!(
            verdict.is_err(),
            "SOUNDNESS: a tampered trace verified (audit: {caught:?})\n{found}"
        );
    }
}

/// A layout's cells, in column order.
fn flat<T: Copy, C: Row<T> + Copy>(c: &C, zero: T) -> Vec<T> {
    let mut v = vec![zero; C::WIDTH];
    *cols::borrow_row_mut::<T, C>(&mut v) = *c;
    v
}

/// Resolves `expr` on one row (no next row, no public values).
fn resolve_at(main: &[Val], prep: &[Val], expr: &p3_air::SymbolicExpression<Val>) -> Val {
    let b = DebugConstraintBuilder::<Val>::new(
        0,
        ViewPair::new(
            RowMajorMatrixView::new_row(main),
            RowMajorMatrixView::new_row(main),
        ),
        ViewPair::new(
            RowMajorMatrixView::new_row(prep),
            RowMajorMatrixView::new_row(prep),
        ),
        &[],
        Val::ONE,
        Val::ZERO,
        Val::ONE,
        &[],
    );
    expr.resolve(&b)
}
