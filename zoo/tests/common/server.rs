//! The real `section9 serve` on a free port, spoken to over HTTP: what the
//! server's test suites share, each using a part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A running `section9 serve`, stopped (SIGTERM) when dropped.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    /// The line `--json` prints as it starts.
    pub started: Value,
    agent: ureq::Agent,
}

impl Server {
    /// Serves digits-gan with `args` added, caching keys in `keys`.
    pub fn start(keys: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_section9"))
            .args(["serve", "--json", "--no-open", "--model", "digits-gan"])
            .args(args)
            .env("SECTION9_KEYS", keys)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        let url = started["url"].as_str().unwrap().trim_end_matches('/').to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Server {
            child: Some(child),
            url,
            started,
            agent: agent(),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        Reply::from(self.agent.get(format!("{}{path}", self.url)).call().unwrap())
    }

    pub fn post(&self, path: &str, content_type: &str, body: &str) -> ureq::http::Response<ureq::Body> {
        self.agent
            .post(format!("{}{path}", self.url))
            .header("content-type", content_type)
            .send(body)
            .unwrap()
    }

    /// Stops the server as Ctrl-C or a service manager would.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.is_none() {
            return;
        }
        let status = self.stop();
        // A clean stop, not a death by signal (a client that hung up once
        // killed the server with SIGPIPE).
        if !std::thread::panicking() {
            assert!(status.success(), "the server ended with {status}");
        }
    }
}

/// An HTTP client that returns error statuses as answers.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// A whole answer: status, headers and body.
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl From<ureq::http::Response<ureq::Body>> for Reply {
    fn from(r: ureq::http::Response<ureq::Body>) -> Reply {
        let (parts, mut body) = r.into_parts();
        Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: body.read_to_vec().unwrap(),
        }
    }
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The message of an error reply with this status.
    pub fn error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{}", String::from_utf8_lossy(&self.body));
        self.json()["error"].as_str().unwrap().to_string()
    }
}

/// Runs the `section9` command to its end.
pub fn section9(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(args)
        .output()
        .unwrap()
}

/// The `event:` names and `data:` payloads of a server-sent event stream,
/// read to its end.
pub fn events(response: ureq::http::Response<ureq::Body>) -> Vec<(String, serde_json::Value)> {
    let mut events = Vec::new();
    let mut name = String::new();
    for line in BufReader::new(response.into_body().into_reader()).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_string();
        } else if let Some(data) = line.strip_prefix("data: ") {
            events.push((name.clone(), serde_json::from_str(data).unwrap()));
        }
    }
    events
}
