//! The programs the browser test runs: `section9 serve` and chromedriver
//! (which starts Chromium). Each is stopped when its guard is dropped,
//! whether the test passed or not.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Debian's Chromium and its WebDriver, as `.ci/install-tools` installs them.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The two programs, or a failure that says how to get them: the test
/// does not pass without a browser.
pub fn browser_tools() -> (PathBuf, PathBuf) {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "the browser test needs Debian's chromium and chromium-driver, and {} is missing: \
         run `bash .ci/install-tools` (as root) to install them",
        missing.join(" and ")
    );
    (CHROMIUM.into(), CHROMEDRIVER.into())
}

/// Sends each line `out` prints to the returned channel, on a thread that
/// keeps reading (and dropping lines) once nobody listens, so that the
/// program never blocks on a full pipe.
fn lines(out: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    rx
}

/// The first line of `rx` that `pick` accepts, within `timeout`; the
/// lines seen are in the error.
fn first_line<T>(
    rx: &mpsc::Receiver<String>,
    timeout: Duration,
    what: &str,
    mut pick: impl FnMut(&str) -> Option<T>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => match pick(&line) {
                Some(found) => return Ok(found),
                None => seen.push(line),
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!("{what}: nothing within {timeout:?}; it printed {seen:?}"))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!("{what}: it ended first; it printed {seen:?}"))
            }
        }
    }
}

/// `section9 serve` on a free port, stopped with SIGTERM when dropped.
pub struct Server {
    child: Child,
    /// The page's address, with its closing `/`.
    pub url: String,
}

impl Server {
    /// Serves `model`, caching its keys in `keys`, with a local chain.
    pub fn start(model: &str, keys: &Path) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_section9"))
            .args([
                "serve",
                "--dev-chain",
                "--no-open",
                "--json",
                "--port",
                "0",
                "--model",
                model,
                "--keys",
            ])
            .arg(keys)
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start `section9 serve`");
        let mut server = Server {
            child,
            url: String::new(),
        };
        let out = lines(server.child.stdout.take().unwrap());
        server.url = first_line(&out, Duration::from_secs(120), "section9 serve's URL", |line| {
            let started: serde_json::Value = serde_json::from_str(line).ok()?;
            Some(started["url"].as_str()?.to_string())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(server.url.starts_with("http://127.0.0.1:"), "{}", server.url);
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM, so that the server removes its folder of proofs.
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        if !exits_within(&mut self.child, Duration::from_secs(10)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Whether `child` ends within `timeout`, reaping it if so.
fn exits_within(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    false
}

/// chromedriver on a free port, in a process group of its own with the
/// Chromium it starts: dropping it kills the whole group, so that no
/// browser outlives a failed test.
pub struct ChromeDriver {
    child: Child,
    /// Where it takes WebDriver requests.
    pub url: String,
}

impl ChromeDriver {
    pub fn start(chromedriver: &Path) -> ChromeDriver {
        let child = Command::new(chromedriver)
            // Port 0: chromedriver picks a free port and says which.
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = ChromeDriver {
            child,
            url: String::new(),
        };
        let out = lines(driver.child.stdout.take().unwrap());
        // "ChromeDriver was started successfully on port 36113."
        let port = first_line(&out, Duration::from_secs(60), "chromedriver's port", |line| {
            let rest = line.split("started successfully on port ").nth(1)?;
            rest.trim_end_matches('.').parse::<u16>().ok()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        driver.url = format!("http://127.0.0.1:{port}");
        driver
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group our own child leads.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}
