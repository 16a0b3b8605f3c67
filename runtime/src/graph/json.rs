//! Reading the JSON graph strictly, and saying where it went wrong.
//!
//! serde refuses a repeated field of a struct but lets a map keep the
//! last of two equal keys; a model file with `"s": 1, "s": 40` would then
//! mean whatever the parser kept. Attribute maps refuse repeats too. An
//! error deep inside a node (an attribute of the wrong type) is reported
//! by serde with a line and column only; [`explain`] finds the node.

use super::error::GraphError;
use super::file::NodeSpec;
use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// A map that refuses a key it has already seen.
pub fn unique_keys<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for Unique<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of attributes")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, V>()? {
                if out.contains_key(&k) {
                    return Err(A::Error::custom(format!("attribute `{k}` is given more than once")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(PhantomData))
}

/// The error for a model file serde refused, naming the node at fault
/// when the file is valid JSON and one node is what does not read.
pub fn explain(text: &str, e: serde_json::Error) -> GraphError {
    let whole = GraphError::Json(e.to_string());
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return whole;
    };
    let Some(nodes) = value.get("nodes").and_then(|n| n.as_array()) else {
        return whole;
    };
    for node in nodes {
        if let Err(why) = NodeSpec::deserialize(node) {
            let name = node.get("name").and_then(|n| n.as_str());
            return match name {
                Some(name) => GraphError::node(name, format!("{why} (line {}, column {})", e.line(), e.column())),
                None => whole,
            };
        }
    }
    whole
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(attrs: &str) -> String {
        format!(r#"{{"name": "q", "op": "requant", "inputs": ["x"], "attrs": {attrs}}}"#)
    }

    #[test]
    fn a_repeated_attribute_is_refused() {
        let e = serde_json::from_str::<NodeSpec>(&node(r#"{"s": 1, "s": 40}"#)).unwrap_err();
        assert!(e.to_string().contains("attribute `s` is given more than once"), "{e}");
        serde_json::from_str::<NodeSpec>(&node(r#"{"s": 1, "p": 8}"#)).unwrap();
    }

    #[test]
    fn a_bad_attribute_names_its_node() {
        let text = format!(r#"{{"nodes": [{}]}}"#, node(r#"{"s": "ten"}"#));
        let e = serde_json::from_str::<serde_json::Value>("[").unwrap_err();
        let err = explain(&text, e).to_string();
        assert!(err.starts_with("node `q`:"), "{err}");
    }
}
