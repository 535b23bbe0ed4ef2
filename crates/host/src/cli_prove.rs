//! `ember prove`, `ember key` and `ember verify`: a run's receipt, written
//! and checked (against the ELF or the program's verifying key).

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ember_host::progress::ProgressLine;
use ember_host::report::{self, exit_status};
use ember_host::{
    Error, Executor, Params, Receipt, ReceiptError, VerifyingKey, verify_receipt,
    verify_receipt_with_key,
};

use crate::{BadInput, load, read};

/// `ember prove`'s arguments.
#[derive(clap::Args)]
pub struct ProveArgs {
    /// The guest ELF file.
    elf: PathBuf,
    /// File whose bytes are the guest's input.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Where to write the receipt (default: the ELF's path with the
    /// extension `.receipt`). Created before the guest runs; removed if
    /// there is no receipt to write.
    #[arg(short, long, value_name = "RECEIPT")]
    output: Option<PathBuf>,
    /// The parameter set: `fast` (the default: blowup 2, 92 queries),
    /// `small` (blowup 4, 44 queries: a proof about half as large and as
    /// long to verify, proving about 1.6 times as long) or `proven` (blowup
    /// 4, 110 queries, more proof of work: at least 100 bits of proven
    /// soundness, where the others have 100 conjectured). Also
    /// `--security SET`.
    #[arg(long, visible_alias = "security", value_name = "SET", default_value = "fast",
          value_parser = parse_params)]
    params: Params,
    /// Prove the run in segments of at most 2^K cycles, one proof each (10
    /// to 22; a larger segment takes more memory to prove).
    #[arg(long, value_name = "K", default_value_t = 20,
          value_parser = clap::value_parser!(u8).range(10..=22))]
    segment_po2: u8,
    /// Prove up to N segments at once, each on its own thread, while the
    /// run goes on (default 1); each holds a segment's trace, so memory
    /// grows with N.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=64))]
    jobs: u8,
}

fn parse_params(name: &str) -> Result<Params, String> {
    Params::from_name(name).ok_or_else(|| {
        let names: Vec<String> = Params::ALL
            .iter()
            .map(|p| format!("`{}`", p.name()))
            .collect();
        let (last, rest) = names.split_last().expect("a set");
        format!("no parameter set `{name}`: {} or {last}", rest.join(", "))
    })
}

/// `ember key`'s arguments.
#[derive(clap::Args)]
pub struct KeyArgs {
    /// The guest ELF file.
    elf: PathBuf,
    /// Where to write the key (default: the ELF's path with the extension
    /// `.vkey`).
    #[arg(short, long, value_name = "KEY")]
    output: Option<PathBuf>,
}

/// `ember key --help`'s explanation.
pub const KEY_ABOUT: &str = "\
Make a program's verifying key: what `ember verify` needs of the ELF (its image ID and the \
commitment to its program and image tables), computed once. `ember verify KEY RECEIPT` then \
checks receipts of that program without rebuilding and recommitting its tables.

A key stands for the ELF it was made from: make it yourself from the ELF you trust, never accept \
one from the prover.

Exit status: 0 the key was written; 6 the program cannot be proven (so has no key); 4 bad usage, \
an unreadable file, an invalid ELF or an unwritable key file.";

/// `ember verify`'s arguments.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The guest ELF file the receipt claims to be about, or its verifying
    /// key (from `ember key`).
    #[arg(value_name = "ELF|KEY")]
    elf: PathBuf,
    /// The receipt (from `ember prove`).
    receipt: PathBuf,
    /// The run's input file (omit it if the run had no input).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// The journal to check, if you hold one: the receipt must attest
    /// exactly these bytes. Without it, the journal the receipt carries is
    /// checked.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Once the receipt is valid, write the journal it attests here.
    #[arg(long, value_name = "FILE")]
    journal_out: Option<PathBuf>,
}

/// `ember verify --help`'s explanation.
pub const VERIFY_ABOUT: &str = "\
Check a receipt: that it proves a run of ELF on the input that committed the journal.

The journal checked is the --journal file if you give one (the receipt must attest exactly \
those bytes), else the journal carried in the receipt; the proof binds it to the claim, so once \
the receipt is valid that journal is the guest's output (--journal-out saves it).

In Ember v1 the verifier sees the input: pass the run's --input file. Proofs are not \
zero-knowledge.

Exit status: 0 the receipt is valid; 5 it is not (it does not decode, a digest does not match, \
or the proof does not verify: the message says which check failed); 4 bad usage, an unreadable \
file or an invalid ELF.";

