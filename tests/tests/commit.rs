//! The weight commitment: native and circuit agree, every value is bound,
//! the public commitment is proven determined by the values, and a forged
//! commitment, limb or internal value is rejected.

use proptest::prelude::*;
use section9::commit::{
    commitment, commitment_groups, enforce_commitment, enforce_commitment_groups, input_bits, Entry, Packing,
};
use section9::field::Fr;
use section9::r1cs::{check_determinism_from, Builder, Sig, Wire, WireKind};
use section9::{Bound, OpError};
use section9_tests::harness::Tamper;

struct Committed {
    cs: Builder,
    values: Vec<Wire>,
    public: Wire,
    value: Fr,
}

fn commit_in_circuit(values: &[i64], bound: Bound, forgeries: &[(&str, Tamper)]) -> Result<Committed, OpError> {
    let mut cs = Builder::with_names();
    for (path, f) in forgeries {
        cs.forge(*path, *f);
    }
    let sigs: Vec<Sig> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| cs.input("w", &[i as i128], v as i128, false))
        .collect();
    let wires = sigs.iter().map(|s| s.lc.terms[0].0).collect();
    let value = enforce_commitment(&mut cs, "weights", &sigs, bound)?;
    let public = cs
        .kinds()
        .iter()
        .position(|k| *k == WireKind::Input { public: true })
        .expect("one public input") as Wire;
    Ok(Committed {
        cs,
        values: wires,
        public,
        value,
    })
}

fn int8() -> Bound {
    Bound::prec(8)
}

fn seeded(n: usize, seed: u64, bound: Bound) -> Vec<i64> {
    section9::op::seeded_values([(n, bound)], seed).remove(0)
}

#[test]
fn native_and_circuit_agree_and_the_commitment_is_public() {
    for (n, bound) in [
        (0, int8()),
        (1, int8()),
        (31, int8()),
        (40, int8()),
        (500, int8()),
        (10, Bound::range(0, 255)),
        (10, Bound::range(-5, 9)),
        (7, Bound::range(3, 3)),
    ] {
        let values = seeded(n, 7 + n as u64, bound);
        let native = commitment(&values, bound).unwrap();
        let c = commit_in_circuit(&values, bound, &[]).unwrap();
        assert_eq!(c.value, native, "n = {n}, bound {bound}");
        assert_eq!(c.cs.value(c.public), native);
        assert!(c.cs.is_satisfied(), "{:?}", c.cs.which_unsatisfied());
        let publics =
            c.cs.kinds()
                .iter()
                .filter(|k| **k == WireKind::Input { public: true })
                .count();
        assert_eq!(publics, 1);
        let report = check_determinism_from(&c.cs, &c.values, &[c.public]);
        assert!(report.is_ok(), "{}", report.describe(&c.cs));
    }
}

#[test]
fn changing_one_value_changes_the_commitment() {
    let values = seeded(100, 3, int8());
    let base = commitment(&values, int8()).unwrap();
    for i in [0, 30, 31, 99] {
        let mut other = values.clone();
        other[i] = if other[i] == 127 { 126 } else { other[i] + 1 };
        assert_ne!(commitment(&other, int8()).unwrap(), base, "value {i}");
        assert_ne!(commit_in_circuit(&other, int8(), &[]).unwrap().value, base);
    }
    // A trailing `lo` packs like nothing, but the header counts the values.
    let mut longer = values.clone();
    longer.push(-127);
    assert_ne!(commitment(&longer, int8()).unwrap(), base);
    // The bound is committed too.
    assert_ne!(commitment(&values, Bound::range(-128, 127)).unwrap(), base);
}

#[test]
fn values_outside_the_bound_are_refused() {
    assert!(matches!(
        commitment(&[0, 128], int8()),
        Err(OpError::OutOfBound { index: 1, .. })
    ));
    assert!(commit_in_circuit(&[-128], int8(), &[]).is_err());
}

/// Every wire the commitment allocates (bits, inverses, Poseidon's powers,
/// the public commitment) changed by one breaks a constraint.
#[test]
fn forged_wires_are_rejected() {
    let values = seeded(40, 11, int8());
    let honest = commit_in_circuit(&values, int8(), &[]).unwrap();
    let mut checked = 0;
    for w in 1..honest.cs.num_wires() as Wire {
        if honest.values.contains(&w) {
            continue;
        }
        let mut cs = commit_in_circuit(&values, int8(), &[]).unwrap().cs;
        let v = cs.value(w);
        cs.set_value(w, v + Fr::from(1u64));
        assert!(
            cs.which_unsatisfied().is_some(),
            "changing {} keeps every constraint",
            cs.wire_name(w)
        );
        checked += 1;
    }
    assert!(checked > 40 * 9);
}

/// A cheating prover that shifts a value's bits (a limb) to pack another
/// value is caught where the bits must sum to the value.
#[test]
fn forged_limbs_are_rejected() {
    let values = vec![5i64; 3];
    for path in [
        "weights/group[0]/range[1]/above/bi[0]",
        "weights/group[0]/range[2]/above/bi[7]",
    ] {
        let c = commit_in_circuit(&values, int8(), &[(path, |v| 1 - v)]).unwrap();
        assert!(c.cs.which_unsatisfied().is_some(), "forging {path} goes unnoticed");
    }
}

#[test]
fn int8_packs_31_per_element() {
    let p = Packing::new(int8()).unwrap();
    assert_eq!((p.width, p.per_element), (8, 31));
    let p = Packing::new(Bound::range(0, 1)).unwrap();
    assert_eq!((p.width, p.per_element), (1, 253));
}

