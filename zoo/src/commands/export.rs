//! `section9 export-r1cs`: a run's constraint system and witness in the
//! iden3 formats, for snarkjs and the rest of the circom tools.

use super::prove::{cached_keys, KeyArgs};
use super::ui::Ui;
use super::{load_inputs, load_model, CliError, CliResult, RunArgs};
use section9::compile::{circuit_digest, compile};
use section9::export::{r1cs_bytes, sym_text, wtns_bytes, CircuitLayout};
use section9::files::write_atomic;
use section9::prove::zkey::zkey_bytes;
use section9::r1cs::Builder;
use std::process::ExitCode;

/// Write a run's circuit.r1cs, witness.wtns and circuit.sym (circom's
/// formats; wires ordered one, public values, private inputs, the rest).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    /// Also write circuit.zkey: section9's proving key for this circuit
    /// (cached, or set up now), which `snarkjs groth16 prove` and
    /// rapidsnark use with witness.wtns.
    #[arg(long)]
    zkey: bool,
    #[command(flatten)]
    keys: KeyArgs,
}

pub fn run(Args { run: a, zkey, keys }: Args, ui: Ui) -> CliResult {
    let model = load_model(&a.model)?;
    let inputs = load_inputs(&model, a.input.as_deref(), a.seed)?;
    std::fs::create_dir_all(&a.out).map_err(|source| CliError::Io {
        path: a.out.display().to_string(),
        source,
    })?;
    let (c, _) = ui.step("synthesizing the circuit", || {
        compile(
            &model,
            &inputs,
            a.weights.into(),
            Builder::with_names().with_limit(a.max_constraints),
        )
    });
    let c = c?;
    let fail = |e: section9::export::ExportError| CliError::Other(e.to_string());
    let mut files = vec![
        ("circuit.r1cs", r1cs_bytes(&c.cs).map_err(fail)?),
        ("witness.wtns", wtns_bytes(&c.cs).map_err(fail)?),
        ("circuit.sym", sym_text(&c.cs).into_bytes()),
    ];
    if zkey {
        let k = cached_keys(&c.cs, &circuit_digest(&c.cs), keys.keys, ui)?;
        let bytes = zkey_bytes(&c.cs, &k.pk).map_err(|e| CliError::Other(e.to_string()))?;
        files.push(("circuit.zkey", bytes));
    }
    let order = CircuitLayout::new(&c.cs);
    ui.say(format!("model           {}", model.name));
    ui.say(format!("constraints     {}", c.cs.num_constraints()));
    ui.say(format!("wires           {}", c.cs.num_wires()));
    ui.say(format!("public values   {}", order.num_public()));
    ui.say(format!("private inputs  {}", order.num_private_inputs()));
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = a.out.join(name);
        write_atomic(&path, &bytes).map_err(|e| CliError::Other(e.to_string()))?;
        ui.say(format!("wrote           {}", path.display()));
        written.push(path);
    }
    ui.json(&serde_json::json!({
        "model": model.name,
        "constraints": c.cs.num_constraints(),
        "public_values": order.num_public(),
        "written": written,
    }));
    Ok(ExitCode::SUCCESS)
}
