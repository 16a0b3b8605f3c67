//! The generated artefacts of every operator: its circom template for fixed
//! attributes and the cost table, pinned by snapshots.

use section9::catalogue::{examples, field_markdown, markdown};
use section9::circom::CircomTemplate;

fn names(t: &CircomTemplate, out: &mut Vec<String>) {
    out.push(t.name.clone());
    t.deps.iter().for_each(|d| names(d, out));
}

#[test]
fn circom_templates() {
    for ex in examples().unwrap() {
        let t = ex.op.circom_template(&ex.constant);
        let mut used = Vec::new();
        names(&t, &mut used);
        let params: Vec<String> = ex.op.params().iter().map(i128::to_string).collect();
        let text = format!(
            "// {}: {}\n// uses {}\n// instance {}({})\n{}",
            ex.op.name(),
            ex.instance,
            used.join(", "),
            t.name,
            params.join(", "),
            t.text
        );
        // Named by operator and instance, so a new row renames nothing.
        let slug: String = ex
            .instance
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        insta::assert_snapshot!(format!("{}__{}", ex.op.name(), slug), text);
    }
}

#[test]
fn cost_table_is_current() {
    let table = markdown().unwrap();
    insta::assert_snapshot!("cost_table", table);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/costs.md");
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        doc.contains(&table),
        "docs/costs.md is out of date: run `cargo xtask costs`"
    );
}

#[test]
fn field_cost_table_is_current() {
    let table = field_markdown().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/costs.md");
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        doc.contains(&table),
        "docs/costs.md is out of date: run `cargo xtask costs`"
    );
}
