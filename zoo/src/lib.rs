//! Built-in models of section9, embedded in the binary so they work from
//! any directory, and the `section9` command built on them.

pub mod classic;
pub mod data;
pub mod fixture;
pub mod image;
pub mod import;
pub mod trained;

use section9::graph::{GraphError, Model, ModelFile, Params};

/// A model shipped inside the crate: its graph and parameter file.
pub struct Builtin {
    pub name: &'static str,
    pub json: &'static str,
    pub params: &'static [u8],
}

macro_rules! builtin {
    ($name:literal) => {
        Builtin {
            name: $name,
            json: include_str!(concat!("../models/", $name, ".json")),
            params: include_bytes!(concat!("../models/", $name, ".params")),
        }
    };
}

/// Every built-in model: the trained zoo (`cargo xtask train`), the
/// fixture, and the classic models ([`classic`], `cargo xtask classic`).
pub const BUILTINS: &[Builtin] = &[
    builtin!("digits-gan"),
    builtin!("s9-gan"),
    builtin!("digits-cnn"),
    builtin!("mlp"),
    builtin!("mlp-fixture"),
    builtin!("cancer-logreg"),
    builtin!("cancer-forest"),
    builtin!("cancer-xgb"),
    builtin!("sybil-logreg"),
    builtin!("sybil-forest"),
    builtin!("sybil-xgb"),
];

/// The model `section9 demo` draws with unless told otherwise.
pub const DEFAULT_GENERATOR: &str = "digits-gan";

/// The built-in model called `name`, validated.
pub fn builtin(name: &str) -> Option<Result<Model, GraphError>> {
    let b = BUILTINS.iter().find(|b| b.name == name)?;
    Some(ModelFile::from_json(b.json).and_then(|f| Model::new(&f, &Params::from_bytes(b.params)?)))
}
