//! The Node.js tools `section9 serve` runs: the pinned solc-js, which
//! compiles the page's contracts, and the local chain of `--dev-chain`,
//! Hardhat's node, run as a child process for as long as the server.

use super::ui::Ui;
use super::{temp_dir, CliError};
use crate::serve::Node;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the local chain may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// How long the local chain has to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The folder of the pinned Node.js tools: `SECTION9_TOOLS`, else the
/// repository's `tools/` this binary was built from.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SECTION9_TOOLS") {
        return PathBuf::from(dir);
    }
    let zoo = Path::new(env!("CARGO_MANIFEST_DIR"));
    zoo.parent().unwrap_or(zoo).join("tools")
}

/// Hardhat's command-line entry point in `tools`.
fn hardhat_cli(tools: &Path) -> PathBuf {
    tools.join("node_modules/hardhat/internal/cli/cli.js")
}

fn installed(tools: &Path) -> bool {
    hardhat_cli(tools).is_file() && tools.join("node_modules/solc/package.json").is_file()
}

/// Installs the pinned tools (`npm ci`, exactly the versions of
/// `tools/package-lock.json`) if solc-js or Hardhat is missing, as in a
/// fresh clone.
pub fn ensure_tools(ui: Ui) -> Result<(), CliError> {
    let tools = tools_dir();
    if installed(&tools) {
        return Ok(());
    }
    if !tools.join("package-lock.json").is_file() {
        return Err(CliError::Other(format!(
            "{} holds no pinned tools (no package-lock.json): set SECTION9_TOOLS to the tools/ folder of a \
             section9 checkout",
            tools.display()
        )));
    }
    // The lock the test suites take around .ci/install-tools: two `npm
    // ci` in one folder would delete each other's files.
    let lock_path = std::env::temp_dir().join("section9-install-tools.lock");
    let lock = File::create(&lock_path).map_err(|source| CliError::Io {
        path: lock_path.display().to_string(),
        source,
    })?;
    lock.lock().map_err(|source| CliError::Io {
        path: lock_path.display().to_string(),
        source,
    })?;
    if installed(&tools) {
        return Ok(());
    }
    let (out, _) = ui.step("installing the pinned local chain (once)", || {
        Command::new("npm")
            .arg("ci")
            .arg("--prefix")
            .arg(&tools)
            .args(["--no-audit", "--no-fund", "--loglevel=error"])
            .stdin(Stdio::null())
            .output()
    });
    let out = out.map_err(|e| {
        CliError::Other(format!(
            "cannot run npm ({e}): the local chain and the contracts' compiler need Node.js 20 or later and \
             npm on PATH"
        ))
    })?;
    if !out.status.success() {
        return Err(CliError::Other(format!(
            "npm ci --prefix {} failed ({}): {}",
            tools.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    if !installed(&tools) {
        return Err(CliError::Other(format!(
            "npm ci --prefix {} installed neither Hardhat nor solc-js",
            tools.display()
        )));
    }
    Ok(())
}

/// A local chain this process started: Hardhat's node on a free port of
/// 127.0.0.1, chain id 31337, with funded and unlocked accounts. Stopped
/// when dropped.
pub struct DevChain {
    child: Child,
    pub url: String,
    pub chain_id: u64,
    /// Where the node writes what it does.
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl DevChain {
    /// Starts the node (installing it first if needed) and waits until it
    /// answers `eth_chainId`.
    pub fn start(ui: Ui) -> Result<DevChain, CliError> {
        ensure_tools(ui)?;
        let tools = tools_dir();
        let port = free_port()?;
        let dir = temp_dir("section9-chain-")?;
        let log = dir.path().join("hardhat.log");
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| CliError::Io { path, source }
        };
        let out = File::create(&log).map_err(io(&log))?;
        let err = out.try_clone().map_err(io(&log))?;
        let config = tools.join("chain");
        let mut command = Command::new("node");
        command
            .arg(hardhat_cli(&tools))
            .arg("--config")
            .arg(config.join("hardhat.config.js"))
            .args(["node", "--hostname", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(&config)
            // Never a prompt or a network call at start.
            .env("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true")
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        die_with_parent(&mut command);
        let child = command.spawn().map_err(|e| {
            CliError::Other(format!(
                "cannot run node ({e}): the local chain needs Node.js 20 or later on PATH"
            ))
        })?;
        let mut chain = DevChain {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chain_id: 0,
            log,
            _dir: dir,
        };
        // On an error the chain is dropped, and so stopped.
        let (ready, _) = ui.step("starting the local chain (Hardhat)", || chain.wait_until_ready());
        chain.chain_id = ready?;
        Ok(chain)
    }

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_until_ready(&mut self) -> Result<u64, CliError> {
        let node = Node::new(self.url.clone(), true);
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(CliError::Other(format!(
                    "the local chain (Hardhat) stopped as it started ({status}):\n{}",
                    tail(&self.log)
                )));
            }
            match node.chain_id() {
                Ok(id) => return Ok(id),
                Err(e) if started.elapsed() > START_TIMEOUT => {
                    return Err(CliError::Other(format!(
                        "the local chain (Hardhat) did not answer eth_chainId within {} s ({e}); its log, {}:\n{}",
                        START_TIMEOUT.as_secs(),
                        self.log.display(),
                        tail(&self.log)
                    )))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(150)),
            }
        }
    }
}

impl Drop for DevChain {
    /// SIGTERM to the node's process group, then SIGKILL if it lingers.
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        signal_group(&mut self.child, Signal::Terminate);
        let asked = Instant::now();
        while asked.elapsed() < STOP_GRACE {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal_group(&mut self.child, Signal::Kill);
        let _ = self.child.wait();
    }
}

/// A port of 127.0.0.1 free a moment ago.
fn free_port() -> Result<u16, CliError> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| CliError::Io {
            path: "127.0.0.1".into(),
            source,
        })
}

/// The last lines of a log, to show why a start failed.
fn tail(path: &Path) -> String {
    const LAST: u64 = 4096;
    let mut text = String::new();
    if let Ok(mut f) = File::open(path) {
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(LAST)));
        let _ = f.read_to_string(&mut text);
    }
    let text = text.trim();
    if text.is_empty() {
        "(it wrote nothing)".into()
    } else {
        text.to_string()
    }
}

enum Signal {
    Terminate,
    Kill,
}

/// The node runs in a process group of its own, so that the terminal's
/// Ctrl-C reaches only the server, which then stops it; and on Linux it is
/// sent SIGTERM if the server dies without stopping it.
#[cfg(unix)]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    #[cfg(target_os = "linux")]
    {
        // SAFETY: between fork and exec the closure calls only getppid,
        // prctl and _exit, which are async-signal-safe.
        let parent = std::process::id() as libc::pid_t;
        unsafe {
            command.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                // The server died before prctl: nobody would stop the node.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
}

#[cfg(not(unix))]
fn die_with_parent(_: &mut Command) {}

#[cfg(unix)]
fn signal_group(child: &mut Child, signal: Signal) {
    let signal = match signal {
        Signal::Terminate => libc::SIGTERM,
        Signal::Kill => libc::SIGKILL,
    };
    // SAFETY: kill(2) on the process group our own child leads.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), signal);
    }
}

#[cfg(not(unix))]
fn signal_group(child: &mut Child, _: Signal) {
    let _ = child.kill();
}
