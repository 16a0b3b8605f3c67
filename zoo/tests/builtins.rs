//! The embedded model files are what their generators produce.

use section9_zoo::{builtin, fixture, BUILTINS};

#[test]
fn fixture_files_are_reproducible() {
    let (file, params) = fixture::build();
    let b = BUILTINS.iter().find(|b| b.name == fixture::NAME).unwrap();
    assert_eq!(b.json, file.to_json(), "regenerate with `cargo xtask zoo-fixture`");
    assert_eq!(b.params, params.to_bytes());
}

#[test]
fn every_builtin_loads() {
    for b in BUILTINS {
        builtin(b.name).unwrap().unwrap();
    }
}
