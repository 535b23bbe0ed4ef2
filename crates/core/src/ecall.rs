//! ECALL dispatch (SPEC §4) and the narrow [`Host`] interface through which
//! the machine reaches input and output.
//!
//! Every ECALL validates its registers and pointer ranges, and checks its
//! cycle cost against the limit, before it has any effect: a faulting ECALL
//! changes nothing.

use ember_abi::reg::{A0, A1, A2, T0};
use ember_abi::{KECCAK_STATE_BYTES, SHA256_BLOCK_BYTES, SHA256_STATE_WORDS, cycles, ecall, fd};

use crate::error::{Access, BufferProblem, FaultKind};
use crate::machine::{Exit, Machine};

/// Where a WRITE goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// fd 1: the guest's standard output.
    Stdout,
    /// fd 2: the guest's standard error.
    Stderr,
    /// fd 3: the journal, the public output the claim commits to.
    Journal,
}

/// What the machine needs from the outside world: the input bytes and
/// somewhere to put output. Implemented by the host library; [`BufferHost`]
/// is a complete in-memory implementation.
pub trait Host {
    /// Copies the next input bytes into `buf`; returns how many (0 at end).
    fn read_input(&mut self, buf: &mut [u8]) -> usize;
    /// Input bytes not yet read.
    fn input_remaining(&self) -> usize;
    /// Takes bytes the guest wrote; one WRITE may arrive in several calls (one
    /// per guest page). Output is never refused: a host that cannot deliver
    /// it (a closed pipe) keeps it and reports that itself.
    fn write(&mut self, output: Output, bytes: &[u8]);
}

/// A [`Host`] over in-memory buffers: input from a vector, every output
/// collected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BufferHost {
    /// The input bytes.
    pub input: Vec<u8>,
    /// How many input bytes have been read.
    pub input_pos: usize,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// Everything written to the journal.
    pub journal: Vec<u8>,
}

impl BufferHost {
    /// A host whose input is `input`.
    pub fn with_input(input: impl Into<Vec<u8>>) -> Self {
        BufferHost {
            input: input.into(),
            ..Self::default()
        }
    }
}

impl Host for BufferHost {
    fn read_input(&mut self, buf: &mut [u8]) -> usize {
        let rest = &self.input[self.input_pos.min(self.input.len())..];
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.input_pos += n;
        n
    }

    fn input_remaining(&self) -> usize {
        self.input.len().saturating_sub(self.input_pos)
    }

    fn write(&mut self, output: Output, bytes: &[u8]) {
        match output {
            Output::Stdout => &mut self.stdout,
            Output::Stderr => &mut self.stderr,
            Output::Journal => &mut self.journal,
        }
        .extend_from_slice(bytes);
    }
}

/// PANIC messages are cut to this many bytes (the cut is noted in the message).
pub const MAX_PANIC_MESSAGE: u32 = 64 * 1024;

/// Cycles READ and WRITE add for `len` bytes transferred: one per started word.
fn io_cost(len: usize) -> u64 {
    (len as u64).div_ceil(cycles::IO_BYTES_PER_CYCLE)
}

