//! `section9 serve`: the web page, where a generator draws as its latent
//! moves, a drawing is proved on this machine and minted on a chain.

use super::chain::DevChain;
use super::prove::KeyArgs;
use super::ui::Ui;
use super::{CliError, CliResult};
use crate::serve::{router, AppState, Contracts, Generators, Node, Proofs};
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::Arc;

/// Serve the web page: draw with a generator from its latent, prove a
/// drawing, download the proof and mint the picture on a chain.
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
    /// Start a local Ethereum chain for minting (Hardhat's node, pinned in
    /// tools/package.json and installed there on first use), stopped with
    /// the server.
    #[arg(long, conflicts_with = "chain")]
    dev_chain: bool,
    /// Mint on this Ethereum JSON-RPC node (http://HOST:PORT) instead.
    #[arg(long, value_name = "URL")]
    chain: Option<String>,
    #[command(flatten)]
    keys: KeyArgs,
}

pub fn run(a: Args, ui: Ui) -> CliResult {
    ignore_sigpipe();
    let (generators, _) = ui.step("loading the models", || Generators::load(&a.models));
    let generators = generators?;
    // Stopped when `run` returns, whichever way.
    let dev = a.dev_chain.then(|| DevChain::start(ui)).transpose()?;
    let (chain, about) = match (&dev, a.chain) {
        (Some(d), _) => {
            ui.say(format!(
                "local chain {} (chain id {}, Hardhat; its log: {})",
                d.url,
                d.chain_id,
                d.log.display()
            ));
            let about = json!({ "node": d.url, "chain_id": d.chain_id, "dev": true, "pid": d.pid() });
            (Some(Node::new(d.url.clone(), true)), about)
        }
        (None, Some(url)) => {
            let node = Node::new(checked_url(&url)?, false);
            let id = match node.chain_id() {
                Ok(id) => {
                    ui.say(format!("chain {} (chain id {id})", node.url));
                    Some(id)
                }
                Err(e) => {
                    // It may be started later: the page says so until then.
                    tracing::warn!("{e}");
                    ui.say(format!("warning: {e}"));
                    None
                }
            };
            let about = json!({ "node": node.url, "chain_id": id, "dev": false });
            (Some(node), about)
        }
        (None, None) => (None, Value::Null),
    };
    let keys = a.keys.keys;
    let state = AppState {
        generators,
        proofs: Proofs::new(keys.clone())?,
        contracts: Contracts::new(keys),
        chain: chain.map(Arc::new),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Other(format!("cannot start the server: {e}")))?;
    let served = runtime.block_on(serve(state, a.port, !a.no_open, about, ui));
    // A proof still running when the server stops is not waited for.
    runtime.shutdown_background();
    drop(dev);
    served
}

/// A node's URL: plain HTTP only (the server speaks no TLS; a remote
/// chain is best reached through a wallet on the page).
fn checked_url(url: &str) -> Result<String, CliError> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        CliError::Usage(format!(
            "--chain {url}: give an http:// URL of a JSON-RPC node (https is not supported; for a remote chain, \
             use a wallet in the page)"
        ))
    })?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(CliError::Usage(format!("--chain {url}: the URL names no host")));
    }
    Ok(url.to_string())
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

async fn serve(state: AppState, port: u16, open: bool, chain: Value, ui: Ui) -> CliResult {
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
    ui.line(&json!({ "url": url, "models": state.generators.names(), "chain": chain }));
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
