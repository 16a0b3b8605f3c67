//! `section9 info`: a model's layers, shapes, bounds and constraint counts.

use super::{load_model, CliResult, WeightsArg};
use section9::compile::{compile, weight_commitment};
use section9::field::fr_to_decimal;
use section9::graph::{Model, NodeKind};
use section9::prove::estimate::{estimate, machine_memory};
use section9::r1cs::Builder;
use std::process::ExitCode;

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes.div_ceil(1 << 20))
}

/// Estimated peak memory and key size of proving `constraints`, and how
/// that compares with this machine.
pub fn resources(constraints: usize) -> String {
    let e = estimate(constraints);
    let fits = match machine_memory() {
        Some(m) if e.peak_bytes > m => format!(
            ", more than this machine's {}: prove in pieces, `--chunks auto`",
            mib(m)
        ),
        Some(m) => format!(" of this machine's {}", mib(m)),
        None => String::new(),
    };
    format!(
        "about {} peak{fits}, key {} (estimated)",
        mib(e.peak_bytes),
        mib(e.key_bytes)
    )
}

/// Show a model's nodes with shapes, bounds and constraints per node, and
/// the total (the line starting `total`).
#[derive(clap::Args)]
pub struct Args {
    /// Built-in model name or model file.
    #[arg(required_unless_present = "list")]
    model: Option<String>,
    /// List the built-in models instead.
    #[arg(long)]
    list: bool,
    /// How the weights enter the circuit.
    #[arg(long, value_enum, default_value_t = WeightsArg::Committed)]
    weights: WeightsArg,
    /// The most constraints the circuit may have; a larger one is refused
    /// before it is built.
    #[arg(long, default_value_t = section9::compile::DEFAULT_MAX_CONSTRAINTS)]
    max_constraints: usize,
    /// Also show how `prove --chunks` would cut the model: each piece's
    /// constraints and estimated memory.
    #[command(flatten)]
    cut: super::pieces::CutArgs,
}

fn list() {
    for b in section9_zoo::BUILTINS {
        match section9_zoo::builtin(b.name) {
            Some(Ok(m)) => println!("{:<16} {}", b.name, m.description),
            _ => println!("{:<16} (does not load)", b.name),
        }
    }
}

fn describe(node: &section9::graph::Node) -> String {
    match &node.kind {
        NodeKind::Op(op) => op
            .param_names()
            .iter()
            .zip(op.params())
            .zip(op.param_sources())
            .filter(|(_, s)| **s == section9::ParamSource::Attr)
            .map(|((n, v), _)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        NodeKind::Input { visibility } => format!("{visibility:?}").to_lowercase(),
        _ => String::new(),
    }
}

fn table(model: &Model, costs: &[usize]) {
    println!(
        "{:<14} {:<18} {:<16} {:<28} {:>11}  attributes",
        "node", "op", "shape", "bound", "constraints"
    );
    for (node, cost) in model.nodes.iter().zip(costs) {
        println!(
            "{:<14} {:<18} {:<16} {:<28} {:>11}  {}",
            node.name,
            node.op,
            format!("{:?}", node.shape),
            node.bound.to_string(),
            cost,
            describe(node)
        );
    }
}

pub fn run(a: Args) -> CliResult {
    if a.list {
        list();
        return Ok(ExitCode::SUCCESS);
    }
    let model = load_model(a.model.as_deref().unwrap_or_default())?;
    println!("model {}: {}", model.name, model.description);
    println!("{} weights", model.num_params());
    let c = compile(
        &model,
        &model.seeded_inputs(0),
        a.weights.into(),
        Builder::counting().with_limit(a.max_constraints),
    )?;
    table(&model, &c.costs);
    let outputs: usize = c.output_wires.len();
    let total = c.cs.num_constraints();
    println!("outputs        {outputs} public values, {outputs} constraints binding them");
    let mode = match c.commitment {
        Some(_) => {
            println!(
                "commitment     {} constraints: weights packed and hashed (Poseidon) into 1 public value (their range checks are on the param lines)",
                c.commitment_cost
            );
            println!("               {}", fr_to_decimal(&weight_commitment(&model)?));
            "weights private, committed"
        }
        None => "weights as circuit constants",
    };
    println!("total {total} constraints, {} wires ({mode})", c.cs.num_wires());
    println!("proving        whole: {}", resources(total));
    if a.cut.chunks.is_some() {
        super::pieces::print_cut(&model, a.weights, a.cut, a.max_constraints)?;
    }
    Ok(ExitCode::SUCCESS)
}
