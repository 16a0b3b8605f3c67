//! The `.sym` text file: one line `label,wire,component,name` per wire, so
//! tools can name a wire. Names are the builder's (`w<N>` when it kept
//! none) under circom's `main.` prefix.

use super::CircuitLayout;
use crate::r1cs::Builder;
use std::fmt::Write;

pub fn sym_text(cs: &Builder) -> String {
    let order = CircuitLayout::new(cs);
    let mut out = String::new();
    for (i, &w) in order.wires().iter().enumerate().skip(1) {
        // Commas separate the fields; names keep everything else.
        let name = cs.wire_name(w).replace(',', ";");
        let _ = writeln!(out, "{i},{i},0,main.{name}");
    }
    out
}
