//! Assembling the tables once the run has ended: padding, the memory
//! boundary, the multiplicities of the provided tables, the public values.

use ember_air::cpu::{CPU_WIDTH, CpuCols};
use ember_air::io::{IO_WIDTH, IoCols};
use ember_air::memory::{MAX_GAP, MEMORY_WIDTH, MemoryCols};
use ember_air::public::{PublicValues, Statement};
use ember_air::{Val, bytes, cols};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::dense::RowMajorMatrix;

use super::{Cell, Io, Tracer, Traces, bytes_of, f};

/// `rows` padded to a power of two, at least 16.
fn padded(rows: usize) -> usize {
    rows.next_power_of_two().max(16)
}

impl Tracer {
    /// Pads and assembles every table.
    pub(crate) fn finish(mut self) -> (Traces, Io) {
        let (status, exit_code, cycles) = self.exit.unwrap_or((0, 0, 0));
        let io = self.io_matrix();
        let cpu = self.cpu_matrix();
        let memory = self.memory_matrix();

        // Program: multiplicities.
        let mut program = Val::zero_vec(padded(self.program_counts.len()));
        for (v, &n) in program.iter_mut().zip(&self.program_counts) {
            *v = f(n);
        }

        // Image: one zero column.
        let image_rows = self.memory.values().filter(|cell| cell.in_image).count();
        let image = Val::zero_vec(padded(image_rows));

        // Data: how often each input and journal byte was looked up.
        let mut data = Val::zero_vec(padded(self.input.len() + self.journal.len()));
        for (v, &n) in data
            .iter_mut()
            .zip(self.input_counts.iter().chain(&self.journal_counts))
        {
            *v = f(n);
        }

        let bytes: Vec<Val> = self.lookups.bytes.iter().flat_map(|r| r.map(f)).collect();
        let pow2: Vec<Val> = self.lookups.pow2.iter().map(|&n| f(n)).collect();
        let public_values = PublicValues::<Val>::new(&Statement {
            entry: self.entry,
            status,
            exit_code,
            cycles: cycles as u32,
            journal_len: self.journal.len() as u32,
            input_len: self.input.len() as u32,
        })
        .to_vec();

        let traces = Traces {
            matrices: vec![
                cpu,
                RowMajorMatrix::new(program, 1),
                RowMajorMatrix::new(image, 1),
                memory,
                RowMajorMatrix::new(bytes, bytes::tag::ALL.len()),
                RowMajorMatrix::new(pow2, 1),
                io,
                RowMajorMatrix::new(data, 1),
            ],
            public_values,
        };
        let io = Io {
            input: self.input,
            journal: self.journal,
        };
        (traces, io)
    }

    /// The CPU table: real rows, then padding (clk keeps counting).
    fn cpu_matrix(&mut self) -> RowMajorMatrix<Val> {
        let real = self.cpu.len() / CPU_WIDTH;
        let height = padded(real);
        let mut values = std::mem::take(&mut self.cpu);
        values.resize(height * CPU_WIDTH, Val::ZERO);
        for (i, chunk) in values.chunks_mut(CPU_WIDTH).enumerate().skip(real) {
            let row: &mut CpuCols<Val> = cols::borrow_row_mut(chunk);
            row.clk = f(i as u32 + 1);
        }
        RowMajorMatrix::new(values, CPU_WIDTH)
    }

    /// The I/O table: the rows, each header's clock gap to the next, padding.
    fn io_matrix(&mut self) -> RowMajorMatrix<Val> {
        let real = self.io.len() / IO_WIDTH;
        let mut values = std::mem::take(&mut self.io);
        values.resize(padded(real) * IO_WIDTH, Val::ZERO);
        // Each row's gap to the next row's clock, when that one is a header.
        let mut next_header: Option<u32> = None;
        for chunk in values[..real * IO_WIDTH].chunks_mut(IO_WIDTH).rev() {
            let row: &mut IoCols<Val> = cols::borrow_row_mut(chunk);
            let clk = row.clk.as_canonical_u32();
            let gap = next_header.map_or(0, |next| next - clk - 1);
            let [g0, g1, g2, _] = gap.to_le_bytes().map(u32::from);
            row.clk_gap = [g0, g1, g2].map(f);
            self.lookups.range(g0, g1);
            self.lookups.range(g2, 0);
            next_header = (row.is_header == Val::ONE).then_some(clk);
        }
        RowMajorMatrix::new(values, IO_WIDTH)
    }

    /// The memory boundary: every address, in order, with zero filler
    /// addresses where two are further apart than the table's gap check
    /// allows.
    fn memory_matrix(&mut self) -> RowMajorMatrix<Val> {
        let mut cells: Vec<(u32, Cell)> = Vec::with_capacity(self.memory.len());
        for (&addr, &cell) in &self.memory {
            while let Some(&(last, _)) = cells.last()
                && addr - last - 1 > MAX_GAP
            {
                let filler = Cell {
                    value: 0,
                    ts: 0,
                    writable: true,
                    in_image: false,
                };
                cells.push((last + 1 + MAX_GAP, filler));
            }
            cells.push((addr, cell));
        }
        let mut values = Val::zero_vec(padded(cells.len()) * MEMORY_WIDTH);
        let mut previous = None;
        for (chunk, &(addr, cell)) in values.chunks_mut(MEMORY_WIDTH).zip(&cells) {
            let gap = previous.map_or(0, |p: u32| addr - p - 1);
            previous = Some(addr);
            let row: &mut MemoryCols<Val> = cols::borrow_row_mut(chunk);
            row.is_real = Val::ONE;
            row.addr = bytes_of(addr);
            row.value = bytes_of(cell.value);
            row.gap = bytes_of(gap);
            row.ts = f(cell.ts);
            row.writable = Val::from_bool(cell.writable);
            row.zero_init = Val::from_bool(!cell.in_image);
            for (w, top) in [(addr, 4), (gap, 8)] {
                let [b0, b1, b2, b3] = w.to_le_bytes().map(u32::from);
                self.lookups.range(b0, b1);
                self.lookups.range(b2, top * b3);
            }
        }
        RowMajorMatrix::new(values, MEMORY_WIDTH)
    }
}
