//! Which names a model file may use.
//!
//! Names travel far beyond the model file: into `circuit.sym` (one wire a
//! line, fields split by commas), the `info` table, circom comments and
//! identifiers, and file names (`<model>.params`). A name with a newline,
//! a quote or a comma would break each of them in its own way, so names
//! keep to a set every one of those writers can take verbatim.

use super::error::GraphError;
use super::file::ModelFile;

/// The longest name: room for any layer path a real model uses.
pub const MAX_NAME: usize = 100;

/// Characters a node name may hold besides ASCII letters and digits: the
/// separators layer paths use (`conv1.w`, `block-2`, `onnx::Conv_3`).
const NODE_EXTRA: &[char] = &['_', '.', '-', ':'];

/// A model name also names files, so it takes no `:`.
const MODEL_EXTRA: &[char] = &['_', '.', '-'];

/// Why `name` is not a safe name, if it is not: it must start with a
/// letter, a digit or `_` and hold only those and `extra`.
fn unsafe_reason(name: &str, extra: &[char]) -> Option<String> {
    let set = extra.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" ");
    let Some(first) = name.chars().next() else {
        return Some("is empty".into());
    };
    if name.len() > MAX_NAME {
        return Some(format!("is longer than {MAX_NAME} characters"));
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Some(format!("{name:?} must start with an ASCII letter, a digit or `_`"));
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii_alphanumeric() && !extra.contains(c)) {
        return Some(format!(
            "{name:?} holds {c:?}; names take ASCII letters, digits and {set} only"
        ));
    }
    None
}

/// Refuses a model name, node name or one-line description that a writer
/// of the model's files could not take as it is.
pub fn check_names(file: &ModelFile) -> Result<(), GraphError> {
    if let Some(why) = unsafe_reason(&file.name, MODEL_EXTRA) {
        return Err(GraphError::Format(format!("model name {why}")));
    }
    if file.description.chars().any(char::is_control) {
        return Err(GraphError::Format(
            "the description holds a line break or another control character (it is one line of text)".into(),
        ));
    }
    for (k, node) in file.nodes.iter().enumerate() {
        if let Some(why) = unsafe_reason(&node.name, NODE_EXTRA) {
            return Err(GraphError::Format(format!("node {k}: the name {why}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_paths_are_safe() {
        for name in ["x", "fc1.w", "conv-2", "_t", "onnx::Conv_3", "A9"] {
            assert_eq!(unsafe_reason(name, NODE_EXTRA), None, "{name}");
        }
    }

    #[test]
    fn names_that_break_a_writer_are_not() {
        for name in ["", "a\nb", "a\"b", "a,b", "a b", "a/b", ".hidden", "-x", "é", "a\0"] {
            assert!(unsafe_reason(name, NODE_EXTRA).is_some(), "{name:?}");
        }
        assert!(unsafe_reason(&"a".repeat(MAX_NAME + 1), NODE_EXTRA).is_some());
        assert!(unsafe_reason("m:1", MODEL_EXTRA).is_some());
    }
}
