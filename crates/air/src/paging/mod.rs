//! Memory as a Merkle tree of Poseidon2 compressions ([`tree`]), the state a
//! segment of a run starts from and ends with.

pub mod perm;
pub mod tree;
