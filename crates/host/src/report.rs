//! Human and machine summaries of a run: what `ember run` prints, available
//! to embedders too.

use std::fmt::Write as _;

use ember_core::{Exit, FaultKind, REG_NAMES, Region, decode};
use serde_json::{Value, json};

use crate::ReceiptError;
use crate::callstack::Backtrace;
use crate::error::FaultReport;
use crate::executor::{BACKTRACE_RERUN_LIMIT, Session, mips};
use crate::profile::Profile;

/// Exit statuses of the `ember` command.
pub mod exit_status {
    /// The guest halted with exit code 0.
    pub const SUCCESS: u8 = 0;
    /// The guest halted with a non-zero exit code.
    pub const GUEST_EXIT: u8 = 1;
    /// The guest panicked.
    pub const GUEST_PANIC: u8 = 2;
    /// The guest faulted or hit the cycle or journal limit.
    pub const FAULT: u8 = 3;
    /// Bad usage, an unreadable or unwritable file, or an ELF that is not a
    /// valid program.
    pub const BAD_INPUT: u8 = 4;
    /// `ember verify`: the receipt is invalid.
    pub const INVALID_RECEIPT: u8 = 5;
    /// `ember prove`: the run halted or panicked but cannot be proven yet.
    pub const UNPROVABLE: u8 = 6;
}

/// The first line of a run's outcome, e.g. `guest halted with exit code 0`.
pub fn outcome_line(exit: &Exit) -> String {
    match exit {
        Exit::Halted { code } => format!("guest halted with exit code {code}"),
        Exit::Panicked { message } => format!("guest panicked: {message}"),
    }
}

/// The multi-line summary `ember run` prints on stderr.
pub fn session_text(s: &Session) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "ember: {}", outcome_line(&s.exit));
    let _ = writeln!(
        out,
        "  cycles        {} ({} instructions)",
        s.cycles, s.instructions
    );
    let _ = writeln!(
        out,
        "  wall time     {:.3} ms ({:.1} MIPS)",
        s.wall.as_secs_f64() * 1e3,
        s.mips()
    );
    let _ = writeln!(out, "  image ID      {}", s.image_id);
    let _ = writeln!(out, "  input digest  {}", s.input_digest);
    let _ = writeln!(
        out,
        "  journal       {} bytes, digest {}",
        s.journal.bytes.len(),
        s.journal_digest
    );
    let _ = writeln!(out, "  claim digest  {}", s.claim_digest);
    if let Some((output, kind)) = s.output_error {
        let name = match output {
            ember_core::Output::Stdout => "stdout",
            ember_core::Output::Stderr => "stderr",
            ember_core::Output::Journal => "journal",
        };
        let _ = writeln!(out, "  warning: writing the guest's {name} failed: {kind}");
    }
    if let Some(backtrace) = &s.backtrace {
        out += &backtrace_text(backtrace);
    }
    out
}

/// The backtrace section of a summary.
pub fn backtrace_text(b: &Backtrace) -> String {
    format!("  backtrace (innermost first):\n{b}")
}

/// The backtrace as JSON: every frame, innermost first, the panic
/// machinery included (`panic_machinery` says how many of the innermost
/// frames the text folds into one line).
pub fn backtrace_json(b: &Backtrace) -> Value {
    let frames: Vec<Value> = b
        .frames
        .iter()
        .map(|f| {
            json!({
                "pc": f.pc,
                "function": f.location.function,
                "file": f.location.file,
                "line": f.location.line,
                "inlined": f.inlined,
            })
        })
        .collect();
    json!({
        "frames": frames,
        "left_out": b.left_out,
        "left_out_after": b.left_out_after(),
        "not_recorded": b.forgotten,
        "panic_machinery": b.panic_machinery,
    })
}

