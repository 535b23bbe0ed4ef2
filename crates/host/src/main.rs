//! `ember`: run RV32IM guest programs and report what they committed;
//! prove runs and verify receipts (`prove` and `verify`, in `cli_prove.rs`).
//!
//! Exit statuses: 0 the guest halted with code 0; 1 it halted with another
//! code; 2 it panicked; 3 it faulted or hit the cycle or journal limit; 4 bad
//! usage, an unreadable or unwritable file, or an invalid ELF. `run` creates
//! its `--journal` file before the guest runs; if writing it fails after the
//! run, the summary is printed all the same, then the error, with status 4.
//! `verify`: 5 the receipt is invalid. `prove`: 6 the run cannot be proven yet.

mod cli_prove;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ember_host::progress::ProgressLine;
use ember_host::report::{self, exit_status};
use ember_host::{Error, Executor, Exit, Profile, Program, TraceWindow};

#[derive(Parser)]
#[command(
    name = "ember",
    version,
    about = "Run RV32IM guest programs and report what they committed; prove runs, verify receipts",
    after_help = "Exit status: 0 guest halted with 0; 1 guest halted with another code; \
                  2 guest panicked; 3 fault, cycle or journal limit; 4 bad usage, file or ELF \
                  (also when the --journal file cannot be written after the run: the summary \
                  is printed first). `verify`: 5 invalid receipt. `prove`: 6 a run that cannot be \
                  proven yet."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest: stream its stdout/stderr, then summarise on stderr.
    Run {
        /// The guest ELF file.
        elf: PathBuf,
        /// File whose bytes are the guest's input.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Most cycles the guest may use (default 2^32); `_` separators allowed.
        #[arg(long, value_name = "N", value_parser = parse_count)]
        cycle_limit: Option<u64>,
        /// Most journal bytes the guest may commit (default 64 MiB); `_`
        /// separators allowed.
        #[arg(long, value_name = "N", value_parser = parse_count)]
        journal_limit: Option<u64>,
        /// Write the journal's bytes here (also when the guest faults). The
        /// file is created before the guest runs.
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        /// Print the summary as one JSON object on stdout (the guest's
        /// stdout then goes to stderr).
        #[arg(long)]
        json: bool,
        /// On a fault, also dump the registers.
        #[arg(long, short)]
        verbose: bool,
        #[command(flatten)]
        seeing: Seeing,
    },
    /// Run a guest and prove the run: write a receipt.
    #[command(long_about = cli_prove::PROVE_ABOUT)]
    Prove(cli_prove::ProveArgs),
    /// Make a program's verifying key, for `ember verify`.
    #[command(long_about = cli_prove::KEY_ABOUT)]
    Key(cli_prove::KeyArgs),
    /// Check a receipt against the ELF (or its key), the input and the journal.
    #[command(long_about = cli_prove::VERIFY_ABOUT)]
    Verify(cli_prove::VerifyArgs),
    /// Show an ELF's entry, segments and image ID.
    Info {
        /// The guest ELF file.
        elf: PathBuf,
    },
    /// Disassemble an ELF's code, with symbols.
    Disasm {
        /// The guest ELF file.
        elf: PathBuf,
        /// Only this function (its demangled name, or a unique part of it).
        #[arg(long)]
        symbol: Option<String>,
    },
}

/// `ember run`'s profiling and tracing options.
#[derive(clap::Args)]
struct Seeing {
    /// Profile the run's cycles by call stack: a flamegraph SVG if FILE ends
    /// in `.svg`, collapsed stacks (`outer;inner cycles`) otherwise.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Profile, and list the N heaviest functions by self and total cycles
    /// in the summary.
    #[arg(long, value_name = "N")]
    profile_top: Option<usize>,
    /// Write one line per executed instruction to FILE: cycle, pc,
    /// instruction, the register written, the memory accessed.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Trace from the first instruction at or after this cycle.
    #[arg(long, value_name = "CYCLE", value_parser = parse_count, requires = "trace")]
    trace_from: Option<u64>,
    /// Trace at most N instructions.
    #[arg(long, value_name = "N", value_parser = parse_count, requires = "trace")]
    trace_count: Option<u64>,
}

fn parse_count(s: &str) -> Result<u64, String> {
    s.replace('_', "")
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))
}

