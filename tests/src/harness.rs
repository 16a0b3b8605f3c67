//! The checks every operator goes through: the reference and the circuit
//! agree, the system is satisfied, and a cheating prover is caught.

use section9::field::Fr;
use section9::r1cs::{check_determinism, Builder, Sig, Value, Wire, WireKind};
use section9::{wire_inputs, Elem, OpError, Role, ZkOp};

/// A synthesized operator with its inputs as wires (or constants), in
/// either value domain.
pub struct Run<V: Value = i128> {
    pub cs: Builder,
    pub outputs: Vec<Vec<Sig<V>>>,
}

impl<V: Value> Run<V> {
    /// The outputs' values in the witness, as field elements.
    pub fn output_values(&self) -> Vec<Vec<Fr>> {
        self.outputs
            .iter()
            .map(|t| t.iter().map(|s| self.cs.eval(&s.lc)).collect())
            .collect()
    }

    /// Every wire an output depends on directly.
    pub fn output_wires(&self) -> Vec<Wire> {
        let mut w: Vec<Wire> = self
            .outputs
            .iter()
            .flatten()
            .flat_map(|s| s.lc.terms.iter().map(|&(w, _)| w))
            .collect();
        w.sort_unstable();
        w.dedup();
        w
    }
}

/// How a cheating prover changes an honest value.
pub type Tamper = fn(i128) -> i128;

pub type Forgery = (String, Tamper);

/// Synthesizes `op` in a named builder; `constant[k]` makes input `k` a
/// circuit constant. Forged hints are applied as the builder meets them.
pub fn synthesize<O: ZkOp>(
    op: &O,
    inputs: &[Vec<Elem<O>>],
    constant: &[bool],
    forgeries: &[Forgery],
) -> Result<Run<O::Value>, OpError> {
    let mut cs = Builder::with_names();
    for (path, f) in forgeries {
        cs.forge(path.clone(), *f);
    }
    let roles: Vec<Role> = (0..inputs.len())
        .map(|k| {
            if constant.get(k).copied().unwrap_or(false) {
                Role::Constant
            } else {
                Role::Private
            }
        })
        .collect();
    let sigs = wire_inputs(&mut cs, O::INPUTS, inputs, &roles);
    let refs: Vec<&[Sig<O::Value>]> = sigs.iter().map(Vec::as_slice).collect();
    let outputs = op.synthesize(&mut cs, &refs)?;
    Ok(Run { cs, outputs })
}

pub fn reference<O: ZkOp>(op: &O, inputs: &[Vec<Elem<O>>]) -> Result<Vec<Vec<Elem<O>>>, OpError> {
    let refs: Vec<&[Elem<O>]> = inputs.iter().map(Vec::as_slice).collect();
    op.reference(&refs)
}

/// The reference and the circuit give the same outputs, bit for bit in
/// the field, and the witness satisfies every constraint.
pub fn check_agreement<O: ZkOp>(op: &O, inputs: &[Vec<Elem<O>>], constant: &[bool]) -> Result<Run<O::Value>, String> {
    op.check().map_err(|e| e.to_string())?;
    let expected = reference(op, inputs).map_err(|e| format!("reference: {e}"))?;
    let run = synthesize(op, inputs, constant, &[]).map_err(|e| format!("synthesis: {e}"))?;
    let got = run.output_values();
    let want: Vec<Vec<Fr>> = expected
        .iter()
        .map(|t| t.iter().map(|&v| O::Value::elem_to_fr(v)).collect())
        .collect();
    if got != want {
        return Err(format!(
            "{}: circuit outputs differ from the reference {expected:?} for inputs {inputs:?}",
            O::NAME
        ));
    }
    if let Some(row) = run.cs.which_unsatisfied() {
        return Err(format!(
            "{}: honest witness violates `{row}` for inputs {inputs:?}",
            O::NAME
        ));
    }
    let bounds = op.output_bounds().map_err(|e| e.to_string())?;
    for (t, (vals, b)) in expected.iter().zip(&bounds).enumerate() {
        if let Some(v) = vals.iter().find(|&&v| !O::Value::within(b, v)) {
            return Err(format!(
                "{}: output {t} value {v:?} outside its declared bound {b}",
                O::NAME
            ));
        }
    }
    Ok(run)
}

/// What the cheating prover tried and which constraint stopped it.
#[derive(Debug)]
pub struct Rejection {
    pub forged: String,
    pub failed: String,
}

const FORGERIES: &[(&str, Tamper)] = &[
    ("+1", |v| v + 1),
    ("-1", |v| v - 1),
    ("flipped", |v| 1 - v),
    ("negated", |v| -v),
];

