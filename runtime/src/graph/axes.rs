//! Shapes whose rank adaptation would silently change what an operator
//! does.
//!
//! An operator declared on `[outer, n, inner]` that works along `n`
//! (`argmax` reduces it, `take` selects along it) gets leading axes of
//! length 1 added to a tensor of lower rank. For a flat table `[n]` or
//! logits `[1, 10]` that puts the data on `inner` and leaves `n = 1`:
//! `take` then returns the whole table for every index and `argmax`
//! always answers 0. Both are almost certainly not what the model meant,
//! so the loader refuses them and names the shape that was meant.

use super::error::GraphError;

/// Operators that read their first input as `[outer, n, inner]` and work
/// along `n`, with what they do there.
const ALONG_MIDDLE: &[(&str, &str)] = &[
    ("argmax", "reduces"),
    ("take", "selects along"),
    ("take_constant", "selects along"),
    ("cvm_lut", "selects along"),
    ("take_private", "selects along"),
];

/// Refuses an input of `op` (`shape` in the model, `seen` as the operator
/// reads it) whose working axis has length 1 while other axes hold data.
pub fn check_middle_axis(node: &str, op: &str, input: &str, shape: &[usize], seen: &[usize]) -> Result<(), GraphError> {
    let Some((_, verb)) = ALONG_MIDDLE.iter().find(|(name, _)| *name == op) else {
        return Ok(());
    };
    let len: usize = shape.iter().product();
    if seen.len() != 3 || seen[1] != 1 || len == 1 {
        return Ok(());
    }
    Err(GraphError::node(
        node,
        format!(
            "`{op}` {verb} the middle axis of [outer, n, inner], and `{input}` of shape {shape:?} \
             is read as {seen:?}, a middle axis of length 1; reshape `{input}` so the axis meant \
             is the middle one ([1, {len}, 1] for {len} values)"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_table_or_row_of_logits_is_refused() {
        let e = check_middle_axis("t", "take", "table", &[10], &[1, 1, 10]).unwrap_err();
        assert!(e.to_string().contains("[1, 10, 1]"), "{e}");
        assert!(check_middle_axis("c", "argmax", "logits", &[1, 10], &[1, 1, 10]).is_err());
    }

    #[test]
    fn a_middle_axis_with_data_or_a_single_value_is_not() {
        assert!(check_middle_axis("c", "argmax", "x", &[1, 10, 1], &[1, 10, 1]).is_ok());
        assert!(check_middle_axis("t", "take", "rows", &[4, 2], &[1, 4, 2]).is_ok());
        assert!(check_middle_axis("t", "take", "one", &[1], &[1, 1, 1]).is_ok());
        assert!(check_middle_axis("r", "relu", "x", &[10], &[1, 1, 10]).is_ok());
    }
}