/// `ember prove --help`'s explanation.
pub const PROVE_ABOUT: &str = "\
Run a guest, then prove the run: writes a receipt (the claim, the journal and the proof).

Exit status: 0 the receipt was written (whatever the guest's exit code: it is in the claim); \
3 the guest faulted or hit a limit, so there is no claim to prove; 6 the run cannot be proven \
yet (an instruction or ECALL the proof does not cover, a panic, too many cycles); 4 bad usage or \
an unreadable or unwritable file.";

pub fn prove(args: &ProveArgs) -> Result<u8, BadInput> {
    let program = load(&args.elf)?;
    let input = match &args.input {
        Some(path) => read(path, "input file")?,
        None => Vec::new(),
    };
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| args.elf.with_extension("receipt"));
    let mut file = File::create(&path).map_err(|e| {
        BadInput(format!(
            "cannot write the receipt to {}: {e}",
            path.display()
        ))
    })?;
    let remove = || {
        let _ = std::fs::remove_file(&path);
    };
    let mut executor = Executor::new(&program)
        .write_bytes(&input)
        .params(args.params)
        .segment_po2(usize::from(args.segment_po2))
        .jobs(usize::from(args.jobs));
    let progress = ProgressLine::stderr();
    // Segments proven so far, for the progress line.
    let proven_segments = AtomicUsize::new(0);
    if let Some(line) = &progress {
        executor = executor
            .stdout(line.sink(std::io::stdout()))
            .stderr(line.sink(std::io::stderr()))
            .on_segment(|_| {
                proven_segments.fetch_add(1, Ordering::Relaxed);
            });
    }
    let result = with_ticker(progress.as_ref(), &proven_segments, || executor.prove());
    let proven = match result {
        Ok(proven) => proven,
        Err(Error::Fault(r)) => {
            remove();
            eprint!("{}", report::fault_text(&r, false));
            eprintln!("ember: a run that faults has no claim: there is nothing to prove");
            return Ok(exit_status::FAULT);
        }
        Err(Error::Prove(e)) => {
            remove();
            eprintln!("error: {e}");
            return Ok(exit_status::UNPROVABLE);
        }
        Err(other) => {
            remove();
            return Err(BadInput(other.to_string()));
        }
    };
    let bytes = proven.receipt.to_bytes();
    if let Err(e) = file.write_all(&bytes).and_then(|()| file.flush()) {
        remove();
        return Err(BadInput(format!(
            "the receipt was not saved: cannot write {}: {e}",
            path.display()
        )));
    }
    let mut out = report::session_text(&proven.session);
    let _ = writeln!(
        out,
        "  proving time  {:.3} s ({:.1} kHz)",
        proven.prove_time.as_secs_f64(),
        proven.khz()
    );
    let _ = writeln!(
        out,
        "  segments      {} (of at most 2^{} cycles, a proof each)",
        proven.receipt.proofs.len(),
        args.segment_po2
    );
    let _ = writeln!(out, "  parameters    {}", args.params.name());
    let _ = writeln!(
        out,
        "  receipt       {} ({} bytes, {:.1} KiB)",
        path.display(),
        bytes.len(),
        bytes.len() as f64 / 1024.0
    );
    eprint!("{out}");
    Ok(exit_status::SUCCESS)
}

/// Runs `work`, showing the elapsed time and the segments proven so far
/// on the progress line (if any) while it lasts longer than
/// [`ProgressLine::DELAY`].
fn with_ticker<T>(
    progress: Option<&ProgressLine>,
    segments: &AtomicUsize,
    work: impl FnOnce() -> T,
) -> T {
    let Some(line) = progress else {
        return work();
    };
    let done = AtomicBool::new(false);
    let started = Instant::now();
    let result = std::thread::scope(|s| {
        let mut line = line.clone();
        let done = &done;
        s.spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let elapsed = started.elapsed();
                let proven = match segments.load(Ordering::Relaxed) {
                    0 => String::new(),
                    1 => ", 1 segment proven".to_string(),
                    n => format!(", {n} segments proven"),
                };
                line.set(
                    elapsed,
                    format!(
                        "running and proving: {:.1} s{proven}",
                        elapsed.as_secs_f64()
                    ),
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let result = work();
        done.store(true, Ordering::Relaxed);
        result
    });
    line.finish();
    result
}

pub fn key(args: &KeyArgs) -> Result<u8, BadInput> {
    let program = load(&args.elf)?;
    let key = match program.verifying_key() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit_status::UNPROVABLE);
        }
    };
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| args.elf.with_extension("vkey"));
    let bytes = key.to_bytes();
    std::fs::write(&path, &bytes).map_err(|e| {
        BadInput(format!(
            "the key was not saved: cannot write {}: {e}",
            path.display()
        ))
    })?;
    eprintln!(
        "ember: verifying key written: {} ({} bytes)\n  image ID      {}",
        path.display(),
        bytes.len(),
        key.image_id()
    );
    Ok(exit_status::SUCCESS)
}

