//! `section9 prove`: run a model, prove the run, write snarkjs-format files.

use super::{load_inputs, load_model, CliError, CliResult, RunArgs, WeightsArg};
use indicatif::{ProgressBar, ProgressStyle};
use section9::compile::{circuit_digest, compile};
use section9::field::fr_to_decimal;
use section9::files::write_atomic;
use section9::graph::{nested, Model};
use section9::prove::cache::{digest_hex, KeyCache};
use section9::prove::snarkjs::{proof_to_json, public_to_json, vk_to_json};
use section9::prove::{prove, public_inputs, verify};
use section9::r1cs::Builder;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Prove that a model produced its output on an input; write proof.json,
/// public.json, verification_key.json (snarkjs format), input.json and
/// output.json into the output directory.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    /// Key cache directory [default: $SECTION9_KEYS, else
    /// $XDG_CACHE_HOME/section9/keys, else ~/.cache/section9/keys].
    #[arg(long)]
    keys: Option<PathBuf>,
}

/// Where keys are cached unless `--keys` says otherwise.
fn default_key_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SECTION9_KEYS") {
        return d.into();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("section9").join("keys")
}

/// Runs `f` under a spinner that names the step and shows elapsed time.
fn step<T>(what: &str, f: impl FnOnce() -> T) -> (T, Duration) {
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a fixed template"));
    bar.set_message(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    bar.finish_and_clear();
    tracing::info!(step = what, ?took);
    (out, took)
}

fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf, CliError> {
    let path = dir.join(name);
    write_atomic(&path, text.as_bytes()).map_err(|e| CliError::Other(e.to_string()))?;
    Ok(path)
}

/// What a proved run produced and how long each step took.
pub struct Proved {
    pub constraints: usize,
    pub public_values: usize,
    pub outputs: Vec<Vec<i64>>,
    pub commitment: Option<String>,
    pub input_hashes: Vec<(String, String)>,
    pub digest: String,
    pub witness_time: Duration,
    /// `None` when the keys came from the cache.
    pub setup_time: Option<Duration>,
    pub prove_time: Duration,
    pub key_dir: PathBuf,
    pub written: Vec<PathBuf>,
}

/// Compiles the run, sets up or loads its keys, proves, checks the proof
/// and writes the snarkjs files, `input.json` and `output.json` into `out`.
pub fn prove_run(
    model: &Model,
    inputs: &[Vec<i64>],
    weights: WeightsArg,
    out: &Path,
    keys: Option<PathBuf>,
) -> Result<Proved, CliError> {
    let (c, witness_time) = step("synthesizing the circuit", || {
        compile(model, inputs, weights.into(), Builder::new())
    });
    let c = c?;
    let digest = circuit_digest(&c.cs);
    let cache = KeyCache::new(keys.unwrap_or_else(default_key_dir));
    let mut rng = rand::rngs::OsRng;
    let cached = cache.load(&digest).map_err(|e| CliError::Other(e.to_string()))?;
    let (keys, setup_time) = match cached {
        Some(k) => (k, None),
        None => {
            let (k, t) = step("setup (once per circuit; the keys are cached)", || {
                cache.load_or_setup(&digest, &c.cs, &mut rng)
            });
            (k.map_err(|e| CliError::Other(e.to_string()))?, Some(t))
        }
    };
    let (proof, prove_time) = step("proving", || prove(&c.cs, &keys.pk, &mut rng));
    let proof = proof.map_err(|e| CliError::Other(e.to_string()))?;
    let public = public_inputs(&c.cs);
    if !verify(&keys.vk, &public, &proof).map_err(|e| CliError::Other(e.to_string()))? {
        return Err(CliError::Other(
            "the new proof does not verify against its own key".into(),
        ));
    }
    std::fs::create_dir_all(out).map_err(|source| CliError::Io {
        path: out.display().to_string(),
        source,
    })?;
    let named: serde_json::Map<String, serde_json::Value> = model
        .outputs
        .iter()
        .zip(&c.outputs)
        .map(|(&o, v)| (model.nodes[o].name.clone(), nested(&model.nodes[o].shape, v)))
        .collect();
    let written = vec![
        write(out, "verification_key.json", &vk_to_json(&keys.vk))?,
        write(out, "proof.json", &proof_to_json(&proof))?,
        write(out, "public.json", &public_to_json(&public))?,
        write(out, "input.json", &model.inputs_to_json(inputs))?,
        write(out, "output.json", &format!("{}\n", serde_json::Value::Object(named)))?,
    ];
    Ok(Proved {
        constraints: c.cs.num_constraints(),
        public_values: public.len(),
        commitment: c.commitment.map(|x| fr_to_decimal(&x)),
        input_hashes: c
            .input_hashes
            .iter()
            .map(|(i, h)| (i.clone(), fr_to_decimal(h)))
            .collect(),
        outputs: c.outputs,
        digest: digest_hex(&digest),
        witness_time,
        setup_time,
        prove_time,
        key_dir: cache.dir().to_path_buf(),
        written,
    })
}

impl Proved {
    /// The summary both `prove` and `demo` print.
    pub fn print(&self, model: &str) {
        println!("model        {model}");
        println!("constraints  {}", self.constraints);
        println!("public       {} values", self.public_values);
        if let Some(commitment) = &self.commitment {
            println!("commitment   {commitment}");
        }
        for (input, hash) in &self.input_hashes {
            println!("input hash   {input}: {hash}");
        }
        println!("circuit      {}", self.digest);
        println!("witness      {:.1?}", self.witness_time);
        match self.setup_time {
            Some(t) => println!("setup        {t:.1?} (keys cached in {})", self.key_dir.display()),
            None => println!("setup        cached keys from {}", self.key_dir.display()),
        }
        println!("prove        {:.1?}", self.prove_time);
        for p in &self.written {
            println!("wrote        {}", p.display());
        }
    }
}

pub fn run(Args { run: a, keys }: Args) -> CliResult {
    let model = load_model(&a.model)?;
    let inputs = load_inputs(&model, a.input.as_deref(), a.seed)?;
    prove_run(&model, &inputs, a.weights, &a.out, keys)?.print(&model.name);
    Ok(ExitCode::SUCCESS)
}
