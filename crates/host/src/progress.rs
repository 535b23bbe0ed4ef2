//! The live progress line of long runs on a terminal (`indicatif`).
//!
//! Nothing is drawn until the work has taken [`ProgressLine::DELAY`], so
//! short runs print exactly what they would without it; the line is cleared
//! when the work ends. Text written through [`ProgressLine::sink`] (the
//! guest's output) clears the line first and redraws it after.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::executor::Progress;

/// One live line on stderr.
#[derive(Clone)]
pub struct ProgressLine {
    bar: ProgressBar,
    shown: bool,
}

impl ProgressLine {
    /// How long work runs before the line appears.
    pub const DELAY: Duration = Duration::from_secs(1);

    /// A line on stderr if stderr is a terminal, else `None`.
    pub fn stderr() -> Option<ProgressLine> {
        io::stderr().is_terminal().then(|| ProgressLine {
            bar: ProgressBar::hidden().with_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
            shown: false,
        })
    }

    /// Shows `message` (once the work has run for [`Self::DELAY`]).
    pub fn set(&mut self, elapsed: Duration, message: String) {
        if !self.shown {
            if elapsed < Self::DELAY {
                return;
            }
            self.bar
                .set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
            self.shown = true;
        }
        self.bar.set_message(message);
    }

    /// Shows a run's progress: cycles, MIPS, guest memory, elapsed time.
    pub fn run(&mut self, p: &Progress) {
        self.set(p.elapsed, run_message(p));
    }

    /// `out`, clearing the line around every write.
    pub fn sink<W: Write>(&self, out: W) -> impl Write + use<W> {
        Suspending {
            bar: self.bar.clone(),
            out,
        }
    }

    /// Clears the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The progress line of a run, e.g.
/// `running: 1234567890 cycles, 612.3 MIPS, 12.5 MiB touched, 2.0 s`.
pub fn run_message(p: &Progress) -> String {
    format!(
        "running: {} cycles, {:.1} MIPS, {:.1} MiB touched, {:.1} s",
        p.cycles,
        p.mips(),
        p.touched_pages as f64 * 4.0 / 1024.0,
        p.elapsed.as_secs_f64()
    )
}

struct Suspending<W> {
    bar: ProgressBar,
    out: W,
}

impl<W: Write> Write for Suspending<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bar.suspend(|| self.out.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.bar.suspend(|| self.out.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
