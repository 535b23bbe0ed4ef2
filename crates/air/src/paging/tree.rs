//! The memory tree, natively: a binary Merkle tree of Poseidon2
//! compressions over the whole word-addressed memory, registers included.
//! Its root is the memory's state at a segment boundary: the verifier
//! computes the first one from the ELF, and each segment proves that its
//! run took its initial root to its final one (see [`super`]).
//!
//! - A word (a register `i` at address `i`, a RAM word at byte address
//!   `4a` at address `a`) is two field elements: `[lo, hi + 2^16 w]`, its
//!   16-bit halves with its `writable` bit `w` (0 for code) on top, so a
//!   word's place in the tree also fixes whether stores may change it.
//! - A leaf is a chunk of four consecutive words (`4c .. 4c + 3`): eight
//!   elements, a digest's size, hashed no further.
//! - A node is `compress(left, right)`, Plonky3's `TruncatedPermutation`
//!   (the first eight elements of Poseidon2-16 over KoalaBear, with the
//!   crate's fixed constants, applied to `left || right`): the same
//!   compression as the proof's own Merkle trees.
//! - The tree has [`DEPTH`] levels above the leaves (word addresses are
//!   below 2^30); a chunk nobody set holds four zero, writable words.

use std::collections::HashMap;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_koala_bear::{Poseidon2KoalaBear, default_koalabear_poseidon2_16};
use p3_symmetric::{PseudoCompressionFunction, TruncatedPermutation};

use crate::Val;
use crate::memory::InitialWord;

/// Levels above the leaves: 2^28 chunks of four words cover 2^30 words.
pub const DEPTH: usize = 28;
/// Words in a chunk (a leaf).
pub const CHUNK_WORDS: u32 = 4;

/// A node's (or a chunk's) eight field elements.
pub type Digest = [Val; 8];

/// A word as the tree holds it: `[lo, hi + 2^16 writable]`.
pub fn word_elems(value: u32, writable: bool) -> [Val; 2] {
    [
        Val::from_u32(value & 0xffff),
        Val::from_u32((value >> 16) | (writable as u32) << 16),
    ]
}

/// A chunk of four `(value, writable)` words as a leaf.
pub fn chunk_digest(words: [(u32, bool); 4]) -> Digest {
    let mut d = [Val::ZERO; 8];
    for (i, (v, w)) in words.into_iter().enumerate() {
        d[2 * i..2 * i + 2].copy_from_slice(&word_elems(v, w));
    }
    d
}

/// The compression of nodes: `Poseidon2(left || right)[..8]`.
#[derive(Clone)]
pub struct Compressor(TruncatedPermutation<Poseidon2KoalaBear<16>, 2, 8, 16>);

impl Default for Compressor {
    fn default() -> Self {
        Compressor(TruncatedPermutation::new(default_koalabear_poseidon2_16()))
    }
}

impl Compressor {
    /// `compress(left, right)`.
    pub fn compress(&self, left: Digest, right: Digest) -> Digest {
        self.0.compress([left, right])
    }
}

/// One node of an update (see [`MemoryTree::update`]): the node at `level`
/// (1 to [`DEPTH`]) and `index`, its children before and after, and which
/// children are themselves in the update (the others are unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeUpdate {
    /// Its level (1 = parent of two chunks).
    pub level: usize,
    /// Its index in the level.
    pub index: u32,
    /// Left and right child before the update.
    pub before: [Digest; 2],
    /// Left and right child after.
    pub after: [Digest; 2],
    /// Whether each child is in the update (a changed chunk, or a node of
    /// the update); the others are the same before and after.
    pub updated: [bool; 2],
    /// The node itself before and after: the compressions of its children.
    pub digest: [Digest; 2],
}

/// A sparse memory tree: every node that differs from an untouched
/// memory's, by level (0 = chunks).
#[derive(Clone)]
pub struct MemoryTree {
    compressor: Compressor,
    /// `empty[l]`: a node of level `l` over untouched memory.
    empty: [Digest; DEPTH + 1],
    levels: Vec<HashMap<u32, Digest>>,
}

impl Default for MemoryTree {
    fn default() -> Self {
        MemoryTree::new()
    }
}

impl MemoryTree {
    /// The tree of untouched memory: every word zero and writable.
    pub fn new() -> MemoryTree {
        let compressor = Compressor::default();
        let mut empty = [chunk_digest([(0, true); 4]); DEPTH + 1];
        for l in 1..=DEPTH {
            empty[l] = compressor.compress(empty[l - 1], empty[l - 1]);
        }
        MemoryTree {
            compressor,
            empty,
            levels: vec![HashMap::new(); DEPTH + 1],
        }
    }