/// The `n` heaviest functions of a profile by self cycles, then by total
/// cycles (self: in the function itself; total: with what it called).
pub fn profile_top_text(p: &Profile, n: usize) -> String {
    let functions = p.functions();
    let percent = |c: u64| 100.0 * c as f64 / p.cycles.max(1) as f64;
    let mut out = String::new();
    let mut table = |title: &str, rows: &[&crate::FunctionCost]| {
        let _ = writeln!(out, "  {title}");
        let _ = writeln!(out, "          self       %        total       %  function");
        for f in rows {
            let _ = writeln!(
                out,
                "  {:>12} {:>6.2}% {:>12} {:>6.2}%  {}",
                f.self_cycles,
                percent(f.self_cycles),
                f.total_cycles,
                percent(f.total_cycles),
                f.name
            );
        }
    };
    let by_self: Vec<_> = functions.iter().take(n).collect();
    table(
        &format!(
            "profile: the {} heaviest functions by self cycles, of {}",
            by_self.len(),
            p.cycles
        ),
        &by_self,
    );
    let mut by_total: Vec<_> = functions.iter().collect();
    by_total.sort_by(|a, b| {
        b.total_cycles
            .cmp(&a.total_cycles)
            .then_with(|| a.name.cmp(&b.name))
    });
    by_total.truncate(n);
    table(
        &format!(
            "profile: the {} heaviest functions by total cycles",
            by_total.len()
        ),
        &by_total,
    );
    out
}

/// [`profile_top_text`] as JSON: `{"by_self": [...], "by_total": [...]}`.
pub fn profile_top_json(p: &Profile, n: usize) -> Value {
    let functions = p.functions();
    let row = |f: &crate::FunctionCost| json!({"function": f.name, "self_cycles": f.self_cycles, "total_cycles": f.total_cycles});
    let by_self: Vec<Value> = functions.iter().take(n).map(row).collect();
    let mut by_total: Vec<_> = functions.iter().collect();
    by_total.sort_by(|a, b| {
        b.total_cycles
            .cmp(&a.total_cycles)
            .then_with(|| a.name.cmp(&b.name))
    });
    let by_total: Vec<Value> = by_total.into_iter().take(n).map(row).collect();
    json!({"cycles": p.cycles, "by_self": by_self, "by_total": by_total})
}

/// The summary as one JSON object.
pub fn session_json(s: &Session) -> Value {
    let (outcome, code, message) = match &s.exit {
        Exit::Halted { code } => ("halted", Some(*code), None),
        Exit::Panicked { message } => ("panicked", None, Some(message.as_str())),
    };
    json!({
        "outcome": outcome,
        "exit_code": code,
        "panic_message": message,
        "cycles": s.cycles,
        "instructions": s.instructions,
        "wall_seconds": s.wall.as_secs_f64(),
        "mips": s.mips(),
        "image_id": s.image_id.to_hex(),
        "input_digest": s.input_digest.to_hex(),
        "journal_digest": s.journal_digest.to_hex(),
        "journal_bytes": s.journal.bytes.len(),
        "claim_digest": s.claim_digest.to_hex(),
        "touched_kib": s.touched_pages * 4,
        "backtrace": s.backtrace.as_ref().map(backtrace_json),
    })
}

/// The peak resident memory of this process in KiB (Linux's VmHWM), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A fault report for people: the fault, the instruction, where in the
/// source, what was kept; `verbose` adds the registers.
pub fn fault_text(r: &FaultReport, verbose: bool) -> String {
    let f = &r.fault;
    let mut out = String::new();
    let _ = writeln!(out, "error: guest fault: {}", f.kind);
    match f.word {
        Some(word) => {
            let _ = writeln!(
                out,
                "  at pc     {:#010x}  {}  [{word:#010x}]",
                f.pc,
                decode(word).at(f.pc)
            );
        }
        None => {
            let _ = writeln!(out, "  at pc     {:#010x}  (not in code)", f.pc);
        }
    }
    if let Some(location) = &r.location {
        let _ = writeln!(out, "  in        {location}");
    }
    let _ = writeln!(
        out,
        "  after     {} cycles ({} instructions, {:.1} MIPS)",
        r.cycles,
        r.instructions,
        mips(r.instructions, r.wall)
    );
    let _ = writeln!(
        out,
        "  journal   {} bytes committed before the fault",
        r.journal.bytes.len()
    );
    if let Some(hint) = hint(&f.kind) {
        let _ = writeln!(out, "  hint:     {hint}");
    }
    match &r.backtrace {
        Some(backtrace) => out += &backtrace_text(backtrace),
        None if r.cycles > BACKTRACE_RERUN_LIMIT => {
            let _ = writeln!(
                out,
                "  backtrace: not recorded (runs over {BACKTRACE_RERUN_LIMIT} cycles are not re-run \
                 for one; --profile records it as the guest runs)"
            );
        }
        None => {}
    }
    if verbose {
        let _ = writeln!(out, "  registers:");
        for row in 0..8 {
            let _ = write!(out, "   ");
            for col in 0..4 {
                let i = row * 4 + col;
                let _ = write!(
                    out,
                    " {:>4}(x{i:<2})={:#010x}",
                    REG_NAMES[i], r.registers[i]
                );
            }
            out.push('\n');
        }
    }
    out
}

