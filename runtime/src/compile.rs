//! A model as one constraint system: every node synthesized in order.
//!
//! What the proof's public inputs say, in order: the model's outputs, the
//! inputs marked public (or, for inputs marked hashed, the Poseidon
//! commitment to their values), in node order, and (with committed weights)
//! the commitment to the weights. Every value that enters the circuit from outside (inputs,
//! private weights) is proven within its declared bound where it enters,
//! because operators trust the bounds of what they read.

use crate::bound::Bound;
use crate::commit::{
    commitment_groups, enforce_commitment, enforce_commitment_groups, input_bits, pack, Entry, Packing,
};
use crate::error::OpError;
use crate::field::Fr;
use crate::gadgets::InRange;
use crate::graph::{GraphError, Model, NodeKind, Visibility};
use crate::r1cs::{check_determinism_from, Builder, Lc, Quad, Report, Sig, Wire};
use crate::ZkOp;
use ark_ff::{BigInteger, Field, PrimeField};

mod digest;
mod link;
mod piece;
mod size;
pub use digest::circuit_digest;
pub use link::{link_commitment, Salt, SALT_BOUND, SALT_LEN};
pub use piece::{is_constant, Ends, Piece};
pub use size::{
    check_piece_values, check_size, check_values, constraint_count, piece_constraint_count, DEFAULT_MAX_CONSTRAINTS,
};

/// How the weights enter the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weights {
    /// Circuit constants: the model is public, and products with weights
    /// cost no constraint.
    Constant,
    /// Private inputs bound by a public Poseidon commitment: the model
    /// stays secret, the proof names which one.
    Committed,
}

/// A synthesized model.
pub struct Compiled {
    pub cs: Builder,
    /// The model's outputs, read from the circuit's output wires.
    pub outputs: Vec<Vec<i64>>,
    /// The weight commitment, when the weights are committed.
    pub commitment: Option<Fr>,
    /// The commitment to each `hashed` input, by input name.
    pub input_hashes: Vec<(String, Fr)>,
    /// A piece's commitment to the values it reads from earlier pieces.
    pub link_in: Option<Fr>,
    /// A piece's commitment to the values later pieces read from it.
    pub link_out: Option<Fr>,
    /// Constraints added by each node, indexed like the model's nodes.
    pub costs: Vec<usize>,
    /// Constraints of the weight commitment (range checks, packing and
    /// hashing), 0 for constant weights.
    pub commitment_cost: usize,
    /// The public wires holding the outputs, in output order.
    pub output_wires: Vec<Wire>,
    /// The wires of model inputs and private weights: what the outputs
    /// must be a function of.
    pub source_wires: Vec<Wire>,
}

impl Compiled {
    /// Proves, on the constraints alone, that every output wire is fixed by
    /// the inputs and weights: no second witness can change an output.
    pub fn check_determinism(&self) -> Report {
        check_determinism_from(&self.cs, &self.source_wires, &self.output_wires)
    }
}

/// Synthesizes `model` on `inputs` into `cs`. A circuit larger than the
/// builder's limit ([`Builder::with_limit`], else
/// [`DEFAULT_MAX_CONSTRAINTS`]) is refused at the first row past it, with
/// the size it needs.
pub fn compile(model: &Model, inputs: &[Vec<i64>], weights: Weights, cs: Builder) -> Result<Compiled, GraphError> {
    compile_piece(model, &Piece::whole(model), &Ends::whole(inputs), weights, cs)
}

/// Synthesizes one piece of `model` ([`crate::pieces`]) into `cs`, with
/// the values that enter it at its ends; limited as [`compile`] is.
pub fn compile_piece(
    model: &Model,
    piece: &Piece,
    ends: &Ends,
    weights: Weights,
    cs: Builder,
) -> Result<Compiled, GraphError> {
    piece.check_ends(model, ends)?;
    let limit = cs.limit().unwrap_or(DEFAULT_MAX_CONSTRAINTS);
    check_piece_values(model, piece, limit)?;
    synthesize(model, piece, ends, weights, cs.with_limit(limit)).map_err(|e| match size::is_over_limit(&e) {
        true => size::too_large(model, piece, weights, limit),
        false => e,
    })
}

