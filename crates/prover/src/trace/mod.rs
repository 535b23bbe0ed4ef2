//! Trace generation: an [`Observer`] that turns each executed instruction
//! into a CPU row (and each ECALL into I/O rows), taking every result from
//! the executor's [`Step`]. The gadgets fill what the AIR needs beyond it
//! (carries, limbs, inverses) and record their own lookups; this module
//! only sequences rows and keeps the memory argument's bookkeeping (each
//! address's last value, timestamp and writability).

mod chips;
mod io;
mod keccak;
mod paging;
mod sha;
mod tables;

use std::collections::{BTreeMap, HashMap, HashSet};

use ember_air::chips::AdapterCols;
use ember_air::chips::slot;
use ember_air::cols::Row;
use ember_air::gadget::{AccessCols, bytes_of};
use ember_air::lookups::Lookups;
use ember_air::ops::ProgramRow;
use ember_air::paging::tree::{CHUNK_WORDS, DEPTH, MemoryState};
use ember_air::public::Boundary;
use ember_air::{EmberAir, Table, Val, table};
use ember_core::{EcallStep, Observer, Step};
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

/// What the segment read and wrote: its data table, and memory after it.
pub struct Io {
    /// The data table of the input bytes it read and the journal bytes it
    /// wrote.
    pub data: ember_air::io::DataAir,
    /// Memory after the segment.
    pub state: MemoryState,
}

/// An address's current state in the memory argument.
#[derive(Clone, Copy)]
pub(crate) struct Cell {
    value: u32,
    ts: u32,
    writable: bool,
    /// Its value when the run began.
    init: u32,
}

/// The observer that builds the rows.
pub(crate) struct Tracer {
    /// The rows of the chips and the I/O table, flat, by table index.
    rows: Vec<Vec<Val>>,
    /// Instructions so far: the last one's clock.
    clk: u32,
    /// The most instructions recorded; past it, the run is only counted.
    limit: u32,
    /// The run went past `limit`.
    overflow: bool,
    input: Vec<u8>,
    /// The journal bytes the segment wrote.
    journal: Vec<u8>,
    input_counts: Vec<u32>,
    journal_counts: Vec<u32>,
    in_pos: u32,
    program_index: HashMap<u32, usize>,
    program_counts: Vec<u32>,
    /// Every address the run touched.
    memory: BTreeMap<u32, Cell>,
    /// The memory tree's nodes above the touched chunks, `(level, index)`
    /// (the node table's rows): the paging tables' size so far.
    tree_nodes: HashSet<(u8, u32)>,
    /// Memory when the segment began.
    state: MemoryState,
    /// Where the segment began (its root is the state's).
    start: Boundary,
    lookups: Lookups,
    /// The Keccak permutations, in call order.
    keccak: Vec<ember_air::keccak::Permutation>,
    /// Status and exit code, and the cycles, once the run ended.
    exit: Option<(u8, u32, u64)>,
    pub(crate) error: Option<ProveError>,
}

fn f(v: u32) -> Val {
    Val::from_u32(v)
}

impl Tracer {
    pub(crate) fn new(
        airs: &[EmberAir],
        input: &[u8],
        limit: u32,
        state: MemoryState,
        start: Boundary,
    ) -> Tracer {
        let EmberAir::Program(p) = &airs[table::PROGRAM] else {
            unreachable!("table order")
        };
        let program_index = p
            .rows()
            .iter()
            .enumerate()
            .map(|(i, r)| (r.pc, i))
            .collect();
        Tracer {
            rows: vec![Vec::new(); table::COUNT],
            clk: 0,
            limit,
            overflow: false,
            input: input.to_vec(),
            journal: Vec::new(),
            input_counts: vec![0; input.len()],
            journal_counts: Vec::new(),
            in_pos: start.input_pos,
            start,
            program_index,
            program_counts: vec![0; p.rows().len()],
            memory: BTreeMap::new(),
            tree_nodes: HashSet::new(),
            state,
            lookups: Lookups::default(),
            keccak: Vec::new(),
            exit: None,
            error: None,
        }
    }

    /// Appends a row of the layout `C` to `table`.
    fn push<C: Row<Val> + Copy>(&mut self, table: Table, row: &C) {
        let rows = &mut self.rows[table.index()];
        let start = rows.len();
        rows.resize(start + C::WIDTH, Val::ZERO);
        *ember_air::cols::borrow_row_mut::<Val, C>(&mut rows[start..]) = *row;
    }

    /// The value the memory argument holds at word `addr` now.
    fn value_at(&self, addr: u32) -> u32 {
        self.memory
            .get(&addr)
            .map_or_else(|| self.state.word(addr).0, |c| c.value)
    }