/// What a user might do about a fault, when there is something to say.
pub fn hint(kind: &FaultKind) -> Option<&'static str> {
    Some(match kind {
        FaultKind::AccessViolation {
            region: Region::Guard,
            addr,
            ..
        } if *addr < 0x1000 => "an address this close to 0 is usually a null pointer dereference",
        FaultKind::StackOverflow { .. } => {
            "the stack is 4 MiB (0x00010000..0x00400000): deep recursion or large local arrays used it up; \
             move big data to the heap (Vec, Box)"
        }
        FaultKind::CycleLimitExceeded { .. } => {
            "raise the limit with --cycle-limit N, or look for an endless loop around this pc"
        }
        FaultKind::JournalLimitExceeded { .. } => {
            "raise the limit with --journal-limit N, or commit less (hash large data and commit the digest)"
        }
        FaultKind::Misaligned { .. } => {
            "Ember does not emulate misaligned accesses: read unaligned data with \
             ptr::read_unaligned or u32::from_le_bytes"
        }
        FaultKind::UnknownEcall { .. } => {
            "ECALL numbers are listed in docs/abi.md (ember_abi::ecall); use ember_guest's functions"
        }
        FaultKind::IllegalInstruction | FaultKind::FetchNotExecutable { .. } => {
            "the guest jumped into data or zeroed memory, or was not built for riscv32im \
             (build guests with cargo xtask build)"
        }
        _ => return None,
    })
}

/// What `ember verify` was given, beside the ELF and the receipt: the
/// likely cause of a failed check depends on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerifyGiven {
    /// An `--input` file.
    pub input: bool,
    /// A `--journal` file.
    pub journal: bool,
}

/// The likely cause of a failed receipt check, and what to do, in `ember
/// verify`'s terms; `None` when the message says all there is.
pub fn verify_hint(e: &ReceiptError, given: VerifyGiven) -> Option<&'static str> {
    Some(match e {
        ReceiptError::MissingInput { .. } if given.input => {
            "the --input file is empty, and the run had input: pass the file the run read"
        }
        ReceiptError::MissingInput { .. } => {
            "the run probably had input: pass it with --input FILE"
        }
        ReceiptError::InputDigest { .. } => {
            "the --input file is another input than the run's: pass the file the run read"
        }
        ReceiptError::ImageId { .. } => {
            "the receipt was made for another program (ELF): verify it with the ELF that was \
             proven (`ember info ELF` shows an ELF's image ID)"
        }
        ReceiptError::KeyImageId { .. } => {
            "the receipt was made for another program: verify it with the key of the ELF that \
             was proven (`ember key ELF` makes it)"
        }
        ReceiptError::JournalDigest { .. } if given.journal => {
            "the --journal file differs from the journal the receipt commits to"
        }
        ReceiptError::JournalDigest { .. } | ReceiptError::JournalMismatch { .. } => {
            "the journal carried in the receipt is not the one its claim commits to: the \
             receipt was altered"
        }
        _ => return None,
    })
}

/// The fault report as one JSON object.
pub fn fault_json(r: &FaultReport) -> Value {
    let f = &r.fault;
    json!({
        "outcome": "fault",
        "fault": f.kind.to_string(),
        "pc": f.pc,
        "instruction": f.word.map(|w| decode(w).at(f.pc).to_string()),
        "function": r.location.as_ref().and_then(|l| l.function.clone()),
        "file": r.location.as_ref().and_then(|l| l.file.clone()),
        "line": r.location.as_ref().and_then(|l| l.line),
        "cycles": r.cycles,
        "instructions": r.instructions,
        "journal_bytes": r.journal.bytes.len(),
        "hint": hint(&f.kind),
        "backtrace": r.backtrace.as_ref().map(backtrace_json),
    })
}