/// The synthesis itself, on any builder: [`compile`] builds with it and
/// [`constraint_count`] counts with it.
fn synthesize(
    model: &Model,
    piece: &Piece,
    ends: &Ends,
    weights: Weights,
    mut cs: Builder,
) -> Result<Compiled, GraphError> {
    piece.check_ends(model, ends)?;
    // Output wires come first so that the public inputs read outputs
    // first, as circom and snarkjs order them; their values are set once
    // the model has run. A piece that hands on to the next publishes the
    // commitment of what it hands on there instead.
    let mut out_wires: Vec<Vec<Wire>> = Vec::with_capacity(model.outputs.len());
    let link_out_wire = match piece.link_out.is_empty() {
        true => None,
        false => Some(cs.input("link_out", &[], Fr::from(0u64), true).lc.terms[0].0),
    };
    if link_out_wire.is_none() {
        for &o in &model.outputs {
            let node = &model.nodes[o];
            let name = format!("out/{}", node.name);
            let count = public_count(model, o)?;
            out_wires.push(
                (0..count)
                    .map(|i| cs.input(&name, &[i as i128], Fr::from(0u64), true).lc.terms[0].0)
                    .collect(),
            );
        }
    }
    let mut output_wires: Vec<Wire> = out_wires.iter().flatten().copied().collect();
    output_wires.extend(link_out_wire);
    let mut source_wires: Vec<Wire> = Vec::new();
    let mut signals: Vec<Vec<Sig>> = vec![Vec::new(); model.nodes.len()];
    let link_in = link::enforce_link_in(&mut cs, model, piece, ends, &mut signals, &mut source_wires)
        .map_err(GraphError::op("link_in"))?;
    crate::poseidon::prepare(poseidon_widths(model, piece, weights));
    let mut given = ends.inputs.iter();
    let mut committed: Vec<(Bound, Vec<Sig>)> = Vec::new();
    let mut input_hashes = Vec::new();
    let mut costs = vec![0; model.nodes.len()];
    let last_weight = piece.nodes.iter().rposition(|&at| {
        matches!(model.nodes[at].kind, NodeKind::Param { .. }) && !piece::is_constant(model, at, weights)
    });
    let mut pending = None;
    for (k, &at) in piece.nodes.iter().enumerate() {
        let node = &model.nodes[at];
        let before = cs.num_constraints();
        cs.enter(&node.name, &[]);
        let fail = GraphError::op(&node.name);
        let sigs = match &node.kind {
            NodeKind::Input { visibility } => {
                let values = given.next().expect("counted by check_ends");
                let public = *visibility == Visibility::Public;
                let raw = wire_values(&mut cs, "x", values, public);
                source_wires.extend(raw.iter().map(|s| s.lc.terms[0].0));
                if *visibility == Visibility::Hashed {
                    // The commitment range-checks every value on the way.
                    let hash = enforce_commitment(&mut cs, "hash", &raw, node.bound).map_err(fail)?;
                    input_hashes.push((node.name.clone(), hash));
                    raw
                } else {
                    enforce_in_bound(&mut cs, &raw, node.bound).map_err(fail)?
                }
            }
            NodeKind::Param { values, .. } if piece::is_constant(model, at, weights) => {
                values.iter().map(|&v| Sig::constant(v as i128)).collect()
            }
            NodeKind::Param { values, .. } => {
                let (sigs, bits) = input_bits(&mut cs, "w", values, node.bound).map_err(fail)?;
                source_wires.extend(bits);
                group(&mut committed, node.bound).extend(sigs.iter().cloned());
                sigs
            }
            NodeKind::View => signals[node.inputs[0]].clone(),
            NodeKind::Op(op) => {
                let args: Vec<&[Sig]> = node.inputs.iter().map(|&i| signals[i].as_slice()).collect();
                op.synthesize(&mut cs, &args).map_err(fail)?.swap_remove(0)
            }
        };
        cs.leave();
        costs[at] = cs.num_constraints() - before;
        signals[at] = sigs;
        if Some(k) == last_weight && weights == Weights::Committed {
            pending = start_commitment(&cs, &committed);
        }
    }
    let before = cs.num_constraints();
    let commitment = match (weights, pending) {
        (Weights::Constant, _) => None,
        (Weights::Committed, _) if committed.is_empty() => None,
        (Weights::Committed, Some(thread)) => {
            let (fork, value) = thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let value = value.and_then(|v| cs.join(fork).map(|()| v));
            Some(value.map_err(GraphError::op("commitment"))?)
        }
        (Weights::Committed, None) => {
            Some(enforce_weight_commitment(&mut cs, &committed).map_err(GraphError::op("commitment"))?)
        }
    };
    let commitment_cost = cs.num_constraints() - before;
    let link_out = match link_out_wire {
        Some(wire) => Some(
            link::enforce_link_out(&mut cs, model, piece, ends, &signals, wire, &mut source_wires)
                .map_err(GraphError::op("link_out"))?,
        ),
        None => None,
    };
    let mut outputs = Vec::with_capacity(model.outputs.len());
    for (&o, wires) in model.outputs.iter().zip(&out_wires) {
        enforce_outputs(&mut cs, model, o, wires, &signals[o])?;
        outputs.push(signals[o].iter().map(|s| s.val as i64).collect());
    }
    Ok(Compiled {
        cs,
        outputs,
        commitment,
        input_hashes,
        link_in,
        link_out,
        costs,
        commitment_cost,
        output_wires,
        source_wires,
    })
}

