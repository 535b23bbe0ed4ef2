//! Reads `n: u32`, prints `n` numbered lines, a line longer than the print
//! buffer, and a count to stderr. Printing formats on the stack: the memory
//! this guest touches is the same for 1 line as for 20,000.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let n: u32 = ember_guest::env::read();
    for i in 1..=n {
        ember_guest::println!("line {i} of {n}");
    }
    // 700 two-byte characters: flushed in several WRITEs, some splitting one.
    ember_guest::println!("{:é<700}", "");
    ember_guest::eprintln!("printed {n} lines");
}
