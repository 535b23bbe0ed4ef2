//! Reads `n: u32` and commits the n-th Fibonacci number modulo 2^64.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn fib(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

fn main() {
    let n: u32 = ember_guest::env::read();
    let value = fib(n);
    ember_guest::println!("fib({n}) mod 2^64 = {value}");
    ember_guest::env::commit(&value);
}