/// A failure before or around the run: printed as one line, exit status 4.
struct BadInput(String);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit_status::BAD_INPUT
            } else {
                exit_status::SUCCESS
            });
        }
    };
    let result = match cli.command {
        Command::Run {
            elf,
            input,
            cycle_limit,
            journal_limit,
            journal,
            json,
            verbose,
            seeing,
        } => run(
            &elf,
            input.as_deref(),
            Limits {
                cycles: cycle_limit,
                journal: journal_limit,
            },
            journal.as_deref(),
            json,
            verbose,
            &seeing,
        ),
        Command::Prove(args) => cli_prove::prove(&args),
        Command::Key(args) => cli_prove::key(&args),
        Command::Verify(args) => cli_prove::verify(&args),
        Command::Info { elf } => info(&elf),
        Command::Disasm { elf, symbol } => disasm(&elf, symbol.as_deref()),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(BadInput(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(exit_status::BAD_INPUT)
        }
    }
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, BadInput> {
    std::fs::read(path).map_err(|e| BadInput(format!("cannot read {what} {}: {e}", path.display())))
}

fn load(path: &Path) -> Result<Program, BadInput> {
    let bytes = read(path, "ELF file")?;
    Program::load(&bytes).map_err(|e| {
        BadInput(format!(
            "{} is not a valid Ember program: {e}",
            path.display()
        ))
    })
}

/// The `--journal` file, created before the run so that a bad path is found
/// before the guest runs rather than after.
struct JournalFile<'p> {
    path: &'p Path,
    file: File,
}

impl<'p> JournalFile<'p> {
    fn create(path: &'p Path) -> Result<Self, BadInput> {
        let file = File::create(path).map_err(|e| {
            BadInput(format!(
                "cannot write the journal to {}: {e}",
                path.display()
            ))
        })?;
        Ok(JournalFile { path, file })
    }

    /// Writes the journal; on failure, says what was not saved (the summary
    /// is already out).
    fn save(mut self, bytes: &[u8]) -> Result<(), BadInput> {
        self.file.write_all(bytes).map_err(|e| {
            BadInput(format!(
                "the journal ({} bytes) was not saved: cannot write {}: {e}",
                bytes.len(),
                self.path.display()
            ))
        })
    }
}

/// The limits `run` was given, `None` for the defaults.
struct Limits {
    cycles: Option<u64>,
    journal: Option<u64>,
}

#[allow(clippy::too_many_arguments)]
fn run(
    elf: &Path,
    input: Option<&Path>,
    limits: Limits,
    journal: Option<&Path>,
    json: bool,
    verbose: bool,
    seeing: &Seeing,
) -> Result<u8, BadInput> {
    let started = std::time::Instant::now();
    let program = load(elf)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let input = match input {
        Some(path) => read(path, "input file")?,
        None => Vec::new(),
    };
    let journal = journal.map(JournalFile::create).transpose()?;
    let profile_file = seeing.profile.as_deref().map(create).transpose()?;
    let trace_file = seeing.trace.as_deref().map(create).transpose()?;
    let mut executor = Executor::new(&program).write_bytes(&input);
    // The live line: on a terminal, for runs over a second, never with --json.
    let progress = ProgressLine::stderr().filter(|_| !json);
    if json {
        executor = executor.stdout(std::io::stderr());
    } else if let Some(line) = &progress {
        executor = executor
            .stdout(line.sink(std::io::stdout()))
            .stderr(line.sink(std::io::stderr()));
    }
    if let Some(line) = &progress {
        let mut line = line.clone();
        executor = executor.progress(move |p| line.run(p));
    }
    executor = executor.profile(profile_file.is_some() || seeing.profile_top.is_some());
    if let Some((_, file)) = &trace_file {
        let window = TraceWindow {
            from: seeing.trace_from.unwrap_or(0),
            count: seeing.trace_count.unwrap_or(u64::MAX),
        };
        executor = executor.trace(file, window);
    }
    if let Some(limit) = limits.cycles {
        executor = executor.cycle_limit(limit);
    }
    if let Some(limit) = limits.journal {
        executor = executor.journal_limit(limit);
    }
    let mut result = executor.run();
    if let Some(line) = &progress {
        line.finish();
    }
    let (profile, trace_error) = match &mut result {
        Ok(s) => (s.profile.take(), s.trace_error),
        Err(Error::Fault(r)) => (r.profile.take(), r.trace_error),
        Err(_) => (None, None),
    };
    let top = profile.as_ref().zip(seeing.profile_top);
    let (status, journal_bytes) = match result {
        Ok(session) => {
            if json {
                let mut summary = report::session_json(&session);
                summary["load_seconds"] = load_seconds.into();
                summary["peak_rss_kib"] = report::peak_rss_kib().into();
                if let Some((profile, n)) = top {
                    summary["profile_top"] = report::profile_top_json(profile, n);
                }
                println!("{summary}");
            } else {
                eprint!("{}", report::session_text(&session));
                if let Some((profile, n)) = top {
                    eprint!("{}", report::profile_top_text(profile, n));
                }
            }
            let status = match session.exit {
                Exit::Halted { code: 0 } => exit_status::SUCCESS,
                Exit::Halted { .. } => exit_status::GUEST_EXIT,
                Exit::Panicked { .. } => exit_status::GUEST_PANIC,
            };
            (status, session.journal.bytes)
        }
        Err(Error::Fault(r)) => {
            if json {
                let mut summary = report::fault_json(&r);
                if let Some((profile, n)) = top {
                    summary["profile_top"] = report::profile_top_json(profile, n);
                }
                println!("{summary}");
            } else {
                eprint!("{}", report::fault_text(&r, verbose));
                if let Some((profile, n)) = top {
                    eprint!("{}", report::profile_top_text(profile, n));
                }
            }
            (exit_status::FAULT, r.journal.bytes)
        }
        Err(other) => return Err(BadInput(other.to_string())),
    };
    if let Some(file) = journal {
        file.save(&journal_bytes)?;
    }
    if let (Some((path, file)), Some(profile)) = (profile_file, &profile) {
        let name = elf.file_name().unwrap_or_default().to_string_lossy();
        save_profile(path, file, profile, &name)?;
    }
    if let (Some((path, _)), Some(kind)) = (trace_file, trace_error) {
        return Err(BadInput(format!(
            "the trace was cut short: cannot write {}: {}",
            path.display(),
            std::io::Error::from(kind)
        )));
    }
    Ok(status)
}

