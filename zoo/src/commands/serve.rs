//! `section9 serve`: the web page, where a generator draws as its latent
//! moves and a drawing is proved on this machine.

use super::prove::KeyArgs;
use super::ui::Ui;
use super::{CliError, CliResult};
use crate::serve::{router, AppState, Generators, Proofs};
use std::net::Ipv4Addr;
use std::process::ExitCode;

/// Serve the web page: draw with a generator from its latent, prove a
/// drawing and download the proof.
#[derive(clap::Args)]
pub struct Args {
    /// The port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A generator to offer: a built-in name or a model file; repeat for
    /// more [default: every built-in generator].
    #[arg(long = "model")]
    models: Vec<String>,
    /// Do not open the page in a browser.
    #[arg(long)]
    no_open: bool,
    #[command(flatten)]
    keys: KeyArgs,
}

pub fn run(a: Args, ui: Ui) -> CliResult {
    ignore_sigpipe();
    let (generators, _) = ui.step("loading the models", || Generators::load(&a.models));
    let state = AppState {
        generators: generators?,
        proofs: Proofs::new(a.keys.keys)?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Other(format!("cannot start the server: {e}")))?;
    let served = runtime.block_on(serve(state, a.port, !a.no_open, ui));
    // A proof still running when the server stops is not waited for.
    runtime.shutdown_background();
    served
}

/// A client that goes away mid-answer must not end the server: `main`
/// makes SIGPIPE end the program, for printed output read by a pipe, and
/// the server's sockets must not inherit that.
#[cfg(unix)]
fn ignore_sigpipe() {
    // SAFETY: called before the server's threads start; SIG_IGN is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn ignore_sigpipe() {}

async fn serve(state: AppState, port: u16, open: bool, ui: Ui) -> CliResult {
    let address = format!("127.0.0.1:{port}");
    let io = |source| CliError::Io {
        path: address.clone(),
        source,
    };
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(io)?;
    let url = format!("http://{}/", listener.local_addr().map_err(io)?);
    let stop = stopped();
    let models = state.generators.names().join(", ");
    ui.say(format!("serving {url} (models: {models}); Ctrl-C stops"));
    ui.line(&serde_json::json!({ "url": url, "models": state.generators.names() }));
    if open {
        open_in_browser(&url);
    }
    axum::serve(listener, router(state))
        .with_graceful_shutdown(stop)
        .await
        .map_err(io)?;
    Ok(ExitCode::SUCCESS)
}

/// Opens `url` with the desktop's browser, if there is one.
fn open_in_browser(url: &str) {
    let (program, args): (&str, &[&str]) = if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("cmd", &["/C", "start", ""])
    } else {
        ("xdg-open", &[])
    };
    let started = std::process::Command::new(program)
        .args(args)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match started {
        // Reaped on another thread so that the server does not wait.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => tracing::warn!("could not open a browser ({program}: {e}); open {url}"),
    }
}

/// Resolves on Ctrl-C, or on SIGTERM. The Unix handlers are installed
/// before this returns, so that a signal sent as soon as the URL is
/// printed stops the server cleanly (removing its proofs' folder) rather
/// than killing it.
#[cfg(unix)]
fn stopped() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        tokio::select! {
            () = received(interrupt) => {}
            () = received(terminate) => {}
        }
    }
}

/// Resolves when the signal comes; never if it could not be listened to.
#[cfg(unix)]
async fn received(signal: std::io::Result<tokio::signal::unix::Signal>) {
    match signal {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

#[cfg(not(unix))]
fn stopped() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
