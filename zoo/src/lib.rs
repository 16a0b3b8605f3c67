//! Built-in models of section9, embedded in the binary so they work from
//! any directory, and the `section9` command built on them.

pub mod data;
pub mod fixture;

use section9::graph::{GraphError, Model, ModelFile, Params};

/// A model shipped inside the crate: its graph and parameter file.
pub struct Builtin {
    pub name: &'static str,
    pub json: &'static str,
    pub params: &'static [u8],
}

/// Every built-in model.
pub const BUILTINS: &[Builtin] = &[Builtin {
    name: fixture::NAME,
    json: include_str!("../models/mlp-fixture.json"),
    params: include_bytes!("../models/mlp-fixture.params"),
}];

/// The built-in model called `name`, validated.
pub fn builtin(name: &str) -> Option<Result<Model, GraphError>> {
    let b = BUILTINS.iter().find(|b| b.name == name)?;
    Some(ModelFile::from_json(b.json).and_then(|f| Model::new(&f, &Params::from_bytes(b.params)?)))
}