    /// The tree of a program's initial state ([`crate::memory::initial_words`]:
    /// the registers, the code read-only, the data).
    pub fn of_words(words: &[InitialWord]) -> MemoryTree {
        let mut tree = MemoryTree::new();
        let mut chunks: HashMap<u32, [(u32, bool); 4]> = HashMap::new();
        for w in words {
            chunks.entry(w.addr / CHUNK_WORDS).or_insert([(0, true); 4])
                [(w.addr % CHUNK_WORDS) as usize] = (w.value, w.writable);
        }
        let chunks: HashMap<u32, Digest> = chunks
            .into_iter()
            .map(|(c, ws)| (c, chunk_digest(ws)))
            .collect();
        tree.update(&chunks);
        tree
    }

    /// The root.
    pub fn root(&self) -> Digest {
        self.node(DEPTH, 0)
    }

    /// The node at `level` and `index` (a chunk's digest at level 0).
    pub fn node(&self, level: usize, index: u32) -> Digest {
        self.levels[level]
            .get(&index)
            .copied()
            .unwrap_or(self.empty[level])
    }

    /// Sets the chunks in `chunks` (index → new digest) and returns every
    /// node on their paths to the root, bottom-up, each once, with its
    /// children before and after: what a proof of the update hashes. The
    /// root is the last.
    pub fn update(&mut self, chunks: &HashMap<u32, Digest>) -> Vec<NodeUpdate> {
        let mut union: Vec<Vec<u32>> = Vec::with_capacity(DEPTH + 1);
        let mut level: Vec<u32> = chunks.keys().copied().collect();
        level.sort_unstable();
        for _ in 0..=DEPTH {
            let mut parents: Vec<u32> = level.iter().map(|&i| i >> 1).collect();
            parents.dedup();
            union.push(std::mem::replace(&mut level, parents));
        }
        let mut out: Vec<NodeUpdate> = (1..=DEPTH)
            .flat_map(|l| union[l].iter().map(move |&p| (l, p)))
            .map(|(level, index)| {
                let children = [2 * index, 2 * index + 1];
                NodeUpdate {
                    level,
                    index,
                    before: children.map(|c| self.node(level - 1, c)),
                    after: [Digest::default(); 2],
                    updated: children.map(|c| union[level - 1].binary_search(&c).is_ok()),
                    digest: [self.node(level, index), Digest::default()],
                }
            })
            .collect();
        for (&c, &d) in chunks {
            self.set(0, c, d);
        }
        for n in &mut out {
            n.after = [2 * n.index, 2 * n.index + 1].map(|c| self.node(n.level - 1, c));
            n.digest[1] = self.compressor.compress(n.after[0], n.after[1]);
            self.set(n.level, n.index, n.digest[1]);
        }
        out
    }

    fn set(&mut self, level: usize, index: u32, d: Digest) {
        if d == self.empty[level] {
            self.levels[level].remove(&index);
        } else {
            self.levels[level].insert(index, d);
        }
    }
}

/// A digest's elements as canonical integers (a proof's wire form).
pub fn digest_u32(d: &Digest) -> [u32; 8] {
    d.map(|v| v.as_canonical_u32())
}

/// Memory at a segment's boundary: every word that is not zero and
/// writable, and the tree of them all.
#[derive(Clone)]
pub struct MemoryState {
    words: HashMap<u32, (u32, bool)>,
    tree: MemoryTree,
}

impl MemoryState {
    /// A program's initial memory ([`crate::memory::initial_words`]).
    pub fn initial(program: &ember_core::Program) -> MemoryState {
        let words = crate::memory::initial_words(program);
        let tree = MemoryTree::of_words(&words);
        MemoryState {
            words: words
                .iter()
                .filter(|w| (w.value, w.writable) != (0, true))
                .map(|w| (w.addr, (w.value, w.writable)))
                .collect(),
            tree,
        }
    }

    /// The word at `addr`: its value and whether it is writable.
    pub fn word(&self, addr: u32) -> (u32, bool) {
        self.words.get(&addr).copied().unwrap_or((0, true))
    }

    /// The tree's root.
    pub fn root(&self) -> Digest {
        self.tree.root()
    }

    /// Sets the words in `values` (address → new value; whether a word is
    /// writable never changes) and returns the tree's update (see
    /// [`MemoryTree::update`]).
    pub fn update(&mut self, values: &HashMap<u32, u32>) -> Vec<NodeUpdate> {
        let mut chunks: HashMap<u32, Digest> = HashMap::new();
        for (&addr, &value) in values {
            let writable = self.word(addr).1;
            if (value, writable) == (0, true) {
                self.words.remove(&addr);
            } else {
                self.words.insert(addr, (value, writable));
            }
            chunks.insert(addr / CHUNK_WORDS, Digest::default());
        }
        for (&c, d) in &mut chunks {
            *d = chunk_digest(core::array::from_fn(|j| {
                self.word(c * CHUNK_WORDS + j as u32)
            }));
        }
        self.tree.update(&chunks)
    }
}

#[cfg(test)]
mod tests {
    use p3_symmetric::Permutation;

    use super::*;

    /// `compress` written from the permutation itself.
    fn by_hand(left: Digest, right: Digest) -> Digest {
        let mut state = [Val::ZERO; 16];
        state[..8].copy_from_slice(&left);
        state[8..].copy_from_slice(&right);
        let out = default_koalabear_poseidon2_16().permute(state);
        out[..8].try_into().unwrap()
    }

