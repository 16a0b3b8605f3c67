//! `section9`: run, prove and verify integer neural networks.
//!
//! Exit status: 0 on success, 1 when a proof does not verify, 2 for any
//! error (bad arguments, malformed files, inputs outside their bounds).

mod commands;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "section9",
    version,
    about = "Zero-knowledge proofs of integer neural-network inference"
)]
#[command(after_help = "Exit status: 0 success, 1 a proof does not verify, 2 error.\n\
    Models: a built-in name (see `section9 info --list`) or a model file (.json).")]
struct Cli {
    /// Log progress details (repeat for more); `RUST_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Print nothing but errors: no progress, no summary.
    #[arg(short, long, global = true, conflicts_with = "json")]
    quiet: bool,
    /// Print one JSON summary on stdout (files written, values, times)
    /// instead of text, and no progress.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Demo(commands::demo::Args),
    /// Write a Solidity verifier for a verification key, and a minting contract.
    #[command(name = "export-solidity")]
    ExportSolidity(commands::evm::ExportArgs),
    /// Print the call arguments of verifyProof / mint for a proof.
    Calldata(commands::evm::CalldataArgs),
    /// Write a run's circuit.r1cs, witness.wtns and circuit.sym (circom's formats).
    #[command(name = "export-r1cs")]
    ExportR1cs(commands::export::Args),
    /// Import a float ONNX model: quantize it and write a section9 model.
    Import(commands::import::Args),
    Info(commands::info::Args),
    /// Prove a model in pieces one step at a time (for a cluster driver).
    #[command(subcommand)]
    Pieces(commands::pieces::Args),
    Run(commands::run::Args),
    Prove(commands::prove::Args),
    Serve(commands::serve::Args),
    Verify(commands::verify::Args),
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// A closed stdout (`section9 info m | head -1`) ends the program quietly,
/// as it does other Unix tools, instead of making `println!` panic: Rust
/// ignores SIGPIPE unless told otherwise.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first in main, before any other thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let ui = commands::ui::Ui::new(cli.quiet, cli.json);
    let result = match cli.command {
        Command::Demo(a) => commands::demo::run(a, ui),
        Command::ExportSolidity(a) => commands::evm::export(a, ui),
        Command::Calldata(a) => commands::evm::calldata(a),
        Command::ExportR1cs(a) => commands::export::run(a, ui),
        Command::Import(a) => commands::import::run(a, ui),
        Command::Info(a) => commands::info::run(a, ui),
        Command::Run(a) => commands::run::run(a),
        Command::Prove(a) => commands::prove::run(a, ui),
        Command::Serve(a) => commands::serve::run(a, ui),
        Command::Pieces(a) => commands::pieces::run(a, ui),
        Command::Verify(a) => commands::verify::run(a, ui),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
