//! The model loader on arbitrary bytes: a model file, optionally followed
//! by `0xff` and a parameter file (without one, the fixture's weights).
//! Whatever it is given, loading either fails with an error or yields a
//! model that runs and compiles; nothing panics, and an accepted file
//! round-trips.

use section9::compile::{compile, Weights};
use section9::graph::{Model, ModelFile, Params};
use section9::r1cs::Builder;

/// Models larger than this are loaded but not run, to keep each fuzz case
/// fast; the loader's own size limit is what keeps memory bounded.
const RUN_LIMIT: usize = 1 << 14;

pub fn model(data: &[u8]) {
    let (json, params) = match data.iter().position(|&b| b == 0xff) {
        Some(at) => (&data[..at], Params::from_bytes(&data[at + 1..])),
        None => (data, Params::from_bytes(section9_zoo::BUILTINS[0].params)),
    };
    let Ok(text) = std::str::from_utf8(json) else { return };
    let Ok(file) = ModelFile::from_json(text) else { return };
    assert_eq!(
        ModelFile::from_json(&file.to_json()).as_ref(),
        Ok(&file),
        "a model file must round-trip"
    );
    let Ok(params) = params else { return };
    let bytes = params.to_bytes();
    assert_eq!(
        Params::from_bytes(&bytes).as_ref(),
        Ok(&params),
        "a parameter file must round-trip"
    );
    let Ok(model) = Model::new(&file, &params) else { return };
    if model.nodes.iter().map(|n| n.len()).sum::<usize>() > RUN_LIMIT {
        return;
    }
    let inputs = model.seeded_inputs(1);
    let outputs = model.run(&inputs).expect("a validated model runs on in-bound inputs");
    let compiled = compile(&model, &inputs, Weights::Constant, Builder::counting())
        .expect("a validated model compiles on in-bound inputs");
    assert_eq!(compiled.outputs, outputs, "engine and circuit disagree");
}
