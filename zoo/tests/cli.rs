//! The `section9` command as a shell user meets it: outputs, exit status,
//! messages.

use std::process::{Command, Output};

fn section9(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_verb_has_help() {
    for verb in ["info", "run"] {
        let o = section9(&[verb, "--help"]);
        assert!(o.status.success(), "{verb}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage: section9 "), "{verb}");
    }
}

#[test]
fn info_ends_with_the_total() {
    let o = section9(&["info", "mlp-fixture"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let total = out.lines().find(|l| l.starts_with("total ")).expect("a `total` line");
    let n: usize = total.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(n > 0);
    assert!(out.contains("requant"));
}

#[test]
fn run_prints_the_engine_outputs_as_json() {
    let o = section9(&["run", "mlp-fixture", "--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["fc2"][0].as_array().unwrap().len(), 10);
}

#[test]
fn bad_input_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.json");
    let mut x = vec![0; 64];
    x[5] = 300;
    std::fs::write(&input, serde_json::json!({ "x": x }).to_string()).unwrap();
    let o = section9(&["run", "mlp-fixture", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("`x`") && err.contains("300") && err.contains("index 5"),
        "{err}"
    );

    let o = section9(&["run", "no-such-model"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither a built-in model"));
}