/// What `ember verify` checks against: the ELF, or the program's key.
enum Program {
    Elf(Vec<u8>),
    Key(VerifyingKey),
}

impl Program {
    /// The file at `path`: a key if it starts as one, else an ELF.
    fn read(path: &Path) -> Result<Program, BadInput> {
        let bytes = read(path, "ELF or key file")?;
        if !bytes.starts_with(VerifyingKey::MAGIC) {
            return Ok(Program::Elf(bytes));
        }
        VerifyingKey::from_bytes(&bytes)
            .map(Program::Key)
            .map_err(|e| BadInput(format!("{} is not a valid key: {e}", path.display())))
    }

    fn verify(&self, input: &[u8], journal: &[u8], r: &Receipt) -> Result<(), ReceiptError> {
        match self {
            Program::Elf(elf) => verify_receipt(elf, input, journal, r),
            Program::Key(key) => verify_receipt_with_key(key, input, journal, r),
        }
    }
}

pub fn verify(args: &VerifyArgs) -> Result<u8, BadInput> {
    let program = Program::read(&args.elf)?;
    let bytes = read(&args.receipt, "receipt")?;
    let input = match &args.input {
        Some(path) => read(path, "input file")?,
        None => Vec::new(),
    };
    let held = args
        .journal
        .as_deref()
        .map(|path| read(path, "journal file"))
        .transpose()?;
    let given = report::VerifyGiven {
        input: args.input.is_some(),
        journal: args.journal.is_some(),
    };
    let invalid = |e: ReceiptError| {
        eprintln!("ember: invalid receipt: {e}");
        if let Some(hint) = report::verify_hint(&e, given) {
            eprintln!("  hint: {hint}");
        }
        Ok(exit_status::INVALID_RECEIPT)
    };
    let receipt = match Receipt::from_bytes(&bytes) {
        Ok(receipt) => receipt,
        Err(e) => return invalid(e),
    };
    let journal = held.as_deref().unwrap_or(&receipt.journal);
    match program.verify(&input, journal, &receipt) {
        Ok(()) => {}
        Err(ReceiptError::Load(e)) => {
            return Err(BadInput(format!(
                "{} is not a valid Ember program: {e}",
                args.elf.display()
            )));
        }
        Err(e) => return invalid(e),
    }
    let claim = &receipt.claim;
    let outcome = match claim.status {
        0 => format!("guest halted with exit code {}", claim.exit_code),
        _ => "guest panicked".to_string(),
    };
    let mut out = format!("ember: receipt valid: {outcome}\n");
    let _ = writeln!(out, "  cycles        {}", claim.cycles);
    let _ = writeln!(out, "  image ID      {}", claim.image_id);
    let _ = writeln!(out, "  input digest  {}", claim.input_digest);
    let _ = writeln!(
        out,
        "  journal       {} bytes, digest {}",
        journal.len(),
        claim.journal_digest
    );
    let _ = writeln!(out, "  claim digest  {}", receipt.claim_digest);
    // Each segment's proof names its parameter set (a receipt from
    // `ember prove` has one set throughout).
    let mut sets: Vec<&str> = receipt.proofs.iter().map(|p| p.params.name()).collect();
    sets.dedup();
    let _ = writeln!(
        out,
        "  proofs        {} segment{}, parameter set {}",
        receipt.proofs.len(),
        if receipt.proofs.len() == 1 { "" } else { "s" },
        sets.join(", ")
    );
    eprint!("{out}");
    if let Some(path) = &args.journal_out {
        save(path, journal)?;
    }
    Ok(exit_status::SUCCESS)
}

fn save(path: &Path, journal: &[u8]) -> Result<(), BadInput> {
    std::fs::write(path, journal).map_err(|e| {
        BadInput(format!(
            "the journal ({} bytes) was not saved: cannot write {}: {e}",
            journal.len(),
            path.display()
        ))
    })
}
