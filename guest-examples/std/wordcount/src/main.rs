//! wordcount: a std guest. It reads text from stdin (the input), counts its
//! words in a `HashMap`, prints the most frequent and commits the counts and
//! the text's SHA-256 (through `sys_sha_buffer`). Non-UTF-8 input panics.

use std::collections::HashMap;
use std::io::Read;

/// How many of the most frequent words it reports.
const TOP: usize = 5;

fn main() {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("the input is not UTF-8 text");

    let mut counts: HashMap<String, u32> = HashMap::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }
    let total: u32 = counts.values().sum();

    // HashMap's order is not part of the result: sort by count, then word.
    let mut top: Vec<(String, u32)> = counts.iter().map(|(w, n)| (w.clone(), *n)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(TOP);

    println!("{total} words, {} distinct", counts.len());
    for (word, n) in &top {
        println!("{n:>4} {word}");
    }
    // The public result: (total, distinct, the top words with their counts,
    // the text's SHA-256).
    let digest = sha256(text.as_bytes());
    ember_guest::env::commit(&(total, counts.len() as u32, top, digest));
}

unsafe extern "C" {
    /// The std platform's SHA-256 (RISC Zero's ABI, which ember-guest
    /// implements on the accelerator): `count` 64-byte blocks at `buf`
    /// compressed into the state `input`, written to `out`.
    fn sys_sha_buffer(out: *mut [u32; 8], input: *const [u32; 8], buf: *const u8, count: u32);
}

/// SHA-256 through `sys_sha_buffer`, as RISC Zero's patched `sha2` calls
/// it: states hold the chaining value's bytes in digest order.
fn sha256(data: &[u8]) -> [u8; 32] {
    const IV: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend((data.len() as u64 * 8).to_be_bytes());
    let mut state = IV.map(u32::to_be);
    let s = &raw mut state;
    // SAFETY: `message` holds `len / 64` whole blocks, and `s` is our state
    // (the ABI allows `out` to be `input`).
    unsafe { sys_sha_buffer(s, s, message.as_ptr(), (message.len() / 64) as u32) };
    let mut digest = [0; 32];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_ne_bytes());
    }
    digest
}
