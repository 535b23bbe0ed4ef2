//! Panics with a formatted message: the message and `file:line` reach the host.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let answer = core::hint::black_box(41);
    if answer != 42 {
        panic!("the answer was {answer}");
    }
}
