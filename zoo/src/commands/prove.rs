//! `section9 prove`: run a model, prove the run, write snarkjs-format files.

use super::{load_inputs, load_model, CliError, CliResult, RunArgs, WeightsArg};
use indicatif::{ProgressBar, ProgressStyle};
use section9::compile::{circuit_digest, compile};
use section9::field::fr_to_decimal;
use section9::files::write_atomic;
use section9::graph::{nested, Model};
use section9::prove::cache::{digest_hex, KeyCache};
use section9::prove::snarkjs::{proof_to_json, public_to_json, vk_to_json};
use section9::prove::zkey::read_zkey;
use section9::prove::{prove, public_inputs, verify, Keys};
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
    #[command(flatten)]
    keys: KeyArgs,
    /// Prove with this snarkjs proving key (e.g. from a phase-2 ceremony on
    /// the `.r1cs` that `export-r1cs` writes) instead of section9's own.
    #[arg(long, conflicts_with = "keys")]
    zkey: Option<PathBuf>,
}

/// Where section9's own keys are kept.
#[derive(clap::Args)]
pub struct KeyArgs {
    /// Key cache directory [default: $SECTION9_KEYS, else
    /// $XDG_CACHE_HOME/section9/keys, else ~/.cache/section9/keys].
    #[arg(long)]
    pub keys: Option<PathBuf>,
}

/// Where a proof's keys come from.
pub enum KeySource {
    /// section9's setup, cached in a directory (the default one if `None`).
    Cache(Option<PathBuf>),
    /// A snarkjs `.zkey` file.
    Zkey(PathBuf),
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
    /// The key cache directory, or the `.zkey` file.
    pub key_source: PathBuf,
    pub from_zkey: bool,
    pub written: Vec<PathBuf>,
}

/// The keys of a circuit from the cache, set up (and cached) on a miss;
/// with the setup time when there was one, and the cache directory.
pub fn cached_keys(
    cs: &Builder,
    digest: &[u8; 32],
    dir: Option<PathBuf>,
) -> Result<(Keys, Option<Duration>, PathBuf), CliError> {
    let cache = KeyCache::new(dir.unwrap_or_else(default_key_dir));
    let fail = |e: section9::prove::cache::CacheError| CliError::Other(e.to_string());
    if let Some(k) = cache.load(digest).map_err(fail)? {
        return Ok((k, None, cache.dir().to_path_buf()));
    }
    let (k, t) = step("setup (once per circuit; the keys are cached)", || {
        cache.load_or_setup(digest, cs, &mut rand::rngs::OsRng)
    });
    Ok((k.map_err(fail)?, Some(t), cache.dir().to_path_buf()))
}

/// A `.zkey`'s keys, checked to be made for `cs`.
fn zkey_keys(cs: &Builder, path: &Path) -> Result<Keys, CliError> {
    let bytes = section9::files::read_whole(path).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let (key, _) = step("reading the .zkey", || read_zkey(&bytes));
    let key = key
        .and_then(|k| k.check_circuit(cs).map(|()| k))
        .map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?;
    let vk = key.pk.vk.clone();
    Ok(Keys { pk: key.pk, vk })
}

/// Compiles the run, sets up or loads its keys, proves, checks the proof
/// and writes the snarkjs files, `input.json` and `output.json` into `out`.
pub fn prove_run(
    model: &Model,
    inputs: &[Vec<i64>],
    weights: WeightsArg,
    max_constraints: usize,
    out: &Path,
    source: KeySource,
) -> Result<Proved, CliError> {
    let (c, witness_time) = step("synthesizing the circuit", || {
        compile(
            model,
            inputs,
            weights.into(),
            Builder::new().with_limit(max_constraints),
        )
    });
    let c = c?;
    let digest = circuit_digest(&c.cs);
    let from_zkey = matches!(source, KeySource::Zkey(_));
    let (keys, setup_time, key_source) = match source {
        KeySource::Cache(dir) => cached_keys(&c.cs, &digest, dir)?,
        KeySource::Zkey(path) => (zkey_keys(&c.cs, &path)?, None, path),
    };
    let (proof, prove_time) = step("proving", || prove(&c.cs, &keys.pk, &mut rand::rngs::OsRng));
    let proof = proof.map_err(|e| CliError::Other(e.to_string()))?;
    let public = public_inputs(&c.cs);
    if !verify(&keys.vk, &public, &proof).map_err(|e| CliError::Other(e.to_string()))? {
        // A .zkey is matched to the circuit on A and B only; its C part
        // shows here.
        return Err(CliError::Other(format!(
            "the new proof does not verify against its own key ({}): the key was made for another circuit",
            key_source.display()
        )));
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
        key_source,
        from_zkey,
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
            _ if self.from_zkey => println!("keys         {}", self.key_source.display()),
            Some(t) => println!("setup        {t:.1?} (keys cached in {})", self.key_source.display()),
            None => println!("setup        cached keys from {}", self.key_source.display()),
        }
        println!("prove        {:.1?}", self.prove_time);
        for p in &self.written {
            println!("wrote        {}", p.display());
        }
    }
}

pub fn run(Args { run: a, keys, zkey }: Args) -> CliResult {
    let model = load_model(&a.model)?;
    let inputs = load_inputs(&model, a.input.as_deref(), a.seed)?;
    let source = match zkey {
        Some(path) => KeySource::Zkey(path),
        None => KeySource::Cache(keys.keys),
    };
    prove_run(&model, &inputs, a.weights, a.max_constraints, &a.out, source)?.print(&model.name);
    Ok(ExitCode::SUCCESS)
}
