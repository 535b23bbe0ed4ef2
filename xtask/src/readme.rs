//! `cargo xtask readme [--check]`: the README's and docs' samples come from
//! runs, so they cannot go stale.
//!
//! A fenced block preceded by a marker comment is checked:
//!
//! - `<!-- sample: COMMAND -->`: the block is what COMMAND prints (stdout and
//!   stderr together, as a terminal shows them), run by bash from the
//!   repository root with `$SCRATCH` a fresh scratch directory. xtask's own
//!   `xtask: ...` lines and cargo's progress lines are left out. A block
//!   whose last line is `...` shows the output's first lines only.
//! - `<!-- file: PATH -->`: the block is the file at PATH, byte for byte (a
//!   guest's source, which CI builds and runs).
//!
//! Timings, speeds and the host's memory (a number followed by `ms`, `s`,
//! `MIPS`, `kHz`, `KiB`, `MiB`...) are compared as `#`: they change from run
//! to run, nothing else may. `cargo xtask readme` rewrites the blocks from
//! fresh runs; `--check` (part of `cargo xtask test`) fails, with a diff,
//! where a block and its run differ.

use std::path::Path;

use crate::{Result, root};

/// The files whose samples are checked.
const DOCUMENTS: [&str; 4] = [
    "README.md",
    "docs/abi.md",
    "docs/proof.md",
    "docs/errors.md",
];

/// One checked block of a document.
struct Block {
    /// What produces it.
    source: Source,
    /// Its lines' range in the document (the lines between the fences).
    lines: std::ops::Range<usize>,
}

enum Source {
    Sample(String),
    File(String),
}

/// Runs every sample of every document: with `check`, fails if any block
/// differs from its run; otherwise rewrites the blocks that differ.
pub fn readme(check: bool) -> Result {
    let scratch = root().join("target/readme-samples");
    let mut stale = Vec::new();
    for doc in DOCUMENTS {
        let path = root().join(doc);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let blocks = blocks(&lines).map_err(|e| format!("{doc}: {e}"))?;
        let stale_before = stale.len();
        // Bottom up, so that a rewritten block does not move the next ones.
        for block in blocks.iter().rev() {
            let shown = &lines[block.lines.clone()];
            let actual = match &block.source {
                Source::Sample(command) => {
                    let _ = std::fs::remove_dir_all(&scratch);
                    std::fs::create_dir_all(&scratch)
                        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
                    eprintln!("xtask: {doc}:{}: {command}", block.lines.start);
                    let output = run_sample(command, &scratch)?;
                    match shown.last().map(|l| l.trim()) {
                        // The first lines, then the `...` line as written.
                        Some("...") if output.len() >= shown.len() - 1 => {
                            let mut head = output[..shown.len() - 1].to_vec();
                            head.push(shown[shown.len() - 1].clone());
                            head
                        }
                        _ => output,
                    }
                }
                Source::File(file) => {
                    let file_path = root().join(file);
                    std::fs::read_to_string(&file_path)
                        .map_err(|e| format!("{doc}: cannot read {file}: {e}"))?
                        .lines()
                        .map(str::to_string)
                        .collect()
                }
            };
            if !same(shown, &actual) {
                stale.push(format!(
                    "{doc}:{}: the block differs from {}:\n{}",
                    block.lines.start,
                    match &block.source {
                        Source::Sample(c) => format!("what `{c}` prints"),
                        Source::File(f) => f.clone(),
                    },
                    diff(shown, &actual)
                ));
                lines.splice(block.lines.clone(), actual);
            }
        }
        if !check && stale.len() > stale_before {
            let mut new = lines.join("\n");
            new.push('\n');
            std::fs::write(&path, new).map_err(|e| format!("cannot write {doc}: {e}"))?;
        }
    }
    if stale.is_empty() {
        eprintln!("xtask: the samples in {} are current", DOCUMENTS.join(", "));
        return Ok(());
    }
    if check {
        Err(format!(
            "{}\n{} stale block(s): `cargo xtask readme` rewrites them from fresh runs",
            stale.join("\n"),
            stale.len()
        ))
    } else {
        for s in &stale {
            eprintln!("xtask: rewrote {s}");
        }
        Ok(())
    }
}

/// The checked blocks of a document's lines.
fn blocks(lines: &[String]) -> Result<Vec<Block>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        let marker = line
            .strip_prefix("<!--")
            .and_then(|l| l.strip_suffix("-->"))
            .map(str::trim);
        let source = match marker {
            Some(m) if m.starts_with("sample:") => {
                Source::Sample(m["sample:".len()..].trim().into())
            }
            Some(m) if m.starts_with("file:") => Source::File(m["file:".len()..].trim().into()),
            _ if lines[i].starts_with("```") => {
                // An unmarked block: only host Rust (```` ```rust ````, a doc
                // test of ember-host) may go unchecked here; guest Rust
                // must show a file that CI builds.
                if lines[i].trim() == "```rs" {
                    return Err(format!(
                        "line {}: a ```rs block must show a file (<!-- file: PATH -->)",
                        i + 1
                    ));
                }
                i = (i + 1..lines.len())
                    .find(|&j| lines[j].starts_with("```"))
                    .map_or(lines.len(), |close| close + 1);
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let open = (i + 1..lines.len())
            .find(|&j| !lines[j].trim().is_empty())
            .filter(|&j| lines[j].starts_with("```"))
            .ok_or_else(|| format!("line {}: a marker must precede a fenced block", i + 1))?;
        let close = (open + 1..lines.len())
            .find(|&j| lines[j].starts_with("```"))
            .ok_or_else(|| format!("line {}: the block is not closed", open + 1))?;
        out.push(Block {
            source,
            lines: open + 1..close,
        });
        i = close + 1;
    }
    Ok(out)
}

