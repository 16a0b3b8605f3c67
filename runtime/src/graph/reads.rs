//! How parameters are read: as structure or as weights, never both.
//!
//! A parameter read where an operator needs a circuit constant (the
//! indices of a `take`) is structural: it stays a constant of the circuit
//! even when weights are committed, and is left out of the commitment. If
//! the same tensor were also read as a value (by an operator's ordinary
//! input, or through a `reshape`), that second use would make weights
//! public constants of a circuit that claims to keep them private and
//! committed. So a structural parameter may be read at constant inputs
//! only.

use super::error::GraphError;
use super::model::{Node, NodeKind};

/// Refuses a structural parameter that some node reads as a value.
pub fn check_structural_reads(nodes: &[Node]) -> Result<(), GraphError> {
    for (p, param) in nodes.iter().enumerate() {
        if !matches!(
            param.kind,
            NodeKind::Param {
                structural: true,
                public: false,
                ..
            }
        ) {
            continue;
        }
        let structural_reader = nodes.iter().find(|n| reads_at(n, p, true));
        if let Some(value_reader) = nodes.iter().find(|n| reads_at(n, p, false)) {
            let by = structural_reader.map_or(String::new(), |n| format!(" by `{}`", n.name));
            return Err(GraphError::node(
                &param.name,
                format!(
                    "is read as a circuit constant{by} (indices, structure) and as a value by `{}` ({}); \
                     give each use its own `param` node, so the weights stay weights",
                    value_reader.name, value_reader.op
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `reader` reads node `p` at an input that is (`constant`) or is
/// not a circuit constant. Views pass their input on as a value.
fn reads_at(reader: &Node, p: usize, constant: bool) -> bool {
    let flags: &[bool] = match &reader.kind {
        NodeKind::Op(op) => op.constant_inputs(),
        _ => &[],
    };
    reader
        .inputs
        .iter()
        .enumerate()
        .any(|(k, &i)| i == p && flags.get(k).copied().unwrap_or(false) == constant)
}