    /// An access at timestamp `ts` of `addr`, into `cols`: returns the
    /// previous state and stores `new` (or keeps the value when `new` is
    /// `None`).
    fn access(&mut self, cols: &mut AccessCols<Val>, ts: u32, addr: u32, new: Option<u32>) -> Cell {
        let (state, tree_nodes) = (&self.state, &mut self.tree_nodes);
        let slot = self.memory.entry(addr).or_insert_with(|| {
            // A word's first access: its chunk's path up to the nodes
            // already there (none if the chunk was touched before).
            let chunk = addr / CHUNK_WORDS;
            for level in 1..=DEPTH {
                if !tree_nodes.insert((level as u8, chunk >> level)) {
                    break;
                }
            }
            let (value, writable) = state.word(addr);
            Cell {
                value,
                ts: 0,
                writable,
                init: value,
            }
        });
        let cell = *slot;
        *slot = Cell {
            value: new.unwrap_or(cell.value),
            ts,
            ..cell
        };
        cols.populate(cell.ts, ts, &mut self.lookups);
        cell
    }

    /// The access in `slot` of the instruction at `clk`.
    fn access_at(
        &mut self,
        cols: &mut AccessCols<Val>,
        clk: u32,
        slot: usize,
        addr: u32,
        new: Option<u32>,
    ) -> Cell {
        self.access(cols, 4 * clk + slot as u32, addr, new)
    }

    /// The next instruction's adapter: its program row counted, its clock,
    /// state and fields, and its operands read (in slot order).
    fn begin(
        &mut self,
        pc: u32,
        cycle: u64,
        r: &ProgramRow,
        operands: (u32, u32),
    ) -> Option<AdapterCols<Val>> {
        let &index = self.program_index.get(&pc)?;
        self.program_counts[index] += 1;
        self.clk += 1;
        let clk = self.clk;
        let mut ad: AdapterCols<Val> = ember_air::cols::zeroed();
        ad.is_real = Val::ONE;
        ad.pc = f(pc);
        ad.clk = f(clk);
        ad.cycle = f(self.rel(cycle));
        let insn = &mut ad.insn;
        insn.rd = f(u32::from(r.rd));
        insn.rs1 = f(u32::from(r.rs1));
        insn.rs2 = f(u32::from(r.rs2));
        insn.writes_rd = Val::from_bool(r.writes_rd);
        let (a, b) = operands;
        if r.op.reads_rs1() {
            self.access_at(&mut ad.access[RS1], clk, slot::RS1, u32::from(r.rs1), None);
        }
        if r.op.reads_rs2() {
            self.access_at(&mut ad.access[RS2], clk, slot::RS2, u32::from(r.rs2), None);
        }
        ad.a = bytes_of(a);
        ad.b = bytes_of(b);
        Some(ad)
    }

    /// The instruction's result: `c`, and `rd` written (last, at slot RD).
    fn write_rd(&mut self, ad: &mut AdapterCols<Val>, r: &ProgramRow, result: u32) {
        if r.writes_rd {
            let clk = self.clk;
            let prev = self.access_at(
                &mut ad.access[RD],
                clk,
                slot::RD,
                u32::from(r.rd),
                Some(result),
            );
            ad.rd_prev = bytes_of(prev.value);
        }
        ad.c = bytes_of(result);
    }

    /// Rows of the I/O table so far.
    pub(crate) fn io_rows(&self) -> usize {
        self.rows[Table::Io.index()].len() / ember_air::io::IO_WIDTH
    }

    /// Bytes of journal so far, the run's.
    pub(crate) fn journal_len(&self) -> usize {
        self.j_pos() as usize
    }

    /// Nodes of the memory tree above the chunks touched so far: the node
    /// table's rows, and half the most compressions it asks for.
    pub(crate) fn tree_nodes(&self) -> usize {
        self.tree_nodes.len()
    }

    /// Where the segment began.
    pub(crate) fn start(&self) -> Boundary {
        self.start
    }

    /// The journal's position now.
    fn j_pos(&self) -> u32 {
        self.start.journal_pos + self.journal.len() as u32
    }

    /// A cycle number of the run as the segment's (from its start).
    fn rel(&self, cycle: u64) -> u32 {
        (cycle - u64::from(self.start.cycles)) as u32
    }

    /// The limit, if the run went past it.
    pub(crate) fn overflowed(&self) -> Option<u64> {
        self.overflow.then_some(u64::from(self.limit))
    }

    /// Whether to record the next instruction: not after an error, nor past
    /// the limit (which it notes).
    fn recording(&mut self) -> bool {
        if self.clk >= self.limit {
            self.overflow = true;
        }
        self.error.is_none() && !self.overflow
    }

    fn fail(&mut self, err: ProveError) {
        self.error.get_or_insert(err);
    }
}

impl Observer for Tracer {
    fn step(&mut self, s: &Step) {
        if self.recording()
            && let Err(e) = self.cpu_row(s)
        {
            self.fail(e);
        }
    }

    fn ecall(&mut self, e: &EcallStep<'_>) {
        if self.recording()
            && let Err(err) = self.ecall_row(e)
        {
            self.fail(err);
        }
    }
}

use ember_air::chips::adapter::{RD, RS1, RS2};
