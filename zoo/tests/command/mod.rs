//! The `section9` binary as the integration tests run it.

use std::process::{Command, Output};

/// Runs `section9` with `args` to the end.
pub fn section9(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(args)
        .output()
        .unwrap()
}

/// Everything a run printed, for failure messages and searches.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
