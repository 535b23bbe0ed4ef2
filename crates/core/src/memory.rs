//! Guest memory: the 32-bit address space of SPEC §2, committed lazily page by
//! page, with the access rules enforced here (natural alignment, the guard and
//! system regions, immutable code).
//!
//! The page table has two levels: 768 slots of 4 MiB each, each pointing (once
//! written) to a leaf of 1024 page slots. A page the guest never writes costs
//! nothing; a guest that touches 8 KiB costs the host about 8 KiB plus an
//! 8 KiB leaf, and a fresh machine costs a 6 KiB top level.

use core::ops::Range;

use ember_abi::memory::{PAGE_SHIFT, PAGE_SIZE, STACK_BOTTOM, SYSTEM_START};

use crate::error::{Access, BufferProblem, FaultKind, Region};

const PAGE_BYTES: usize = PAGE_SIZE as usize;
/// log2 of the number of page slots in a leaf table.
const LEAF_BITS: u32 = 10;
const LEAF_LEN: usize = 1 << LEAF_BITS;
/// Leaf tables below the system region: the only ones a guest can reach.
const TOP_LEN: usize = (SYSTEM_START >> (PAGE_SHIFT + LEAF_BITS)) as usize;

/// 1024 page slots: 4 MiB of address space.
type Leaf = [Option<Box<Page>>; LEAF_LEN];

/// One 4 KiB page.
pub type Page = [u8; PAGE_BYTES];

/// The guest's memory.
#[derive(Clone)]
pub struct Memory {
    /// One leaf per 4 MiB below the system region; `None` means all zero.
    /// A fixed-size array: an address below the system region indexes it
    /// without a bounds check.
    leaves: Box<[Option<Box<Leaf>>; TOP_LEN]>,
    /// Executable segments, `[start, end)`: readable, never writable.
    code: Vec<Range<u32>>,
    /// The smallest range holding every executable segment: a store outside
    /// it needs no further look.
    code_span: Range<u32>,
    /// End of the program image; the heap starts here.
    image_end: u32,
}

impl Memory {
    /// Empty (all-zero) memory with the given immutable code ranges, which
    /// must not overlap (they are sorted here).
    pub fn new(mut code: Vec<Range<u32>>, image_end: u32) -> Self {
        code.sort_by_key(|c| c.start);
        let start = code.iter().map(|c| c.start).min().unwrap_or(0);
        let end = code.iter().map(|c| c.end).max().unwrap_or(0);
        Memory {
            leaves: Box::new([const { None }; TOP_LEN]),
            code,
            code_span: start..end,
            image_end,
        }
    }

    /// End of the program image (start of the heap).
    pub fn image_end(&self) -> u32 {
        self.image_end
    }

    /// The region `addr` lies in.
    pub fn region(&self, addr: u32) -> Region {
        Region::of(addr, self.image_end)
    }

    /// The first byte of `[addr, addr + size)` in an executable segment.
    #[inline]
    fn hits_code(&self, addr: u32, size: u32) -> Option<u32> {
        let end = u64::from(addr) + u64::from(size);
        if end <= u64::from(self.code_span.start) || addr >= self.code_span.end {
            return None;
        }
        // Sorted and disjoint: the first range ending after `addr` is the
        // only candidate.
        let i = self.code.partition_point(|c| c.end <= addr);
        self.code
            .get(i)
            .filter(|c| u64::from(c.start) < end)
            .map(|c| addr.max(c.start))
    }

    /// The access rules, in one place: a data access of `size` bytes (1, 2
    /// or 4) is naturally aligned, lies below the system region and above the
    /// guard, and, if a store, touches no executable segment.
    #[inline(always)]
    fn allows(&self, addr: u32, size: u32, access: Access) -> bool {
        addr.is_multiple_of(size)
            && (STACK_BOTTOM..SYSTEM_START).contains(&addr)
            && (access == Access::Load || self.hits_code(addr, size).is_none())
    }

