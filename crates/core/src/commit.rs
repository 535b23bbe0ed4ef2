//! Commitments (SPEC §6): the memory root, the image ID and the claim digest,
//! the statement a future proof would attest. Ember computes them; it does
//! not prove them.
//!
//! The memory root is a binary SHA-256 Merkle tree over the 2^20 pages of the
//! address space (leaf = SHA-256(page), node = SHA-256(left || right)).
//! All-zero subtrees have precomputed hashes, so the cost is proportional to
//! the pages in use, not to the 4 GiB space.

use core::fmt;
use core::ops::Range;

use ember_abi::memory::{PAGE_COUNT, PAGE_SIZE};
use sha2::{Digest as _, Sha256};

use crate::machine::Exit;
use crate::memory::{Memory, Page};

/// Domain separator of the image ID.
pub const IMAGE_TAG: &[u8] = b"ember/image/v1";
/// Domain separator of the claim digest.
pub const CLAIM_TAG: &[u8] = b"ember/claim/v1";
/// Depth of the memory tree: 2^20 pages.
pub const TREE_DEPTH: u32 = PAGE_COUNT.trailing_zeros();

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// SHA-256 of `parts`, concatenated.
    pub fn of(parts: &[&[u8]]) -> Digest {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        Digest(h.finalize().into())
    }

    /// The digest as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Digest> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Digest(out))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// `zero[level]`: the root of an all-zero subtree of height `level`
/// (`zero[0]` is the hash of a zero page).
fn zero_hashes(depth: u32) -> Vec<Digest> {
    let mut zero = vec![Digest::of(&[&[0u8; PAGE_SIZE as usize]])];
    for level in 0..depth as usize {
        let z = zero[level].0;
        zero.push(Digest::of(&[&z, &z]));
    }
    zero
}

/// The root of a tree of height `depth` whose leaves are the hashes of the
/// given pages (page number, contents) and zero pages elsewhere. Page numbers
/// must be ascending and below `2^depth`.
pub fn merkle_root<'a>(depth: u32, pages: impl IntoIterator<Item = (u32, &'a Page)>) -> Digest {
    let zero = zero_hashes(depth);
    let mut level: Vec<(u32, Digest)> = pages
        .into_iter()
        .map(|(n, page)| (n, Digest::of(&[page])))
        .collect();
    for &empty in &zero[..depth as usize] {
        let mut up = Vec::with_capacity(level.len().div_ceil(2));
        let mut i = 0;
        while i < level.len() {
            let (n, h) = level[i];
            let sibling = level.get(i + 1).filter(|(m, _)| *m == n ^ 1);
            let (left, right) = match (n & 1, sibling) {
                (0, Some((_, s))) => (h, *s),
                (0, None) => (h, empty),
                _ => (empty, h),
            };
            up.push((n >> 1, Digest::of(&[&left.0, &right.0])));
            i += if sibling.is_some() { 2 } else { 1 };
        }
        level = up;
    }
    level.first().map_or(zero[depth as usize], |(_, h)| *h)
}

/// The memory root of SPEC §6 over the whole address space.
pub fn memory_root(memory: &Memory) -> Digest {
    merkle_root(TREE_DEPTH, memory.touched_pages())
}

/// `image_id = SHA-256("ember/image/v1" || entry u32 LE || n u32 LE ||
/// (start u32 LE || end u32 LE) for each of the n executable ranges, in
/// address order || memory_root(initial image))`.
///
/// The ranges are what may execute: two images with the same bytes but
/// different executable segments are different programs.
pub fn image_id(entry: u32, executable: &[Range<u32>], memory_root: &Digest) -> Digest {
    let mut h = Sha256::new();
    h.update(IMAGE_TAG);
    h.update(entry.to_le_bytes());
    h.update((executable.len() as u32).to_le_bytes());
    for range in executable {
        h.update(range.start.to_le_bytes());
        h.update(range.end.to_le_bytes());
    }
    h.update(memory_root.0);
    Digest(h.finalize().into())
}

/// Everything the claim digest commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The program's image ID.
    pub image_id: Digest,
    /// SHA-256 of the input bytes.
    pub input_digest: Digest,
    /// SHA-256 of the journal bytes.
    pub journal_digest: Digest,
    /// 0 = halted, 1 = panicked.
    pub status: u8,
    /// The exit code (0 when the guest panicked).
    pub exit_code: u32,
    /// Cycles used.
    pub cycles: u64,
}

impl Claim {
    /// The claim of a run that ended in `exit`.
    pub fn new(image_id: Digest, input: &[u8], journal: &[u8], exit: &Exit, cycles: u64) -> Claim {
        let (status, exit_code) = match exit {
            Exit::Halted { code } => (0, *code),
            Exit::Panicked { .. } => (1, 0),
        };
        Claim {
            image_id,
            input_digest: Digest::of(&[input]),
            journal_digest: Digest::of(&[journal]),
            status,
            exit_code,
            cycles,
        }
    }

    /// `SHA-256("ember/claim/v1" || image_id || input_digest || journal_digest
    /// || status u8 || exit code u32 LE || cycles u64 LE)`.
    pub fn digest(&self) -> Digest {
        Digest::of(&[
            CLAIM_TAG,
            &self.image_id.0,
            &self.input_digest.0,
            &self.journal_digest.0,
            &[self.status],
            &self.exit_code.to_le_bytes(),
            &self.cycles.to_le_bytes(),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The full tree, every leaf hashed: the definition, for small depths.
    fn naive_root(depth: u32, pages: &[(u32, Page)]) -> Digest {
        let mut level: Vec<Digest> = (0..1u32 << depth)
            .map(|n| {
                let page = pages.iter().find(|(m, _)| *m == n).map(|(_, p)| *p);
                Digest::of(&[&page.unwrap_or([0; PAGE_SIZE as usize])])
            })
            .collect();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|pair| Digest::of(&[&pair[0].0, &pair[1].0]))
                .collect();
        }
        level[0]
    }

    fn page(fill: u8) -> Page {
        let mut p = [0; PAGE_SIZE as usize];
        p[0] = fill;
        p[4095] = fill.wrapping_mul(3);
        p
    }

    #[test]
    fn sparse_root_equals_the_naive_full_tree() {
        let sets: Vec<Vec<u32>> = vec![
            vec![],
            vec![0],
            vec![63],
            vec![0, 1],
            vec![1, 2],
            vec![0, 5, 6, 7, 40, 63],
            (0..64).collect(),
        ];
        for depth in [0, 1, 3, 6] {
            for set in &sets {
                let pages: Vec<(u32, Page)> = set
                    .iter()
                    .filter(|&&n| n < 1 << depth)
                    .map(|&n| (n, page(n as u8 + 1)))
                    .collect();
                let sparse = merkle_root(depth, pages.iter().map(|(n, p)| (*n, p)));
                assert_eq!(sparse, naive_root(depth, &pages), "depth {depth}, {set:?}");
            }
        }
    }

    #[test]
    fn a_written_zero_page_hashes_like_an_untouched_one() {
        let zero = [0u8; PAGE_SIZE as usize];
        assert_eq!(merkle_root(4, [(3, &zero)]), merkle_root(4, []));
    }

    #[test]
    fn digest_hex_round_trips() {
        let d = Digest::of(&[b"abc"]);
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Digest::from_hex(&d.to_hex()), Some(d));
        assert_eq!(Digest::from_hex("xyz"), None);
    }
}
