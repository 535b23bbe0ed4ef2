//! Asks getrandom for random bytes: an Ember guest has none, and says so.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("random bytes");
    ember_guest::env::commit(&seed);
}
