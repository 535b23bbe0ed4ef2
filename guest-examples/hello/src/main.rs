//! Prints a greeting to stdout and commits it to the journal.
#![no_std]
#![no_main]

ember_guest::entry!(main);

fn main() {
    let greeting = "hello from an Ember guest";
    ember_guest::println!("{greeting}");
    ember_guest::env::commit(greeting);
}
