//! The generators a server draws and proves with, and how a request
//! picks one and its latent.

use super::error::ApiError;
use crate::commands::demo::Picture;
use crate::commands::prove::cached_keys;
use crate::commands::ui::Ui;
use crate::commands::{load_model_and_files, CliError, WeightsArg};
use section9::compile::{circuit_digest, compile, DEFAULT_MAX_CONSTRAINTS};
use section9::graph::Model;
use section9::prove::Keys;
use section9::r1cs::Builder;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// A generator: a model whose one input is a latent vector and whose first
/// output is a picture.
pub struct Generator {
    pub model: Model,
    pub picture: Picture,
    pub info: Info,
    /// The model file's JSON and its parameter file's bytes, for the
    /// page's own prover.
    pub files: (String, Vec<u8>),
}

/// What `GET /api/models` says of a generator.
#[derive(Serialize)]
pub struct Info {
    name: String,
    description: String,
    latent: Latent,
    picture: Shape,
    /// The weight modes a proof may use, the default first.
    weights: [WeightsArg; 2],
    /// Constraints of the circuit in each weight mode.
    constraints: Constraints,
}

#[derive(Serialize)]
struct Latent {
    /// The model input's name.
    name: String,
    length: usize,
    min: i64,
    max: i64,
}

#[derive(Serialize)]
struct Shape {
    channels: usize,
    height: usize,
    width: usize,
    /// The pixel value drawn white.
    max: i64,
}

#[derive(Serialize)]
struct Constraints {
    committed: usize,
    constant: usize,
}

impl Generator {
    /// Loads a built-in name or model file, checking it is a generator.
    pub fn load(arg: &str) -> Result<Generator, CliError> {
        let (model, file, params) = load_model_and_files(arg)?;
        let picture = Picture::of(&model, arg)?;
        let inputs: Vec<_> = model.inputs().map(|(_, n)| n).collect();
        let [input] = inputs[..] else {
            return Err(CliError::Usage(format!(
                "`{arg}` takes {} inputs; a generator takes one, its latent",
                inputs.len()
            )));
        };
        let bound = |v: i128| {
            i64::try_from(v).map_err(|_| CliError::Usage(format!("`{arg}`: the latent's bound {v} is too large")))
        };
        let latent = Latent {
            name: input.name.clone(),
            length: input.len(),
            min: bound(input.bound.lo)?,
            max: bound(input.bound.hi)?,
        };
        let (channels, height, width) = picture.dims;
        let info = Info {
            name: model.name.clone(),
            description: model.description.clone(),
            latent,
            picture: Shape {
                channels,
                height,
                width,
                max: picture.max,
            },
            weights: [WeightsArg::Committed, WeightsArg::Constant],
            constraints: Constraints {
                committed: count_constraints(&model, WeightsArg::Committed)?,
                constant: count_constraints(&model, WeightsArg::Constant)?,
            },
        };
        Ok(Generator {
            model,
            picture,
            info,
            files: (file.to_json(), params.to_bytes()),
        })
    }

    /// The keys of this generator's circuit in a weight mode, from the key
    /// cache in `dir` (set up and cached on a miss), and the circuit's
    /// digest. Every latent gives the same circuit; the seeded one is used.
    pub fn keys(&self, weights: WeightsArg, dir: Option<PathBuf>) -> Result<(Keys, [u8; 32]), CliError> {
        let builder = Builder::new().with_limit(DEFAULT_MAX_CONSTRAINTS);
        let c = compile(&self.model, &self.model.seeded_inputs(0), weights.into(), builder)?;
        let digest = circuit_digest(&c.cs);
        Ok((cached_keys(&c.cs, &digest, dir, Ui::new(true, false))?, digest))
    }

    /// The latent of a request: its explicit values, checked against the
    /// input's length and bound, or the seeded one.
    pub fn latent(&self, seed: Option<u64>, latent: Option<Vec<i64>>) -> Result<Vec<i64>, ApiError> {
        match (seed, latent) {
            (Some(_), Some(_)) => Err(ApiError::bad_request("give a seed or a latent, not both")),
            (None, None) => Err(ApiError::bad_request("give a seed or a latent")),
            (Some(seed), None) => Ok(self.model.seeded_inputs(seed).swap_remove(0)),
            (None, Some(latent)) => {
                let inputs = [latent];
                self.model
                    .check_inputs(&inputs)
                    .map_err(|e| ApiError::bad_request(format!("latent: {e}")))?;
                let [latent] = inputs;
                Ok(latent)
            }
        }
    }
}

/// The circuit's size, counted without proving keys or a witness.
fn count_constraints(model: &Model, weights: WeightsArg) -> Result<usize, CliError> {
    let c = compile(
        model,
        &model.seeded_inputs(0),
        weights.into(),
        Builder::counting().with_limit(DEFAULT_MAX_CONSTRAINTS),
    )?;
    Ok(c.cs.num_constraints())
}

/// The generators a server offers, in the order they were given.
pub struct Generators(Vec<Arc<Generator>>);

impl Generators {
    /// The models named on the command line, or every built-in generator.
    pub fn load(args: &[String]) -> Result<Generators, CliError> {
        let list: Vec<Generator> = if args.is_empty() {
            section9_zoo::BUILTINS
                .iter()
                .filter_map(|b| Generator::load(b.name).ok())
                .collect()
        } else {
            args.iter().map(|a| Generator::load(a)).collect::<Result<_, _>>()?
        };
        for (i, g) in list.iter().enumerate() {
            if list[..i].iter().any(|h| h.info.name == g.info.name) {
                return Err(CliError::Usage(format!("two models are named `{}`", g.info.name)));
            }
        }
        Ok(Generators(list.into_iter().map(Arc::new).collect()))
    }

    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|g| g.info.name.as_str()).collect()
    }

    pub fn infos(&self) -> Vec<&Info> {
        self.0.iter().map(|g| &g.info).collect()
    }

    /// The generator called `name`, or a 404 that lists the others.
    pub fn get(&self, name: &str) -> Result<Arc<Generator>, ApiError> {
        self.0.iter().find(|g| g.info.name == name).cloned().ok_or_else(|| {
            ApiError::not_found(format!(
                "no model `{name}` on this server (it has: {})",
                self.names().join(", ")
            ))
        })
    }
}

impl Generators {
    /// The generator `model` and the latent a request gives it: a seed, or
    /// entries (already read as integers, or the error of the first that
    /// is not one).
    pub fn pick(
        &self,
        model: &str,
        seed: Option<u64>,
        latent: Option<Result<Vec<i64>, ApiError>>,
    ) -> Result<(Arc<Generator>, Vec<i64>), ApiError> {
        let g = self.get(model)?;
        let latent = g.latent(seed, latent.transpose()?)?;
        Ok((g, latent))
    }
}

/// The error for a latent entry that is not a 64-bit integer.
pub fn not_an_integer(index: usize, value: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("latent entry {index} ({value}) is not an integer"))
}
