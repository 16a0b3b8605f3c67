//! section9's prover and verifier for the web page, compiled to
//! WebAssembly: the page synthesizes a run, proves it with a proving key it
//! fetched once, and checks proofs with the pairing check, all in the
//! browser. `cargo xtask web` builds it into `zoo/web/pkg`.

pub mod run;

pub use run::verify_files;

use wasm_bindgen::prelude::*;

fn js(e: String) -> JsError {
    JsError::new(&e)
}

/// A model run synthesized into its circuit, witness included.
#[wasm_bindgen]
pub struct Circuit(run::Circuit);

#[wasm_bindgen]
impl Circuit {
    /// Synthesizes a model (its file's JSON text and parameter bytes) on
    /// `inputs` (JSON, as `section9 prove --input` reads it) with
    /// `weights` "committed" or "constant".
    #[wasm_bindgen(constructor)]
    pub fn new(model: &str, params: &[u8], inputs: &str, weights: &str) -> Result<Circuit, JsError> {
        run::Circuit::new(model, params, inputs, weights)
            .map(Circuit)
            .map_err(js)
    }

    /// The circuit's digest in hex: the name of its key.
    pub fn digest(&self) -> String {
        self.0.digest()
    }

    pub fn constraints(&self) -> usize {
        self.0.constraints()
    }

    /// The weight commitment in decimal, for committed weights.
    pub fn commitment(&self) -> Option<String> {
        self.0.commitment()
    }

    /// The outputs as JSON, by output name.
    pub fn outputs(&self) -> String {
        self.0.outputs().to_string()
    }

    /// Proves the run; `{"proof", "public"}` as JSON in snarkjs's format.
    pub fn prove(&self, key: &ProvingKey) -> Result<String, JsError> {
        self.0.prove(&key.0).map(|v| v.to_string()).map_err(js)
    }
}

/// A circuit's Groth16 keys, read from a section9 key file.
#[wasm_bindgen]
pub struct ProvingKey(run::ProvingKey);

#[wasm_bindgen]
impl ProvingKey {
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<ProvingKey, JsError> {
        run::ProvingKey::from_bytes(bytes).map(ProvingKey).map_err(js)
    }

    /// The digest of the circuit the key was made for, in hex.
    pub fn digest(&self) -> String {
        self.0.digest()
    }

    /// The verifying key as snarkjs's `verification_key.json`.
    #[wasm_bindgen(js_name = verificationKey)]
    pub fn verification_key(&self) -> String {
        self.0.verification_key()
    }
}

/// The Groth16 pairing check of snarkjs's files' text: true when the proof
/// verifies, false when it does not, an error when a file is not what it
/// should be.
#[wasm_bindgen]
pub fn verify(vk: &str, proof: &str, public: &str) -> Result<bool, JsError> {
    verify_files(vk, proof, public).map_err(js)
}