/// Constraints per int8 weight: 8 bits, their sum, the excluded 128, and
/// the hashing.
#[test]
fn constraints_per_weight() {
    let n = 465 * 4;
    let values = seeded(n, 5, int8());
    let c = commit_in_circuit(&values, int8(), &[]).unwrap();
    let total = c.cs.num_constraints();
    // 10 per value, 4 groups of 15 elements at 609 (606 for the first,
    // whose chain input is the constant header), and the public wire.
    assert_eq!(total, 10 * n + 4 * 609 - 3 + 1);
    eprintln!(
        "{n} int8 weights: {total} constraints, {:.2} per weight",
        total as f64 / n as f64
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn native_equals_circuit(values in prop::collection::vec(-127i64..=127, 0..80)) {
        let c = commit_in_circuit(&values, int8(), &[]).unwrap();
        prop_assert_eq!(c.value, commitment(&values, int8()).unwrap());
        prop_assert!(c.cs.is_satisfied());
    }
}

/// Weights and biases of different bounds continue one chain, in the
/// circuit as natively; the grouping is part of what is committed.
#[test]
fn groups_of_different_bounds_commit_together() {
    let (w, b) = (seeded(70, 3, int8()), seeded(9, 4, Bound::prec(16)));
    let native = commitment_groups(&[(&w, int8()), (&b, Bound::prec(16))]).unwrap();
    let mut cs = Builder::new();
    let mut wire = |v: &[i64]| -> Vec<Sig> { v.iter().map(|&x| cs.input("v", &[], x as i128, false)).collect() };
    let (ws, bs) = (wire(&w), wire(&b));
    let value = enforce_commitment_groups(
        &mut cs,
        "weights",
        &[(&ws, int8()), (&bs, Bound::prec(16))],
        Entry::Check,
    )
    .unwrap();
    assert_eq!(value, native);
    assert!(cs.is_satisfied());
    assert_eq!(
        commitment_groups(&[(&w, int8())]).unwrap(),
        commitment(&w, int8()).unwrap()
    );
    let all: Vec<i64> = w.iter().chain(&b).copied().collect();
    assert_ne!(commitment(&all, Bound::prec(16)).unwrap(), native);
    assert_ne!(
        commitment_groups(&[(&b, Bound::prec(16)), (&w, int8())]).unwrap(),
        native
    );
}

/// Values entered as their own bits (as a model's private weights are):
/// `input_bits`, then the commitment without a second range check.
fn commit_bits(values: &[i64], bound: Bound) -> Result<(Builder, Vec<Wire>, Fr), OpError> {
    let mut cs = Builder::with_names();
    let (sigs, bits) = input_bits(&mut cs, "w", values, bound)?;
    let value = enforce_commitment_groups(&mut cs, "weights", &[(&sigs, bound)], Entry::Proven)?;
    Ok((cs, bits, value))
}

/// The same commitment at one constraint fewer per value, determined by
/// the bits, and every other wire pinned.
#[test]
fn values_entered_as_bits_commit_alike_for_less() {
    for (n, bound) in [
        (0, int8()),
        (40, int8()),
        (500, int8()),
        (10, Bound::range(0, 255)),
        (10, Bound::range(-5, 9)),
        (7, Bound::range(3, 3)),
        (9, Bound::prec(16)),
    ] {
        let values = seeded(n, 3 + n as u64, bound);
        let (cs, bits, value) = commit_bits(&values, bound).unwrap();
        assert_eq!(value, commitment(&values, bound).unwrap(), "n = {n}, bound {bound}");
        assert!(cs.is_satisfied(), "{:?}", cs.which_unsatisfied());
        let public = cs
            .kinds()
            .iter()
            .position(|k| *k == WireKind::Input { public: true })
            .unwrap() as Wire;
        let report = check_determinism_from(&cs, &bits, &[public]);
        assert!(report.is_ok(), "{}", report.describe(&cs));
        let wired = commit_in_circuit(&values, bound, &[]).unwrap().cs.num_constraints();
        assert_eq!(cs.num_constraints() + n, wired, "n = {n}, bound {bound}");
        for w in (1..cs.num_wires() as Wire).filter(|w| !bits.contains(w)) {
            let (mut forged, _, _) = commit_bits(&values, bound).unwrap();
            let v = forged.value(w);
            forged.set_value(w, v + Fr::from(1u64));
            assert!(
                forged.which_unsatisfied().is_some(),
                "changing {} keeps every constraint",
                forged.wire_name(w)
            );
        }
    }
    assert!(matches!(
        input_bits(&mut Builder::new(), "w", &[0, 128], int8()),
        Err(OpError::OutOfBound { index: 1, .. })
    ));
}

/// Bits that are not boolean, or that spell a value above the bound (128
/// for int8: all eight set), break a constraint.
#[test]
fn bits_outside_the_bound_are_rejected() {
    let (cs, bits, _) = commit_bits(&[0, 5], int8()).unwrap();
    let mut two = commit_bits(&[0, 5], int8()).unwrap().0;
    two.set_value(bits[8], Fr::from(2u64));
    assert!(two.which_unsatisfied().is_some());
    let mut above = commit_bits(&[0, 5], int8()).unwrap().0;
    for &b in &bits[..8] {
        above.set_value(b, Fr::from(1u64));
    }
    assert!(above.which_unsatisfied().is_some());
    assert!(cs.is_satisfied());
}