/// Creates an output file before the run, so that a bad path is found
/// before the guest runs rather than after.
fn create(path: &Path) -> Result<(&Path, File), BadInput> {
    File::create(path)
        .map(|file| (path, file))
        .map_err(|e| BadInput(format!("cannot write {}: {e}", path.display())))
}

/// Writes the profile: a flamegraph if the file name ends in `.svg`,
/// collapsed stacks otherwise.
fn save_profile(path: &Path, file: File, profile: &Profile, name: &str) -> Result<(), BadInput> {
    let mut out = std::io::BufWriter::new(file);
    let written = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
    {
        let title = format!("{name}: {} cycles", profile.cycles);
        profile.write_flamegraph(&title, &mut out)
    } else {
        out.write_all(profile.folded().as_bytes())
    };
    written.and_then(|()| out.flush()).map_err(|e| {
        BadInput(format!(
            "the profile was not saved: cannot write {}: {e}",
            path.display()
        ))
    })
}

fn info(elf: &Path) -> Result<u8, BadInput> {
    let program = load(elf)?;
    let core = program.core();
    let mut out = String::new();
    out += &format!("entry     {:#010x}\n", core.entry());
    out += &format!("image ID  {}\n", program.image_id());
    out += &format!("heap      {:#010x}..0xc0000000\n", core.image_end());
    out += &format!("symbols   {}\n", program.symbols().len());
    out += "segments  address     memsz       filesz      flags\n";
    for s in core.segments() {
        let flags = match (s.writable, s.executable) {
            (_, true) => "r-x",
            (true, false) => "rw-",
            (false, false) => "r--",
        };
        out += &format!(
            "          {:#010x}  {:#010x}  {:#010x}  {flags}\n",
            s.vaddr,
            s.memsz,
            s.data.len()
        );
    }
    print(&out);
    Ok(exit_status::SUCCESS)
}

fn disasm(elf: &Path, symbol: Option<&str>) -> Result<u8, BadInput> {
    let program = load(elf)?;
    let symbols = program.symbols();
    // In u64: a hostile symbol table may put `addr + size` past 2^32.
    let range = match symbol {
        None => 0..1 << 32,
        Some(name) => {
            let matches: Vec<_> = symbols
                .iter()
                .filter(|s| s.name == name || s.name.contains(name))
                .collect();
            let exact = matches.iter().find(|s| s.name == name);
            match (exact, matches.as_slice()) {
                (Some(s), _) | (None, [s]) => {
                    let start = u64::from(s.addr);
                    start..start + u64::from(s.size.max(4))
                }
                (None, []) => return Err(BadInput(format!("no function symbol matches `{name}`"))),
                (None, many) => {
                    let names: Vec<_> = many.iter().take(5).map(|s| s.name.as_str()).collect();
                    return Err(BadInput(format!(
                        "`{name}` matches {} functions, e.g. {}",
                        many.len(),
                        names.join(", ")
                    )));
                }
            }
        }
    };
    let mut out = String::new();
    for code in program.core().code() {
        // The instructions of this segment inside the range, by index.
        let start = u64::from(code.start);
        let index = |addr: u64| {
            (addr.clamp(start, start + 4 * code.instructions.len() as u64) - start).div_ceil(4)
                as usize
        };
        let (first, end) = (index(range.start), index(range.end));
        for (i, insn) in code.instructions[first..end].iter().enumerate() {
            let pc = code.start + 4 * (first + i) as u32;
            // Symbols are sorted by address, one per address.
            if let Ok(s) = symbols.binary_search_by_key(&pc, |s| s.addr) {
                out += &format!("\n{pc:08x} <{}>:\n", symbols[s].name);
            }
            let word = program.core().initial_word(pc);
            out += &format!("{pc:8x}:\t{word:08x}\t{}\n", insn.at(pc));
        }
    }
    if out.is_empty()
        && let Some(name) = symbol
    {
        return Err(BadInput(format!(
            "`{name}` ({:#010x}, {} bytes) holds no code",
            range.start,
            range.end - range.start
        )));
    }
    print(&out);
    Ok(exit_status::SUCCESS)
}

/// Prints to stdout, ignoring a closed pipe (`ember disasm x | head`).
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
