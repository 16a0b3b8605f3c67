//! Model files: every kind of mistake in the corpus under `tests/models/bad`
//! gets its own error, naming what is wrong; good files round-trip exactly.

use section9::graph::{self, ModelFile, Params};
use section9_tests::models;
use std::path::Path;

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/models/bad"))
}

#[test]
fn every_malformed_model_gets_its_error() {
    let expected = std::fs::read_to_string(corpus().join("expected.txt")).unwrap();
    let mut seen = 0;
    for line in expected.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (case, want) = line.split_once(": ").unwrap();
        let path = corpus().join(format!("{case}.json"));
        let err = match graph::load(&path) {
            Ok(_) => panic!("{case}: a malformed model was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(want), "{case}: error {err:?} does not say {want:?}");
        assert!(
            err.contains(&format!("{case}.json")) || err.contains(".params"),
            "{case}: error {err:?} names no file"
        );
        seen += 1;
    }
    let files = std::fs::read_dir(corpus())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(seen, files, "every corpus file needs a line in expected.txt");
}

#[test]
fn the_corpus_base_is_valid() {
    // The bad files are the fixture with one mistake each; the fixture
    // itself, beside the same parameter file, must load.
    let dir = tempfile::tempdir().unwrap();
    let (file, params) = section9_zoo::fixture::build();
    std::fs::write(dir.path().join("m.json"), file.to_json()).unwrap();
    std::fs::copy(
        corpus().join("mlp-fixture.params"),
        dir.path().join("mlp-fixture.params"),
    )
    .unwrap();
    assert_eq!(
        std::fs::read(corpus().join("mlp-fixture.params")).unwrap(),
        params.to_bytes()
    );
    graph::load(&dir.path().join("m.json")).unwrap();
}

#[test]
fn model_files_round_trip_exactly() {
    let mut all = models::all();
    all.push(section9_zoo::fixture::build());
    for (file, params) in all {
        let json = file.to_json();
        assert_eq!(ModelFile::from_json(&json).unwrap(), file);
        assert_eq!(ModelFile::from_json(&json).unwrap().to_json(), json);
        let bytes = params.to_bytes();
        assert_eq!(Params::from_bytes(&bytes).unwrap(), params);
        if let Some(r) = &file.params {
            assert_eq!(params.sha256_hex(), r.sha256);
        }
    }
}

#[test]
fn non_canonical_parameter_files_are_refused() {
    let mut p = Params::default();
    p.tensors.insert("a".into(), vec![1, -2, 3]);
    p.tensors.insert("b".into(), vec![300]);
    let good = p.to_bytes();
    // Widen `a` from 1 to 2 bytes per element: same values, other bytes.
    let at = 8 + 4 + 4 + 2 + 1 + 8;
    let mut wide = good[..at].to_vec();
    wide.push(2);
    for v in [1i16, -2, 3] {
        wide.extend_from_slice(&v.to_le_bytes());
    }
    wide.extend_from_slice(&good[at + 1 + 3..]);
    let err = Params::from_bytes(&wide).unwrap_err().to_string();
    assert!(err.contains("not canonically encoded"), "{err}");
    for cut in 0..good.len() {
        assert!(
            Params::from_bytes(&good[..cut]).is_err(),
            "a file cut at {cut} was accepted"
        );
    }
}
