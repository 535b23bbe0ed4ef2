//! Trace generation: an [`Observer`] that turns each executed instruction
//! into a CPU row (and each ECALL into I/O rows), taking every result from
//! the executor's [`Step`]. The gadgets fill what the AIR needs beyond it
//! (carries, limbs, inverses) and record their own lookups; this module
//! only sequences rows and keeps the memory argument's bookkeeping (each
//! address's last value, timestamp and writability).

mod cpu;
mod io;
mod tables;

use std::collections::{BTreeMap, HashMap};

use ember_air::cpu::{CPU_WIDTH, CpuCols, slot};
use ember_air::gadget::AccessCols;
use ember_air::io::{IO_WIDTH, IoCols};
use ember_air::lookups::Lookups;
use ember_air::ops::ProgramRow;
use ember_air::{EmberAir, Val, table};
use ember_core::{EcallStep, Observer, Program, Step};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;

use crate::ProveError;

/// Every table's trace and the public values.
pub struct Traces {
    /// One matrix per table, in [`table`] order.
    pub matrices: Vec<RowMajorMatrix<Val>>,
    /// The public values (the CPU and I/O tables share them).
    pub public_values: Vec<Val>,
}

/// What the run read and wrote: the data table's contents.
pub struct Io {
    /// The input.
    pub input: Vec<u8>,
    /// The journal.
    pub journal: Vec<u8>,
}

/// An address's current state in the memory argument.
#[derive(Clone, Copy)]
pub(crate) struct Cell {
    value: u32,
    ts: u32,
    writable: bool,
    in_image: bool,
}

/// The observer that builds the rows.
pub(crate) struct Tracer {
    /// CPU rows, flat.
    cpu: Vec<Val>,
    /// I/O rows, flat.
    io: Vec<Val>,
    input: Vec<u8>,
    journal: Vec<u8>,
    input_counts: Vec<u32>,
    journal_counts: Vec<u32>,
    in_pos: u32,
    program_index: HashMap<u32, usize>,
    program_counts: Vec<u32>,
    memory: BTreeMap<u32, Cell>,
    lookups: Lookups,
    entry: u32,
    /// Status and exit code, and the cycles, once the run ended.
    exit: Option<(u8, u32, u64)>,
    pub(crate) error: Option<ProveError>,
}

fn f(v: u32) -> Val {
    Val::from_u32(v)
}

impl Tracer {
    pub(crate) fn new(program: &Program, airs: &[EmberAir], input: &[u8]) -> Tracer {
        let EmberAir::Program(p) = &airs[table::PROGRAM] else {
            unreachable!("table order")
        };
        let EmberAir::Image(image) = &airs[table::IMAGE] else {
            unreachable!("table order")
        };
        let program_index = p
            .rows()
            .iter()
            .enumerate()
            .map(|(i, r)| (r.pc, i))
            .collect();
        let memory = image
            .words()
            .iter()
            .map(|w| {
                let cell = Cell {
                    value: w.value,
                    ts: 0,
                    writable: w.writable,
                    in_image: true,
                };
                (w.addr, cell)
            })
            .collect();
        Tracer {
            cpu: Vec::new(),
            io: Vec::new(),
            input: input.to_vec(),
            journal: Vec::new(),
            input_counts: vec![0; input.len()],
            journal_counts: Vec::new(),
            in_pos: 0,
            program_index,
            program_counts: vec![0; p.rows().len()],
            memory,
            lookups: Lookups::default(),
            entry: program.entry(),
            exit: None,
            error: None,
        }
    }

    /// Rows of the CPU table so far.
    fn cpu_rows(&self) -> u32 {
        (self.cpu.len() / CPU_WIDTH) as u32
    }

    /// Appends a CPU row.
    fn push_cpu(&mut self, row: &CpuCols<Val>) {
        let start = self.cpu.len();
        self.cpu.resize(start + CPU_WIDTH, Val::ZERO);
        let cols: &mut CpuCols<Val> = ember_air::cols::borrow_row_mut(&mut self.cpu[start..]);
        *cols = *row;
    }

    /// Appends an I/O row.
    fn push_io(&mut self, row: &IoCols<Val>) {
        let start = self.io.len();
        self.io.resize(start + IO_WIDTH, Val::ZERO);
        let cols: &mut IoCols<Val> = ember_air::cols::borrow_row_mut(&mut self.io[start..]);
        *cols = *row;
    }

    /// An access at timestamp `ts` of `addr`, into `cols`: returns the
    /// previous state and stores `new` (or keeps the value when `new` is
    /// `None`).
    fn access(&mut self, cols: &mut AccessCols<Val>, ts: u32, addr: u32, new: Option<u32>) -> Cell {
        let cell = *self.memory.entry(addr).or_insert(Cell {
            value: 0,
            ts: 0,
            writable: true,
            in_image: false,
        });
        cols.populate(cell.ts, ts, &mut self.lookups);
        let updated = Cell {
            value: new.unwrap_or(cell.value),
            ts,
            ..cell
        };
        self.memory.insert(addr, updated);
        cell
    }

    /// The access in `slot` of the CPU row at `clk`.
    fn cpu_access(
        &mut self,
        row: &mut CpuCols<Val>,
        clk: u32,
        slot: usize,
        addr: u32,
        new: Option<u32>,
    ) -> Cell {
        self.access(&mut row.access[slot], 4 * clk + slot as u32, addr, new)
    }

    /// The common part of a CPU row: program fields, flag, clock, pc.
    fn begin(&mut self, pc: u32, next_pc: u32, cycle: u64, r: &ProgramRow) -> Option<CpuCols<Val>> {
        let &index = self.program_index.get(&pc)?;
        self.program_counts[index] += 1;
        let mut row: CpuCols<Val> = ember_air::cols::zeroed();
        row.is_real = Val::ONE;
        row.cycle = f(cycle as u32);
        row.clk = f(self.cpu_rows() + 1);
        row.pc = f(pc);
        row.next_pc = f(next_pc);
        row.flags[r.op.index()] = Val::ONE;
        let insn = &mut row.insn;
        insn.rd = f(u32::from(r.rd));
        insn.rs1 = f(u32::from(r.rs1));
        insn.rs2 = f(u32::from(r.rs2));
        insn.imm = bytes_of(r.imm);
        insn.value = bytes_of(r.value);
        insn.target = f(r.target);
        insn.writes_rd = Val::from_bool(r.writes_rd);
        Some(row)
    }

    fn fail(&mut self, err: ProveError) {
        self.error.get_or_insert(err);
    }
}

/// The bytes of `w` as field elements.
fn bytes_of(w: u32) -> [Val; 4] {
    ember_air::gadget::bytes_of(w)
}

impl Observer for Tracer {
    fn step(&mut self, s: &Step) {
        if self.error.is_none()
            && let Err(e) = self.cpu_row(s)
        {
            self.fail(e);
        }
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        if self.error.is_none()
            && let Err(err) = self.ecall_row(e)
        {
            self.fail(err);
        }
    }
}

/// The slot of loads and stores (and of an ECALL's `a1`).
const MEM: usize = slot::MEM;