/// Replaces each hint in turn by each forged value, recomputing every later
/// hint from it as a cheating prover would. The system must then be
/// unsatisfied, or the outputs unchanged (a hint that does not matter, like
/// the inverse of zero).
pub fn check_hint_forgeries<O: ZkOp>(
    op: &O,
    inputs: &[Vec<Elem<O>>],
    constant: &[bool],
) -> Result<Vec<Rejection>, String> {
    let honest = synthesize(op, inputs, constant, &[]).map_err(|e| e.to_string())?;
    let want = honest.output_values();
    let paths: Vec<String> = honest.cs.hints().iter().map(|&w| honest.cs.wire_name(w)).collect();
    let mut rejections = Vec::new();
    for path in &paths {
        for (label, f) in FORGERIES {
            let forged = synthesize(op, inputs, constant, &[(path.clone(), *f)]);
            let Ok(run) = forged else { continue };
            match run.cs.which_unsatisfied() {
                Some(row) => rejections.push(Rejection {
                    forged: format!("{path} {label}"),
                    failed: row,
                }),
                None if run.output_values() != want => {
                    return Err(format!(
                        "{}: forging `{path}` ({label}) changes the outputs and satisfies every constraint, inputs {inputs:?}",
                        O::NAME
                    ))
                }
                None => {}
            }
        }
    }
    Ok(rejections)
}

/// Changes each output's value in the witness: every change must break a
/// constraint. Outputs that are combinations of inputs alone are wiring and
/// have no value of their own to change.
pub fn check_output_forgeries<O: ZkOp>(
    op: &O,
    inputs: &[Vec<Elem<O>>],
    constant: &[bool],
) -> Result<Vec<Rejection>, String> {
    let honest = synthesize(op, inputs, constant, &[]).map_err(|e| e.to_string())?;
    let mut rejections = Vec::new();
    for (t, tensor) in honest.outputs.iter().enumerate() {
        for (i, s) in tensor.iter().enumerate() {
            let own =
                s.lc.terms
                    .iter()
                    .map(|&(w, _)| w)
                    .find(|&w| !matches!(honest.cs.kind(w), WireKind::Input { .. }));
            let Some(w) = own else { continue };
            let mut cs = synthesize(op, inputs, constant, &[]).map_err(|e| e.to_string())?.cs;
            let v = cs.value(w);
            cs.set_value(w, v + Fr::from(1u64));
            match cs.which_unsatisfied() {
                Some(row) => rejections.push(Rejection {
                    forged: format!("output {}[{i}] via {}", O::OUTPUTS[t], cs.wire_name(w)),
                    failed: row,
                }),
                None => {
                    return Err(format!(
                        "{}: output {}[{i}] changed and every constraint still holds",
                        O::NAME,
                        O::OUTPUTS[t]
                    ))
                }
            }
        }
    }
    Ok(rejections)
}

/// The determinism checker proves every output fixed by the inputs.
pub fn check_determined<V: Value>(op_name: &str, run: &Run<V>) -> Result<(), String> {
    let report = check_determinism(&run.cs, &run.output_wires());
    if report.is_ok() {
        Ok(())
    } else {
        Err(format!("{op_name}: {}", report.describe(&run.cs)))
    }
}

/// Agreement, outputs proven determined, then every hint and every output
/// forged. An instance with a hint or an output of its own (not wiring of
/// its inputs) must see at least one forgery rejected: otherwise every
/// forged synthesis failed before its constraints were looked at, and the
/// check would have checked nothing.
pub fn check_all<O: ZkOp>(op: &O, inputs: &[Vec<Elem<O>>], constant: &[bool]) -> Result<(), String> {
    let run = check_agreement(op, inputs, constant)?;
    check_determined(O::NAME, &run)?;
    let hints = check_hint_forgeries(op, inputs, constant)?;
    let outputs = check_output_forgeries(op, inputs, constant)?;
    let own_output = run
        .outputs
        .iter()
        .flatten()
        .flat_map(|s| &s.lc.terms)
        .any(|&(w, _)| !matches!(run.cs.kind(w), WireKind::Input { .. }));
    let forgeable = !run.cs.hints().is_empty() || own_output;
    if forgeable && hints.is_empty() && outputs.is_empty() {
        return Err(format!(
            "{}: no forgery was tried against a constraint (inputs {inputs:?}): the check checked nothing",
            O::NAME
        ));
    }
    Ok(())
}

/// The largest magnitude of precision `p`.
pub fn max_of(p: u32) -> i64 {
    ((1i128 << (p - 1)) - 1) as i64
}
