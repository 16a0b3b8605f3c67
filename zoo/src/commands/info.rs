//! `section9 info`: a model's layers, shapes, bounds and constraint counts.

use super::ui::Ui;
use super::{load_model, CliResult, WeightsArg};
use section9::compile::{compile, weight_commitment};
use section9::field::fr_to_decimal;
use section9::graph::NodeKind;
use section9::prove::estimate::{estimate, machine_memory};
use section9::r1cs::Builder;
use serde::Serialize;
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

#[derive(Serialize)]
struct Listed {
    name: &'static str,
    /// The description, or `None` when the built-in does not load.
    description: Option<String>,
}

fn list(ui: Ui) {
    let listed: Vec<Listed> = section9_zoo::BUILTINS
        .iter()
        .map(|b| Listed {
            name: b.name,
            description: match section9_zoo::builtin(b.name) {
                Some(Ok(m)) => Some(m.description),
                _ => None,
            },
        })
        .collect();
    for l in &listed {
        let text = l.description.as_deref().unwrap_or("(does not load)");
        ui.say(format!("{:<16} {text}", l.name));
    }
    ui.json(&listed);
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

/// One node's line of the table.
#[derive(Serialize)]
struct NodeRow {
    name: String,
    op: String,
    shape: Vec<usize>,
    bound: String,
    constraints: usize,
    attributes: String,
}

/// What `info --json` prints: the table, the commitment, the totals and
/// the estimated resources, and the pieces when `--chunks` asks for them.
#[derive(Serialize)]
struct Summary {
    model: String,
    description: String,
    weights: usize,
    mode: WeightsArg,
    nodes: Vec<NodeRow>,
    /// Public values binding the outputs, one constraint each.
    outputs: usize,
    commitment: Option<Commitment>,
    constraints: usize,
    wires: usize,
    peak_bytes_estimate: u64,
    key_bytes_estimate: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pieces: Option<Vec<super::pieces::PieceRow>>,
}

#[derive(Serialize)]
struct Commitment {
    constraints: usize,
    /// The Poseidon commitment, decimal.
    value: String,
}

fn say_table(ui: Ui, nodes: &[NodeRow]) {
    ui.say(format!(
        "{:<14} {:<18} {:<16} {:<28} {:>11}  attributes",
        "node", "op", "shape", "bound", "constraints"
    ));
    for n in nodes {
        ui.say(format!(
            "{:<14} {:<18} {:<16} {:<28} {:>11}  {}",
            n.name,
            n.op,
            format!("{:?}", n.shape),
            n.bound,
            n.constraints,
            n.attributes
        ));
    }
}

pub fn run(a: Args, ui: Ui) -> CliResult {
    if a.list {
        list(ui);
        return Ok(ExitCode::SUCCESS);
    }
    let model = load_model(a.model.as_deref().unwrap_or_default())?;
    ui.say(format!("model {}: {}", model.name, model.description));
    ui.say(format!("{} weights", model.num_params()));
    let c = compile(
        &model,
        &model.seeded_inputs(0),
        a.weights.into(),
        Builder::counting().with_limit(a.max_constraints),
    )?;
    let nodes: Vec<NodeRow> = model
        .nodes
        .iter()
        .zip(&c.costs)
        .map(|(node, &constraints)| NodeRow {
            name: node.name.clone(),
            op: node.op.to_string(),
            shape: node.shape.clone(),
            bound: node.bound.to_string(),
            constraints,
            attributes: describe(node),
        })
        .collect();
    say_table(ui, &nodes);
    let outputs = c.output_wires.len();
    let total = c.cs.num_constraints();
    ui.say(format!(
        "outputs        {outputs} public values, {outputs} constraints binding them"
    ));
    let commitment = match c.commitment {
        Some(_) => Some(Commitment {
            constraints: c.commitment_cost,
            value: fr_to_decimal(&weight_commitment(&model)?),
        }),
        None => None,
    };
    let mode = match &commitment {
        Some(k) => {
            ui.say(format!(
                "commitment     {} constraints: weights packed and hashed (Poseidon) into 1 public value (their range checks are on the param lines)",
                k.constraints
            ));
            ui.say(format!("               {}", k.value));
            "weights private, committed"
        }
        None => "weights as circuit constants",
    };
    ui.say(format!(
        "total {total} constraints, {} wires ({mode})",
        c.cs.num_wires()
    ));
    ui.say(format!("proving        whole: {}", resources(total)));
    let pieces = match a.cut.chunks {
        Some(_) => Some(super::pieces::cut_rows(&model, a.weights, a.cut, a.max_constraints)?),
        None => None,
    };
    for p in pieces.iter().flatten() {
        ui.say(p);
    }
    let e = estimate(total);
    ui.json(&Summary {
        model: model.name.clone(),
        description: model.description.clone(),
        weights: model.num_params(),
        mode: a.weights,
        nodes,
        outputs,
        commitment,
        constraints: total,
        wires: c.cs.num_wires(),
        peak_bytes_estimate: e.peak_bytes,
        key_bytes_estimate: e.key_bytes,
        pieces,
    });
    Ok(ExitCode::SUCCESS)
}