    fn digest(seed: u32) -> Digest {
        core::array::from_fn(|i| Val::from_u32(seed.wrapping_mul(0x9e37_79b9) ^ i as u32))
    }

    #[test]
    fn a_word_is_its_halves_with_the_writable_bit_on_top() {
        assert_eq!(
            word_elems(0xdead_beef, true),
            [Val::from_u32(0xbeef), Val::from_u32(0x1_dead)]
        );
        assert_eq!(
            word_elems(0xdead_beef, false),
            [Val::from_u32(0xbeef), Val::from_u32(0xdead)]
        );
    }

    #[test]
    fn one_chunk_hashes_up_its_path_past_untouched_siblings() {
        let mut empty = chunk_digest([(0, true); 4]);
        let mut tree = MemoryTree::new();
        let c = 0x0123_4567;
        let leaf = chunk_digest([(1, true), (2, false), (3, true), (u32::MAX, true)]);
        let nodes = tree.update(&HashMap::from([(c, leaf)]));
        let mut d = leaf;
        for (l, n) in nodes.iter().enumerate() {
            let bit = c >> l & 1;
            let (left, right) = if bit == 0 { (d, empty) } else { (empty, d) };
            assert_eq!((n.level, n.index), (l + 1, c >> (l + 1)));
            assert_eq!(n.after, [left, right]);
            assert_eq!(n.updated, [bit == 0, bit == 1]);
            d = by_hand(left, right);
            empty = by_hand(empty, empty);
        }
        assert_eq!(nodes.len(), DEPTH);
        assert_eq!(tree.root(), d);
        assert_eq!(MemoryTree::new().root(), empty);
    }

    #[test]
    fn an_update_records_each_node_before_and_after() {
        let mut tree = MemoryTree::new();
        tree.update(&(0..40).map(|c| (c * 7, digest(c))).collect());
        let before = tree.root();
        let chunks: HashMap<u32, Digest> = [
            (0, digest(100)),
            (7, digest(101)),
            (8, digest(102)),
            (1 << 27, digest(103)),
        ]
        .into();
        let nodes = tree.update(&chunks);
        // Each node once, the root last.
        let mut seen: Vec<(usize, u32)> = nodes.iter().map(|n| (n.level, n.index)).collect();
        assert_eq!(*seen.last().unwrap(), (DEPTH, 0));
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), nodes.len());
        let root = nodes.last().unwrap();
        assert_eq!(by_hand(root.before[0], root.before[1]), before);
        assert_eq!(by_hand(root.after[0], root.after[1]), tree.root());
        assert_eq!(root.digest, [before, tree.root()]);
        for n in &nodes {
            assert_eq!(n.digest[0], by_hand(n.before[0], n.before[1]));
            assert_eq!(n.digest[1], by_hand(n.after[0], n.after[1]));
        }
        // An updated child is a node of the update (or a chunk), before and
        // after; the others did not change.
        for n in &nodes {
            for side in 0..2 {
                let child = 2 * n.index + side as u32;
                if n.level == 1 {
                    assert_eq!(n.updated[side], chunks.contains_key(&child));
                    if n.updated[side] {
                        assert_eq!(n.after[side], chunks[&child]);
                    }
                } else if n.updated[side] {
                    let c = nodes
                        .iter()
                        .find(|m| (m.level, m.index) == (n.level - 1, child))
                        .unwrap();
                    assert_eq!(by_hand(c.before[0], c.before[1]), n.before[side]);
                    assert_eq!(by_hand(c.after[0], c.after[1]), n.after[side]);
                }
                if !n.updated[side] {
                    assert_eq!(n.before[side], n.after[side]);
                }
            }
        }
    }

    #[test]
    fn the_root_does_not_depend_on_how_updates_are_grouped() {
        let chunks: Vec<(u32, Digest)> = (0..64)
            .map(|i| (i * 0x0031_0001 % (1 << 28), digest(i)))
            .collect();
        let mut one = MemoryTree::new();
        one.update(&chunks.iter().copied().collect());
        let mut many = MemoryTree::new();
        for c in chunks.chunks(5) {
            many.update(&c.iter().copied().collect());
        }
        assert_eq!(one.root(), many.root());
        // Setting a chunk back to untouched memory gives the empty tree.
        let mut back = one.clone();
        back.update(
            &chunks
                .iter()
                .map(|&(c, _)| (c, chunk_digest([(0, true); 4])))
                .collect(),
        );
        assert_eq!(back.root(), MemoryTree::new().root());
        assert!(back.levels.iter().all(HashMap::is_empty));
    }

    #[test]
    fn a_code_word_and_a_data_word_of_one_value_differ() {
        let word = |writable| InitialWord {
            addr: 0x0010_0000,
            value: 0x13,
            writable,
        };
        assert_ne!(
            MemoryTree::of_words(&[word(true)]).root(),
            MemoryTree::of_words(&[word(false)]).root()
        );
    }
}
