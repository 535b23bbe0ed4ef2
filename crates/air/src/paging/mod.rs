//! Memory as a Merkle tree of Poseidon2 compressions ([`tree`]): the state
//! a segment of a run starts from and ends with, its roots public values.
//! The [`chunk::ChunkAir`] lists the touched chunks (the memory argument's
//! boundary: each word's initial and final tuple), the [`node::NodeAir`]
//! hashes them up to the roots, and the [`perm::PermAir`] computes every
//! compression.

pub mod chunk;
pub mod node;
pub mod perm;
pub mod tree;