impl Machine<'_> {
    /// Executes the `ecall` at pc.
    pub(crate) fn ecall(&mut self, host: &mut impl Host) -> Result<Option<Exit>, FaultKind> {
        let number = self.reg(T0 as u8);
        let [a0, a1, a2] = [A0, A1, A2].map(|r| self.reg(r as u8));
        let bad_fd = |name| Err(FaultKind::BadFd { name, fd: a0 });
        match number {
            ecall::HALT => {
                self.charge(0)?;
                Ok(Some(Exit::Halted { code: a0 }))
            }
            ecall::PANIC => {
                self.buffer("PANIC", a0, u64::from(a1), 1, Access::Load)?;
                self.charge(0)?;
                let kept = a1.min(MAX_PANIC_MESSAGE);
                let mut message = vec![0; kept as usize];
                self.memory.read_bytes(a0, &mut message);
                let mut message = String::from_utf8_lossy(&message).into_owned();
                if kept < a1 {
                    message.push_str(&format!(" [message truncated: {} more bytes]", a1 - kept));
                }
                Ok(Some(Exit::Panicked { message }))
            }
            ecall::READ => {
                if a0 != fd::INPUT {
                    return bad_fd("READ");
                }
                self.buffer("READ", a1, u64::from(a2), 1, Access::Store)?;
                let n = host.input_remaining().min(a2 as usize);
                self.charge(io_cost(n))?;
                let mut chunk = vec![0; n.min(64 * 1024)];
                let mut got = 0;
                while got < n {
                    let want = (n - got).min(chunk.len());
                    let read = host.read_input(&mut chunk[..want]);
                    if read == 0 {
                        break;
                    }
                    self.memory.write_bytes(a1 + got as u32, &chunk[..read]);
                    got += read;
                }
                self.set(A0 as u8, got as u32);
                Ok(self.advance())
            }
            ecall::WRITE => {
                let output = match a0 {
                    fd::STDOUT => Output::Stdout,
                    fd::STDERR => Output::Stderr,
                    fd::JOURNAL => Output::Journal,
                    _ => return bad_fd("WRITE"),
                };
                self.buffer("WRITE", a1, u64::from(a2), 1, Access::Load)?;
                if output == Output::Journal {
                    self.check_journal(a2)?;
                }
                self.charge(io_cost(a2 as usize))?;
                if output == Output::Journal {
                    self.journal_len += u64::from(a2);
                }
                // Straight from guest pages: a guest may write gigabytes.
                self.memory
                    .for_each_slice(a1, a2, |bytes| host.write(output, bytes));
                self.set(A0 as u8, a2);
                Ok(self.advance())
            }
            ecall::INPUT_REMAINING => {
                if a0 != fd::INPUT {
                    return bad_fd("INPUT_REMAINING");
                }
                self.charge(0)?;
                let left = u32::try_from(host.input_remaining()).unwrap_or(u32::MAX);
                self.set(A0 as u8, left);
                Ok(self.advance())
            }
            ecall::CYCLE_COUNT => {
                self.charge(0)?;
                let now = self.cycles();
                self.set(A0 as u8, now as u32);
                self.set(A1 as u8, (now >> 32) as u32);
                Ok(self.advance())
            }
            ecall::SHA256_COMPRESS => self.sha256_compress(a0, a1, a2),
            ecall::KECCAK_PERMUTE => self.keccak_permute(a0),
            number => Err(FaultKind::UnknownEcall { number }),
        }
    }

    /// Checks an ECALL's buffer argument (see [`crate::Memory::check_range`]); a
    /// length past 4 GiB wraps. The fault names the ECALL.
    fn buffer(
        &self,
        name: &'static str,
        addr: u32,
        len: u64,
        align: u32,
        access: Access,
    ) -> Result<(), FaultKind> {
        let problem = match u32::try_from(len) {
            Ok(len) => self.memory.check_range(addr, len, align, access).err(),
            Err(_) => Some(BufferProblem::Wraps),
        };
        match problem {
            None => Ok(()),
            Some(problem) => Err(FaultKind::BadBuffer {
                name,
                addr,
                len: len.min(u64::from(u32::MAX)) as u32,
                problem,
            }),
        }
    }

    /// SHA256_COMPRESS: `state` (8 words) updated in place with `count` 64-byte
    /// blocks read from `blocks`.
    fn sha256_compress(
        &mut self,
        state_addr: u32,
        blocks: u32,
        count: u32,
    ) -> Result<Option<Exit>, FaultKind> {
        const NAME: &str = "SHA256_COMPRESS";
        let state_len = u64::from(SHA256_STATE_WORDS * 4);
        self.buffer(NAME, state_addr, state_len, 4, Access::Store)?;
        let len = u64::from(count) * u64::from(SHA256_BLOCK_BYTES);
        self.buffer(NAME, blocks, len, 4, Access::Load)?;
        self.charge(u64::from(count) * cycles::SHA256_PER_BLOCK)?;

        let mut state = [0u32; 8];
        for (i, word) in state.iter_mut().enumerate() {
            *word = self.memory.read_u32(state_addr + 4 * i as u32);
        }
        let mut block = [0u8; SHA256_BLOCK_BYTES as usize];
        for i in 0..count {
            self.memory
                .read_bytes(blocks + i * SHA256_BLOCK_BYTES, &mut block);
            sha2::compress256(&mut state, &[block.into()]);
        }
        for (i, word) in state.iter().enumerate() {
            self.memory
                .write(state_addr + 4 * i as u32, word.to_le_bytes());
        }
        Ok(self.advance())
    }

    /// KECCAK_PERMUTE: the 200-byte state at `state_addr` (25 little-endian
    /// 64-bit lanes) permuted in place by Keccak-f\[1600\].
    fn keccak_permute(&mut self, state_addr: u32) -> Result<Option<Exit>, FaultKind> {
        const NAME: &str = "KECCAK_PERMUTE";
        self.buffer(
            NAME,
            state_addr,
            u64::from(KECCAK_STATE_BYTES),
            4,
            Access::Store,
        )?;
        self.charge(cycles::KECCAK_PER_PERMUTATION)?;

        let mut bytes = [0u8; KECCAK_STATE_BYTES as usize];
        self.memory.read_bytes(state_addr, &mut bytes);
        let mut lanes = [0u64; 25];
        for (lane, chunk) in lanes.iter_mut().zip(bytes.chunks_exact(8)) {
            *lane = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        }
        keccak::f1600(&mut lanes);
        for (i, lane) in lanes.iter().enumerate() {
            let [lo, hi] = [*lane as u32, (*lane >> 32) as u32];
            let at = state_addr + 8 * i as u32;
            self.memory.write(at, lo.to_le_bytes());
            self.memory.write(at + 4, hi.to_le_bytes());
        }
        Ok(self.advance())
    }
}
