//! Every corpus file of every target, replayed on the stable toolchain.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a readable corpus entry").path();
        run(&std::fs::read(&path).expect("a readable corpus file"));
        seen += 1;
    }
    assert!(seen > 0, "{} holds no inputs", dir.display());
}

#[test]
fn shift_corpus() {
    replay("shift", section9_fuzz::shift);
}

#[test]
fn model_corpus() {
    replay("model", section9_fuzz::model);
}

#[test]
fn onnx_corpus() {
    replay("onnx", section9_fuzz::onnx);
}

#[test]
fn proof_corpus() {
    replay("proof", section9_fuzz::proof);
}

#[test]
fn verifying_key_corpus() {
    replay("verifying_key", section9_fuzz::verifying_key);
}

#[test]
fn key_file_corpus() {
    replay("key_file", section9_fuzz::key_file);
}

#[test]
fn zkey_corpus() {
    replay("zkey", section9_fuzz::zkey);
}