/// What `command` prints, as lines, without xtask's and cargo's own.
fn run_sample(command: &str, scratch: &Path) -> Result<Vec<String>> {
    // A user's shell: none of the environment of the cargo running xtask.
    let mut bash = ember_build::clean_command("bash");
    let out = bash
        .args(["-c", &format!("exec 2>&1\n{command}")])
        .current_dir(root())
        .env("SCRATCH", scratch)
        .env("EMBER_TARGET", crate::target_dir()?)
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter(|l| !is_tool_line(l))
        .map(|l| l.trim_end().to_string())
        .collect())
}

/// xtask's own lines and cargo's progress lines.
fn is_tool_line(line: &str) -> bool {
    const CARGO: [&str; 9] = [
        "Compiling ",
        "Finished ",
        "Running ",
        "Blocking ",
        "Updating ",
        "Locking ",
        "Adding ",
        "Downloading ",
        "Downloaded ",
    ];
    line.starts_with("xtask: ") || CARGO.iter().any(|c| line.trim_start().starts_with(c))
}

/// Whether the shown lines equal the run's, timings aside.
fn same(shown: &[String], actual: &[String]) -> bool {
    shown.len() == actual.len()
        && shown
            .iter()
            .zip(actual)
            .all(|(a, b)| mask(a.trim_end()) == mask(b.trim_end()))
}

/// The line with every measured quantity (a number and a unit of time,
/// speed or host memory) replaced by `#`.
fn mask(line: &str) -> String {
    const UNITS: [&str; 8] = ["ms", "µs", "s", "MIPS", "kHz", "KiB", "MiB", "GiB"];
    let words: Vec<&str> = line.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let numeric = |w: &str| {
            let w = w.trim_start_matches('(');
            !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.')
        };
        let unit = words
            .get(i + 1)
            .map(|u| u.trim_end_matches([',', ')', ';']));
        // A size the prover does not fix to the byte: `(N bytes, M KiB)`.
        let sized = unit == Some("bytes")
            && words.get(i + 2).is_some_and(|w| numeric(w))
            && words
                .get(i + 3)
                .is_some_and(|u| u.starts_with("KiB") || u.starts_with("MiB"));
        if numeric(word) && (sized || unit.is_some_and(|u| UNITS.contains(&u))) {
            let open = if word.starts_with('(') { "(" } else { "" };
            out.push(format!("{open}#"));
        } else {
            out.push((*word).to_string());
        }
    }
    out.join(" ")
}

/// The differing lines, `-` shown and `+` from the run.
fn diff(shown: &[String], actual: &[String]) -> String {
    let mut out = String::new();
    for i in 0..shown.len().max(actual.len()) {
        let (a, b) = (shown.get(i), actual.get(i));
        if a.map(|a| mask(a)) != b.map(|b| mask(b)) {
            if let Some(a) = a {
                out.push_str(&format!("  - {a}\n"));
            }
            if let Some(b) = b {
                out.push_str(&format!("  + {b}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_quantities_are_masked_and_nothing_else() {
        assert_eq!(
            mask("  wall time     0.145 ms (703.6 MIPS)"),
            "  wall time     # ms (# MIPS)"
        );
        assert_eq!(
            mask("  after     9 cycles (9 instructions, 3.7 MIPS)"),
            "  after     9 cycles (9 instructions, # MIPS)"
        );
        assert_eq!(
            mask("  journal       14 bytes, digest 0b74"),
            "  journal       14 bytes, digest 0b74"
        );
        assert_eq!(mask("proved in 1.25 s, 81.2 kHz"), "proved in # s, # kHz");
        assert_eq!(
            mask("  receipt  a.receipt (828772 bytes, 809.3 KiB)"),
            "  receipt  a.receipt (# bytes, # KiB)"
        );
    }

    #[test]
    fn markers_find_their_blocks() {
        let doc: Vec<String> = "text\n<!-- sample: echo hi -->\n```text\nhi\n```\n<!-- file: a.rs -->\n\n```rs\nfn main() {}\n```\n"
            .lines()
            .map(str::to_string)
            .collect();
        let found = blocks(&doc).unwrap();
        assert_eq!(found.len(), 2);
        assert!(matches!(&found[0].source, Source::Sample(c) if c == "echo hi"));
        assert_eq!(found[0].lines, 3..4);
        assert!(matches!(&found[1].source, Source::File(f) if f == "a.rs"));
        assert_eq!(found[1].lines, 8..9);
        let orphan: Vec<String> = vec!["<!-- sample: x -->".into(), "text".into()];
        assert!(blocks(&orphan).is_err());
        let unshown: Vec<String> = vec!["```rs".into(), "fn main() {}".into(), "```".into()];
        assert!(blocks(&unshown).is_err());
    }

    #[test]
    fn a_changed_digest_is_stale_and_a_changed_timing_is_not() {
        let shown = vec!["  cycles 10".to_string(), "  wall 1.0 ms".to_string()];
        let timing = vec!["  cycles 10".to_string(), "  wall 2.5 ms".to_string()];
        let cycles = vec!["  cycles 11".to_string(), "  wall 1.0 ms".to_string()];
        assert!(same(&shown, &timing));
        assert!(!same(&shown, &cycles));
        assert!(!same(&shown, &shown[..1]));
        assert_eq!(diff(&shown, &cycles), "  -   cycles 10\n  +   cycles 11\n");
    }
}
