//! What the page asks of section9, in plain Rust: synthesize a model's
//! circuit, prove it with a key file's keys, verify snarkjs files. The
//! bindings in `lib.rs` only carry values and errors across to JavaScript,
//! so this part is tested natively.

use ark_serialize::CanonicalSerialize;
use ark_std::rand::rngs::OsRng;
use section9::compile::{circuit_digest, compile, Compiled, Weights, DEFAULT_MAX_CONSTRAINTS};
use section9::field::fr_to_decimal;
use section9::graph::{nested, Model, ModelFile, Params};
use section9::prove::cache::{decode_keys, digest_hex};
use section9::prove::snarkjs::{
    proof_from_json, proof_to_json, public_from_json, public_to_json, vk_from_json, vk_to_json,
};
use section9::prove::{prove, public_inputs, verify, Keys};
use section9::r1cs::Builder;
use serde_json::{json, Value};

/// A model run synthesized into its circuit, witness included.
pub struct Circuit {
    model: Model,
    compiled: Compiled,
    digest: [u8; 32],
}

/// A circuit's proving key, read from a key cache file.
pub struct ProvingKey {
    keys: Keys,
    digest: [u8; 32],
}

fn weights(name: &str) -> Result<Weights, String> {
    match name {
        "committed" => Ok(Weights::Committed),
        "constant" => Ok(Weights::Constant),
        _ => Err(format!("weights must be `committed` or `constant`, not `{name}`")),
    }
}

impl Circuit {
    /// Synthesizes the model (its file's JSON and parameter bytes) on
    /// `inputs` (JSON, as `section9 prove --input` reads it).
    pub fn new(model: &str, params: &[u8], inputs: &str, weights_name: &str) -> Result<Circuit, String> {
        let file = ModelFile::from_json(model).map_err(|e| format!("the model file: {e}"))?;
        let params = Params::from_bytes(params).map_err(|e| format!("the model's parameters: {e}"))?;
        let model = Model::new(&file, &params).map_err(|e| format!("the model: {e}"))?;
        let inputs = model.inputs_from_json(inputs).map_err(|e| e.to_string())?;
        let builder = Builder::new().with_limit(DEFAULT_MAX_CONSTRAINTS);
        let compiled = compile(&model, &inputs, weights(weights_name)?, builder).map_err(|e| e.to_string())?;
        let digest = circuit_digest(&compiled.cs);
        Ok(Circuit {
            model,
            compiled,
            digest,
        })
    }

    /// The digest naming the circuit, as key files and `prove` show it.
    pub fn digest(&self) -> String {
        digest_hex(&self.digest)
    }

    pub fn constraints(&self) -> usize {
        self.compiled.cs.num_constraints()
    }

    /// The weight commitment in decimal, when the weights are committed.
    pub fn commitment(&self) -> Option<String> {
        self.compiled.commitment.as_ref().map(fr_to_decimal)
    }

    /// The outputs by name, nested to their shapes (`output.json`).
    pub fn outputs(&self) -> Value {
        let m = &self.model;
        m.outputs
            .iter()
            .zip(&self.compiled.outputs)
            .map(|(&o, v)| (m.nodes[o].name.clone(), nested(&m.nodes[o].shape, v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// Proves the run and checks the proof against the key's verifying key;
    /// `{"proof", "public"}` in snarkjs's JSON, and the proof's compressed
    /// size.
    pub fn prove(&self, key: &ProvingKey) -> Result<Value, String> {
        if key.digest != self.digest {
            return Err(format!(
                "the proving key was made for circuit {}, this run is circuit {}",
                digest_hex(&key.digest),
                self.digest()
            ));
        }
        let cs = &self.compiled.cs;
        let proof = prove(cs, &key.keys.pk, &mut OsRng).map_err(|e| e.to_string())?;
        let public = public_inputs(cs);
        if !verify(&key.keys.vk, &public, &proof).map_err(|e| e.to_string())? {
            return Err("the new proof does not verify against its own key".into());
        }
        let parse = |text: String| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string());
        Ok(json!({
            "proof": parse(proof_to_json(&proof))?,
            "public": parse(public_to_json(&public))?,
            "proof_bytes": proof.compressed_size(),
        }))
    }
}

impl ProvingKey {
    /// Reads a key cache file (`~/.cache/section9/keys/*.g16keys`): its
    /// checksum is checked, its points are trusted as the file's origin is.
    pub fn from_bytes(bytes: &[u8]) -> Result<ProvingKey, String> {
        let (digest, keys) = decode_keys(bytes).map_err(|e| format!("the key file: {e}"))?;
        Ok(ProvingKey { keys, digest })
    }

    pub fn digest(&self) -> String {
        digest_hex(&self.digest)
    }

    /// The verifying key in snarkjs's JSON.
    pub fn verification_key(&self) -> String {
        vk_to_json(&self.keys.vk)
    }
}

/// Checks a proof (the three snarkjs files' text) with the pairing check;
/// `Ok(false)` for a proof that does not verify, an error for files that
/// are not a proof at all.
pub fn verify_files(vk: &str, proof: &str, public: &str) -> Result<bool, String> {
    let vk = vk_from_json(vk).map_err(|e| format!("the verification key: {e}"))?;
    let proof = proof_from_json(proof).map_err(|e| format!("the proof: {e}"))?;
    let public = public_from_json(public).map_err(|e| format!("the public values: {e}"))?;
    verify(&vk, &public, &proof).map_err(|e| e.to_string())
}
