//! wordcount: a std guest. It reads text from stdin (the input), counts its
//! words in a `HashMap`, prints the most frequent and commits the counts and
//! the text's SHA-256 (hashed on the accelerator). Non-UTF-8 input panics.

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
    let digest = ember_guest::sha256::digest(text.as_bytes());
    ember_guest::env::commit(&(total, counts.len() as u32, top, digest));
}