/// Proves the committed weights within their bounds' groups and returns
/// their commitment ([`weight_commitment`]).
fn enforce_weight_commitment(cs: &mut Builder, committed: &[(Bound, Vec<Sig>)]) -> Result<Fr, OpError> {
    let groups: Vec<(&[Sig], Bound)> = committed.iter().map(|(b, s)| (s.as_slice(), *b)).collect();
    enforce_commitment_groups(cs, "commitment", &groups, Entry::Proven)
}

/// What a commitment built beside the synthesis hands back: its fork of the
/// builder and its value.
type CommitmentThread = std::thread::JoinHandle<(Builder, Result<Fr, OpError>)>;

/// Starts building the weight commitment into a fork of `cs` on another
/// thread, once the last weight is in, so that it runs beside the nodes
/// after it; joined where the commitment comes, it is the circuit the
/// sequential synthesis builds ([`Builder::fork`]). `None` when `cs` does
/// not fork or there are no threads (the page's WebAssembly): the
/// commitment is then built in place.
fn start_commitment(cs: &Builder, committed: &[(Bound, Vec<Sig>)]) -> Option<CommitmentThread> {
    if cfg!(target_arch = "wasm32") || committed.is_empty() {
        return None;
    }
    let mut fork = cs.fork()?;
    let committed = committed.to_vec();
    Some(std::thread::spawn(move || {
        let value = enforce_weight_commitment(&mut fork, &committed);
        (fork, value)
    }))
}

/// The Poseidon widths the commitments of `piece` hash with: its
/// committed weights, grouped as [`weight_commitment`] groups them, and its
/// hashed inputs.
fn poseidon_widths(model: &Model, piece: &Piece, weights: Weights) -> Vec<usize> {
    let mut groups: Vec<(usize, Bound)> = Vec::new();
    let mut widths = Vec::new();
    for &at in &piece.nodes {
        let node = &model.nodes[at];
        match &node.kind {
            NodeKind::Param { values, .. } if !piece::is_constant(model, at, weights) => {
                match groups.iter_mut().find(|(_, b)| *b == node.bound) {
                    Some((n, _)) => *n += values.len(),
                    None => groups.push((values.len(), node.bound)),
                }
            }
            NodeKind::Input {
                visibility: Visibility::Hashed,
            } => widths.extend(crate::commit::widths(&[(node.len(), node.bound)])),
            _ => {}
        }
    }
    widths.extend(crate::commit::widths(&groups));
    widths
}

