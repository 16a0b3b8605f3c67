//! How a command reports to whoever started it: a spinner for each step a
//! person waits for and a text summary, or nothing but errors (`--quiet`),
//! or one JSON document on stdout for scripts (`--json`).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Who reads the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ui {
    /// A person: spinners on stderr, a summary on stdout.
    Human,
    /// Errors only (and the exit status).
    Quiet,
    /// One JSON document on stdout, no spinners.
    Json,
}

impl Ui {
    pub fn new(quiet: bool, json: bool) -> Ui {
        match (json, quiet) {
            (true, _) => Ui::Json,
            (false, true) => Ui::Quiet,
            (false, false) => Ui::Human,
        }
    }

    /// Runs `f` under a spinner that names the step and shows the elapsed
    /// time; returns how long it took.
    pub fn step<T>(self, what: &str, f: impl FnOnce() -> T) -> (T, Duration) {
        let bar = match self {
            // indicatif draws nothing when stderr is not a terminal.
            Ui::Human => ProgressBar::new_spinner(),
            Ui::Quiet | Ui::Json => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
        };
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a fixed template"));
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        let t = Instant::now();
        let out = f();
        let took = t.elapsed();
        bar.finish_and_clear();
        tracing::info!(step = what, ?took);
        (out, took)
    }

    /// A progress bar for a person (drawn only on a terminal), hidden
    /// otherwise.
    pub fn bar(self) -> ProgressBar {
        match self {
            Ui::Human => ProgressBar::new(0),
            Ui::Quiet | Ui::Json => ProgressBar::hidden(),
        }
    }

    /// The text summary's lines, for a person only.
    pub fn say(self, line: impl std::fmt::Display) {
        if self == Ui::Human {
            println!("{line}");
        }
    }

    /// One compact JSON line for a script, with `--json` only: what a
    /// command that keeps running says as it goes.
    pub fn line<T: Serialize>(self, value: &T) {
        if self == Ui::Json {
            println!("{}", serde_json::to_string(value).expect("a plain value"));
        }
    }

    /// The summary for a script, with `--json` only.
    pub fn json<T: Serialize>(self, summary: &T) {
        if self == Ui::Json {
            // Plain data structures: serde_json cannot fail on them.
            println!("{}", serde_json::to_string_pretty(summary).expect("a plain summary"));
        }
    }
}

/// Which part of a proved run a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Synthesizing the circuit: the witness and its constraints.
    Witness,
    /// Reading the keys (cached, or a `.zkey`).
    Keys,
    /// The Groth16 setup of a circuit seen for the first time.
    Setup,
    Prove,
    Verify,
}

/// Whoever watches the steps of a proved run: a person at a terminal
/// ([`Ui`]) or a web page reading a stream of events.
pub trait Progress: Copy {
    /// Runs `f`, the step `what` of `phase`; returns how long it took.
    fn phase<T>(self, phase: Phase, what: &str, f: impl FnOnce() -> T) -> (T, Duration);
}

impl Progress for Ui {
    fn phase<T>(self, _: Phase, what: &str, f: impl FnOnce() -> T) -> (T, Duration) {
        self.step(what, f)
    }
}

/// A duration in seconds, as JSON summaries give times.
pub fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e6
}
