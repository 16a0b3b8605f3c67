//! tools/cluster/prove.py on a real Ray cluster: a head and a second node
//! started here on 127.0.0.1, each with one CPU and a temporary folder of
//! its own, and stopped (their process groups and workers killed) when the
//! test ends, also when it fails.
//!
//! Needs tools/cluster/.venv (`bash .ci/install-tools` makes it).

use section9::field::{fr_from_i128, fr_to_decimal};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One cluster at a time: the machine may have two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A program of tools/cluster/.venv, which must have been made.
fn venv(program: &str) -> PathBuf {
    let path = root().join("tools/cluster/.venv/bin").join(program);
    assert!(
        path.exists(),
        "{} is missing: run `bash .ci/install-tools` (it makes tools/cluster/.venv with Ray)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A local Ray cluster; each node is a `ray start --block`, the leader of
/// its own process group.
struct Cluster {
    /// Short: Ray's socket paths must stay within 107 bytes.
    dir: tempfile::TempDir,
    nodes: Vec<Child>,
    address: String,
}

impl Cluster {
    /// A head with the resource `s9_head` and, with `second`, a node with
    /// `s9_second`.
    fn start(second: bool) -> Cluster {
        let dir = tempfile::Builder::new().prefix("s9r-").tempdir_in("/tmp").unwrap();
        let port = free_port();
        let mut cluster = Cluster {
            dir,
            nodes: Vec::new(),
            address: format!("127.0.0.1:{port}"),
        };
        let head_port = port.to_string();
        cluster.node(
            "head",
            &[
                "--head",
                "--port",
                &head_port,
                "--include-dashboard=false",
                "--resources",
                r#"{"s9_head": 1}"#,
            ],
        );
        if second {
            let address = cluster.address.clone();
            cluster.node("second", &["--address", &address, "--resources", r#"{"s9_second": 1}"#]);
        }
        cluster
    }

    /// Starts a node and waits until it is up.
    fn node(&mut self, name: &str, args: &[&str]) {
        use std::os::unix::process::CommandExt;
        let log = self.dir.path().join(format!("{name}.log"));
        let ports: Vec<String> = (0..4).map(|_| free_port().to_string()).collect();
        let child = Command::new(venv("ray"))
            .arg("start")
            .arg("--block")
            .args(args)
            .args([
                "--node-ip-address",
                "127.0.0.1",
                "--num-cpus",
                "1",
                "--disable-usage-stats",
            ])
            .arg("--temp-dir")
            .arg(self.dir.path().join(name))
            // Fixed by default (52365...): two nodes on one machine need
            // their own.
            .args(["--dashboard-agent-listen-port", &ports[0]])
            .args(["--dashboard-agent-grpc-port", &ports[1]])
            .args(["--metrics-export-port", &ports[2]])
            .args(["--runtime-env-agent-port", &ports[3]])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(self.dir.path().join(format!("{name}.err"))).unwrap())
            .process_group(0)
            .spawn()
            .unwrap();
        self.nodes.push(child);
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("Ray runtime started") {
                return;
            }
            let err = std::fs::read_to_string(self.dir.path().join(format!("{name}.err"))).unwrap_or_default();
            if let Some(status) = self.nodes.last_mut().unwrap().try_wait().unwrap() {
                panic!("ray start ({name}) ended with {status}:\n{text}\n{err}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "ray start ({name}) did not start in 120 s:\n{text}\n{err}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs tools/cluster/prove.py on this cluster.
    fn prove(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        driver(&[&["--address", &self.address], args].concat(), env)
    }
}

impl Drop for Cluster {
    /// As `ray stop --force` would, but only this cluster: each node's
    /// process group, then the workers (process groups of their own) whose
    /// command line names this cluster's folder.
    fn drop(&mut self) {
        for node in &mut self.nodes {
            // SAFETY: kill(2) on the process group of our own child.
            unsafe {
                libc::kill(-(node.id() as libc::pid_t), libc::SIGKILL);
            }
            let _ = node.wait();
        }
        let mark = self.dir.path().to_string_lossy().into_owned();
        let started = Instant::now();
        loop {
            let left = processes_naming(&mark);
            if left.is_empty() || started.elapsed() > Duration::from_secs(20) {
                break;
            }
            for pid in left {
                // SAFETY: kill(2) on a worker of this cluster.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The processes whose command line contains `mark`.
fn processes_naming(mark: &str) -> Vec<libc::pid_t> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| String::from_utf8_lossy(&c).contains(mark))
        })
        .collect()
}

/// tools/cluster/prove.py with the venv's Python and this section9.
fn driver(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(venv("python"));
    command
        .arg(root().join("tools/cluster/prove.py"))
        .args(["--section9", env!("CARGO_BIN_EXE_section9")])
        .args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The summary of a run that must succeed.
fn succeeded(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "prove.py ended with {}:\n{}\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)))
}

fn section9(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(args)
        .output()
        .unwrap()
}

/// `section9 verify MANIFEST` accepts the run in `out`.
fn verifies(out: &Path) {
    let manifest = out.join("manifest.json");
    let verified = section9(&["verify", manifest.to_str().unwrap()]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}\n{}",
        text(&verified.stdout),
        text(&verified.stderr)
    );
}

/// The last piece's public values start with the model's outputs, as
/// field elements, the same as `section9 run` gives for the same (seeded)
/// input.
fn outputs_match_run(out: &Path, pieces: usize) {
    let run = section9(&["--json", "run", "mlp-fixture"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let run: Value = serde_json::from_slice(&run.stdout).unwrap();
    let outputs: Vec<String> = run["fc2"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter())
        .map(|x| fr_to_decimal(&fr_from_i128(x.as_i64().unwrap().into())))
        .collect();
    assert_eq!(outputs.len(), 10);
    let last = out.join(format!("piece-{}/public.json", pieces - 1));
    let public: Vec<String> = serde_json::from_str(&std::fs::read_to_string(last).unwrap()).unwrap();
    assert_eq!(public[..outputs.len()], outputs[..]);
}

#[test]
fn two_nodes_prove_one_piece_each_and_the_manifest_verifies() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let (out, keys) = (work.path().join("run"), work.path().join("keys"));
    let started = Instant::now();
    let cluster = Cluster::start(true);
    let up = started.elapsed();
    let proved = Instant::now();
    let summary = succeeded(&cluster.prove(
        &[
            "mlp-fixture",
            "--out",
            out.to_str().unwrap(),
            "--chunks",
            "2",
            "--keys",
            keys.to_str().unwrap(),
            "--place",
            "0=s9_head",
            "--place",
            "1=s9_second",
            "--json",
        ],
        &[],
    ));
    eprintln!(
        "cluster up in {:.1}s, two-node run {:.1}s: {}",
        up.as_secs_f64(),
        proved.elapsed().as_secs_f64(),
        summary["seconds"]
    );
    assert_eq!(summary["mode"], "ray");
    let pieces = summary["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 2, "{summary}");
    assert_ne!(pieces[0]["node"], pieces[1]["node"], "{summary}");
    assert_eq!(summary["nodes"].as_array().unwrap().len(), 2, "{summary}");
    for (k, piece) in pieces.iter().enumerate() {
        assert_eq!(piece["piece"], k);
        // Both keys were made on the driver's node and shipped.
        assert_eq!(piece["setup_node"], pieces[0]["setup_node"], "{summary}");
        assert!(piece["key_bytes"].as_u64().unwrap() > 0, "{summary}");
        assert!(keys.join(piece["key"].as_str().unwrap()).exists(), "{summary}");
    }
    verifies(&out);
    outputs_match_run(&out, 2);
}

#[test]
fn a_killed_worker_is_retried_and_the_run_still_verifies() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let keys = work.path().join("keys");
    // A model file this time: the tasks get its files shipped.
    let model = work.path().join("model/mlp-fixture.json");
    std::fs::create_dir(work.path().join("model")).unwrap();
    for name in ["mlp-fixture.json", "mlp-fixture.params"] {
        std::fs::copy(
            root().join("zoo/models").join(name),
            work.path().join("model").join(name),
        )
        .unwrap();
    }
    let cluster = Cluster::start(false);
    let run = |out: &Path, marker: &Path, retries: &str| {
        let die_once = format!("1:{}", marker.display());
        cluster.prove(
            &[
                model.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--chunks",
                "2",
                "--keys",
                keys.to_str().unwrap(),
                "--retries",
                retries,
                "--json",
            ],
            &[("SECTION9_CLUSTER_DIE_ONCE", &die_once)],
        )
    };

    // Without retries the death fails the run: the worker really died.
    let marker = work.path().join("died-once");
    let failed = run(&work.path().join("no-retry"), &marker, "0");
    assert!(marker.exists(), "piece 1's worker did not die");
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    let stderr = text(&failed.stderr);
    eprintln!("without retries: {stderr}");
    assert!(stderr.contains("piece 1:"), "{stderr}");

    // With retries the second attempt proves it.
    let marker = work.path().join("died-again");
    let out = work.path().join("run");
    let summary = succeeded(&run(&out, &marker, "2"));
    assert!(marker.exists(), "piece 1's worker did not die");
    assert_eq!(summary["pieces"].as_array().unwrap().len(), 2, "{summary}");
    verifies(&out);
    outputs_match_run(&out, 2);
}

#[test]
fn a_piece_that_fails_fails_the_run_and_names_the_piece() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let planned = driver(
        &[
            "mlp-fixture",
            "--out",
            out.to_str().unwrap(),
            "--chunks",
            "2",
            "--plan-only",
        ],
        &[],
    );
    assert!(planned.status.success(), "{}", text(&planned.stderr));
    assert!(!out.join("piece-0/proof.json").exists());
    // Piece 1's job claims to be piece 0's: section9 refuses it.
    let job_path = out.join("piece-1/private/job.json");
    let mut job: Value = serde_json::from_str(&std::fs::read_to_string(&job_path).unwrap()).unwrap();
    job["piece"] = 0.into();
    std::fs::write(&job_path, job.to_string()).unwrap();

    let cluster = Cluster::start(false);
    let keys = work.path().join("keys");
    let failed = cluster.prove(
        &["--from-plan", out.to_str().unwrap(), "--keys", keys.to_str().unwrap()],
        &[],
    );
    let stderr = text(&failed.stderr);
    eprintln!("a failing piece: {stderr}");
    assert_eq!(failed.status.code(), Some(1), "{}\n{stderr}", text(&failed.stdout));
    assert!(stderr.contains("piece 1: "), "{stderr}");
    // section9's own message comes along.
    assert!(stderr.contains("its job is piece 0's"), "{stderr}");
    assert!(!out.join("manifest.json").exists());
}