/// Sets output node `o`'s public wires to its values, packed as the model
/// says, and constrains each to them.
fn enforce_outputs(
    cs: &mut Builder,
    model: &Model,
    o: usize,
    wires: &[Wire],
    values: &[Sig],
) -> Result<(), GraphError> {
    let node = &model.nodes[o];
    let name = format!("out/{}", node.name);
    let fail = GraphError::op(&node.name);
    let per = per_public(model, o)?;
    let lo = if model.pack_outputs { node.bound.lo } else { 0 };
    let shift = Fr::from(2u64).pow([Packing::new(node.bound).map_err(&fail)?.width as u64]);
    for (i, (&wire, chunk)) in wires.iter().zip(values.chunks(per)).enumerate() {
        // Element i of the chunk, offset to unsigned, times 2^(width i).
        let offsets = (chunk.iter())
            .map(|s| s.sub(&Sig::constant(lo)).and_then(|d| d.to_field()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(&fail)?;
        let packed = pack(&offsets, shift).map_err(&fail)?;
        cs.set_value(wire, packed.val);
        let public = Sig {
            lc: Lc::<Fr>::wire(wire),
            val: packed.val,
        };
        cs.enforce(&name, &[i as i128], Quad::<Fr>::lin(public), Quad::<Fr>::lin(packed))
            .map_err(&fail)?;
    }
    Ok(())
}

/// The group of committed weights with this bound, made on first use:
/// weights are committed grouped by bound, groups in order of first
/// appearance, each in node order (see [`weight_commitment`]).
fn group<T>(groups: &mut Vec<(Bound, Vec<T>)>, bound: Bound) -> &mut Vec<T> {
    let at = match groups.iter().position(|(b, _)| *b == bound) {
        Some(at) => at,
        None => {
            groups.push((bound, Vec::new()));
            groups.len() - 1
        }
    };
    &mut groups[at].1
}

/// The commitment a proof with committed weights carries for this model:
/// [`commitment_groups`] over the weights grouped by declared bound (groups
/// in order of first appearance, each the concatenation of its parameter
/// tensors in evaluation order).
pub fn weight_commitment(model: &Model) -> Result<Fr, GraphError> {
    let mut groups: Vec<(Bound, Vec<i64>)> = Vec::new();
    for node in &model.nodes {
        if let (NodeKind::Param { values, .. }, false) = (&node.kind, node.kind.is_fixed_param()) {
            group(&mut groups, node.bound).extend_from_slice(values);
        }
    }
    let groups: Vec<(&[i64], Bound)> = groups.iter().map(|(b, v)| (v.as_slice(), *b)).collect();
    commitment_groups(&groups).map_err(GraphError::op("commitment"))
}

/// Output values per public value: one, or as many as packing fits.
fn per_public(model: &Model, o: usize) -> Result<usize, GraphError> {
    if !model.pack_outputs {
        return Ok(1);
    }
    let node = &model.nodes[o];
    Packing::new(node.bound)
        .map(|p| p.per_element)
        .map_err(GraphError::op(&node.name))
}

/// How many public values output node `o` takes.
fn public_count(model: &Model, o: usize) -> Result<usize, GraphError> {
    Ok(model.nodes[o].len().div_ceil(per_public(model, o)?))
}

/// The model's outputs from a proof's public values (which start with
/// them), undoing the packing of a model with `pack_outputs`: value `i` of
/// a public value is bits `[w i, w (i + 1))` plus the output's lower bound,
/// `w = max(1, bits(hi - lo))` as in [`Packing`].
pub fn unpack_outputs(model: &Model, public: &[Fr]) -> Result<Vec<Vec<i64>>, GraphError> {
    let mut at = 0;
    let mut outputs = Vec::with_capacity(model.outputs.len());
    for &o in &model.outputs {
        let node = &model.nodes[o];
        let per = per_public(model, o)?;
        let count = public_count(model, o)?;
        let values = public
            .get(at..at + count)
            .ok_or_else(|| GraphError::Format(format!("{} public values are too few for the outputs", public.len())))?;
        at += count;
        let width = Packing::new(node.bound).map_err(GraphError::op(&node.name))?.width;
        let mut out = Vec::with_capacity(node.len());
        for v in values {
            if !model.pack_outputs {
                let x = crate::field::i128_from_fr(v).filter(|&x| node.bound.contains(x));
                out.push(x.ok_or_else(|| GraphError::node(&node.name, "a public output is outside its bound"))? as i64);
                continue;
            }
            let bits = v.into_bigint().to_bits_le();
            for i in 0..per {
                if out.len() == node.len() {
                    break;
                }
                let u = (0..width as usize).fold(0i128, |acc, b| acc | ((bits[i * width as usize + b] as i128) << b));
                out.push((u + node.bound.lo) as i64);
            }
        }
        outputs.push(out);
    }
    Ok(outputs)
}

/// Input wires `name[i]` holding `values`.
fn wire_values(cs: &mut Builder, name: &str, values: &[i64], public: bool) -> Vec<Sig> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| cs.input(name, &[i as i128], v as i128, public))
        .collect()
}

/// Proves each value within `bound` where it enters the circuit.
fn enforce_in_bound(cs: &mut Builder, values: &[Sig], bound: Bound) -> Result<Vec<Sig>, OpError> {
    let gadget = InRange {
        lo: bound.lo as i64,
        hi: bound.hi as i64,
    };
    gadget.check()?;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            cs.enter("in_range", &[i as i128]);
            let r = gadget
                .synthesize(cs, &[std::slice::from_ref(v)])
                .map(|mut o| o.remove(0).remove(0));
            cs.leave();
            r
        })
        .collect()
}