    /// A load of `N` (1, 2 or 4) bytes, if the access rules allow it.
    #[inline(always)]
    pub fn load<const N: usize>(&self, addr: u32) -> Option<[u8; N]> {
        if !self.allows(addr, N as u32, Access::Load) {
            return None;
        }
        // Aligned, so the offset masked to the last N-aligned slot is the
        // offset itself, and the compiler sees that the slice fits the page.
        let at = (addr & (PAGE_SIZE - N as u32)) as usize;
        Some(match self.page(addr) {
            Some(page) => page[at..at + N].try_into().expect("N bytes"),
            None => [0; N],
        })
    }

    /// A store of `N` (1, 2 or 4) bytes, if the access rules allow it;
    /// returns whether it happened.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) -> bool {
        if !self.allows(addr, N as u32, Access::Store) {
            return false;
        }
        let at = (addr & (PAGE_SIZE - N as u32)) as usize;
        self.page_mut(addr)[at..at + N].copy_from_slice(&bytes);
        true
    }

    /// Checks a data access of `size` bytes (1, 2 or 4) at `addr`: why the
    /// access rules refuse it, as a fault.
    pub fn check(&self, addr: u32, size: u32, access: Access) -> Result<(), FaultKind> {
        if self.allows(addr, size, access) {
            Ok(())
        } else if !addr.is_multiple_of(size) {
            Err(FaultKind::Misaligned { access, addr, size })
        } else if !(STACK_BOTTOM..SYSTEM_START).contains(&addr) {
            Err(FaultKind::AccessViolation {
                access,
                addr,
                region: self.region(addr),
            })
        } else {
            Err(FaultKind::StoreToCode { addr })
        }
    }

    /// Checks that an ECALL may read (`Access::Load`) or write (`Access::Store`)
    /// `[addr, addr + len)`, aligned to `align`. An empty range is always valid
    /// (Rust passes dangling pointers for empty slices).
    pub fn check_range(
        &self,
        addr: u32,
        len: u32,
        align: u32,
        access: Access,
    ) -> Result<(), BufferProblem> {
        if len == 0 {
            return Ok(());
        }
        if !addr.is_multiple_of(align) {
            return Err(BufferProblem::Misaligned { align });
        }
        let last = addr.checked_add(len - 1).ok_or(BufferProblem::Wraps)?;
        for at in [addr, last] {
            if !(STACK_BOTTOM..SYSTEM_START).contains(&at) {
                return Err(BufferProblem::Inaccessible {
                    at,
                    region: self.region(at),
                });
            }
        }
        if access == Access::Store
            && let Some(at) = self.hits_code(addr, len)
        {
            return Err(BufferProblem::Code { at });
        }
        Ok(())
    }

    #[inline(always)]
    fn page(&self, addr: u32) -> Option<&Page> {
        let page = (addr >> PAGE_SHIFT) as usize;
        let leaf = self.leaves.get(page >> LEAF_BITS)?.as_deref()?;
        leaf[page & (LEAF_LEN - 1)].as_deref()
    }

    /// The page holding `addr`, allocated if needed. `addr` must be below the
    /// system region (every caller has checked it).
    #[inline(always)]
    fn page_mut(&mut self, addr: u32) -> &mut Page {
        let page = (addr >> PAGE_SHIFT) as usize;
        let present = matches!(&self.leaves[page >> LEAF_BITS], Some(leaf) if leaf[page & (LEAF_LEN - 1)].is_some());
        if !present {
            self.allocate(page);
        }
        let leaf = self.leaves[page >> LEAF_BITS]
            .as_deref_mut()
            .expect("allocated above");
        leaf[page & (LEAF_LEN - 1)]
            .as_deref_mut()
            .expect("allocated above")
    }

    /// Commits page number `page` (and its leaf table): the first write there.
    #[cold]
    #[inline(never)]
    fn allocate(&mut self, page: usize) {
        let leaf = self.leaves[page >> LEAF_BITS]
            .get_or_insert_with(|| Box::new([const { None }; LEAF_LEN]));
        leaf[page & (LEAF_LEN - 1)].get_or_insert_with(|| Box::new([0; PAGE_BYTES]));
    }

    fn offset(addr: u32) -> usize {
        (addr & (PAGE_SIZE - 1)) as usize
    }

    /// Reads `N` bytes at `addr`, which must not cross a page (any naturally
    /// aligned access does not). Unchecked: call [`Memory::check`] first.
    #[inline(always)]
    pub(crate) fn read<const N: usize>(&self, addr: u32) -> [u8; N] {
        match self.page(addr) {
            Some(page) => {
                let at = Self::offset(addr);
                page[at..at + N].try_into().expect("access within a page")
            }
            None => [0; N],
        }
    }

    /// Writes `N` bytes at `addr`, which must be 4-aligned below the system
    /// region. Unchecked: call [`Memory::check`] first.
    #[inline(always)]
    pub(crate) fn write<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) {
        let at = Self::offset(addr);
        self.page_mut(addr)[at..at + N].copy_from_slice(&bytes);
    }

    /// The little-endian word at `addr`, whatever the address: any alignment,
    /// across pages, wrapping at the top; inaccessible memory reads zero.
    /// For tools and reports; the guest's own loads follow the access rules.
    pub fn read_u32(&self, addr: u32) -> u32 {
        let mut word = [0; 4];
        self.read_bytes(addr, &mut word);
        u32::from_le_bytes(word)
    }

    /// The aligned word holding `addr` (for observers).
    #[inline(always)]
    pub(crate) fn word(&self, addr: u32) -> u32 {
        u32::from_le_bytes(self.read(addr & !3))
    }

    /// Copies `buf.len()` bytes from `addr` (unchecked: see [`Memory::check_range`]).
    pub fn read_bytes(&self, mut addr: u32, mut buf: &mut [u8]) {
        while !buf.is_empty() {
            let at = Self::offset(addr);
            let n = buf.len().min(PAGE_BYTES - at);
            let (head, rest) = buf.split_at_mut(n);
            match self.page(addr) {
                Some(page) => head.copy_from_slice(&page[at..at + n]),
                None => head.fill(0),
            }
            buf = rest;
            addr = addr.wrapping_add(n as u32);
        }
    }

    /// Calls `f` on consecutive slices covering `[addr, addr + len)`, each
    /// within one page, without copying (unchecked: see [`Memory::check_range`]).
    pub fn for_each_slice(&self, mut addr: u32, mut len: u32, mut f: impl FnMut(&[u8])) {
        static ZERO: Page = [0; PAGE_BYTES];
        while len > 0 {
            let at = Self::offset(addr);
            let n = (len as usize).min(PAGE_BYTES - at);
            f(&self.page(addr).unwrap_or(&ZERO)[at..at + n]);
            len -= n as u32;
            addr = addr.wrapping_add(n as u32);
        }
    }

    /// Copies `bytes` to `addr` (unchecked: see [`Memory::check_range`]).
    /// Also used to lay out the program image, which may write into code.
    pub(crate) fn write_bytes(&mut self, mut addr: u32, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let at = Self::offset(addr);
            let n = bytes.len().min(PAGE_BYTES - at);
            let (head, rest) = bytes.split_at(n);
            if self.page(addr).is_some() || head.iter().any(|&b| b != 0) {
                self.page_mut(addr)[at..at + n].copy_from_slice(head);
            }
            bytes = rest;
            addr = addr.wrapping_add(n as u32);
        }
    }

    /// The pages the guest (or the image) has written, in address order, as
    /// (page number, contents). Pages never written are all zero.
    pub fn touched_pages(&self) -> impl Iterator<Item = (u32, &Page)> {
        self.leaves
            .iter()
            .enumerate()
            .filter_map(|(i, leaf)| leaf.as_deref().map(|leaf| (i, leaf)))
            .flat_map(|(i, leaf)| {
                leaf.iter().enumerate().filter_map(move |(j, p)| {
                    p.as_deref().map(|p| (((i << LEAF_BITS) | j) as u32, p))
                })
            })
    }

    /// Number of pages committed (a measure of host memory used).
    pub fn committed_pages(&self) -> usize {
        self.touched_pages().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem() -> Memory {
        let code = 0x0040_0000..0x0040_0010;
        Memory::new([code].to_vec(), 0x0040_1000)
    }

    #[test]
    fn untouched_memory_reads_zero_and_commits_nothing() {
        let m = mem();
        assert_eq!(m.read_u32(0x0080_0000), 0);
        assert_eq!(m.committed_pages(), 0);
    }

    #[test]
    fn writes_commit_one_page_each() {
        let mut m = mem();
        m.write(0x0001_0000, 0xdead_beef_u32.to_le_bytes());
        m.write(0x0001_1ffc, [1, 2, 3, 4]);
        m.write(0x0001_1fff, [9]);
        assert_eq!(m.read_u32(0x0001_0000), 0xdead_beef);
        assert_eq!(m.read(0x0001_1ffc), [1, 2, 3, 9]);
        assert_eq!(m.committed_pages(), 2);
    }

    #[test]
    fn byte_copies_cross_pages() {
        let mut m = mem();
        let data: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        m.write_bytes(0x0050_0ff0, &data);
        let mut back = vec![0; data.len()];
        m.read_bytes(0x0050_0ff0, &mut back);
        assert_eq!(back, data);
        assert_eq!(m.committed_pages(), 4);
    }

    #[test]
    fn touched_pages_are_listed_in_address_order() {
        let mut m = mem();
        for addr in [0xbfff_f000, 0x0001_0000, 0x0050_0000, 0x0040_1000] {
            m.write(addr, [1]);
        }
        let pages: Vec<u32> = m.touched_pages().map(|(n, _)| n).collect();
        assert_eq!(pages, [0x10, 0x401, 0x500, 0xbffff]);
    }

    #[test]
    fn slices_cover_a_range_across_pages_without_committing() {
        let mut m = mem();
        m.write(0x0050_1000, [7]);
        let mut seen = Vec::new();
        m.for_each_slice(0x0050_0ffe, 0x1004, |s| {
            seen.push((s.len(), s[s.len() - 1], s[0]))
        });
        assert_eq!(seen, [(2, 0, 0), (4096, 0, 7), (2, 0, 0)]);
        assert_eq!(m.committed_pages(), 1);
    }

    #[test]
    fn writing_zeros_to_fresh_pages_commits_nothing() {
        let mut m = mem();
        m.write_bytes(0x0050_0000, &[0; 20_000]);
        assert_eq!(m.committed_pages(), 0);
    }

    #[test]
    fn access_rules() {
        let m = mem();
        assert_eq!(m.check(0x0001_0000, 4, Access::Load), Ok(()));
        assert_eq!(m.check(0xbfff_fffc, 4, Access::Store), Ok(()));
        assert_eq!(
            m.check(0x0001_0002, 4, Access::Load),
            Err(FaultKind::Misaligned {
                access: Access::Load,
                addr: 0x0001_0002,
                size: 4
            })
        );
        assert_eq!(
            m.check(0x0000_fffc, 4, Access::Store),
            Err(FaultKind::AccessViolation {
                access: Access::Store,
                addr: 0x0000_fffc,
                region: Region::Guard
            })
        );
        assert_eq!(
            m.check(0xc000_0000, 1, Access::Load),
            Err(FaultKind::AccessViolation {
                access: Access::Load,
                addr: 0xc000_0000,
                region: Region::System
            })
        );
        assert_eq!(m.check(0x0040_000c, 4, Access::Load), Ok(()));
        assert_eq!(
            m.check(0x0040_000f, 1, Access::Store),
            Err(FaultKind::StoreToCode { addr: 0x0040_000f })
        );
        assert_eq!(m.check(0x0040_0010, 4, Access::Store), Ok(()));
    }

    #[test]
    fn range_rules() {
        let m = mem();
        assert_eq!(m.check_range(0, 0, 4, Access::Store), Ok(()));
        assert_eq!(m.check_range(0x0001_0000, 16, 4, Access::Store), Ok(()));
        assert_eq!(
            m.check_range(0x0001_0002, 16, 4, Access::Load),
            Err(BufferProblem::Misaligned { align: 4 })
        );
        assert_eq!(
            m.check_range(0xffff_fff0, 0x20, 1, Access::Load),
            Err(BufferProblem::Wraps)
        );
        assert_eq!(
            m.check_range(0xbfff_fff0, 0x11, 1, Access::Load),
            Err(BufferProblem::Inaccessible {
                at: 0xc000_0000,
                region: Region::System
            })
        );
        assert_eq!(
            m.check_range(0x003f_fff0, 0x20, 1, Access::Store),
            Err(BufferProblem::Code { at: 0x0040_0000 })
        );
        assert_eq!(m.check_range(0x003f_fff0, 0x20, 1, Access::Load), Ok(()));
    }
}
