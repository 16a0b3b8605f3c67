//! The real circom compiler (npm `circom2`, pinned in `tools/`) compiles the
//! template of every operator in the catalogue; its witness calculator
//! gives the reference engine's outputs on seeded inputs, and its count of
//! non-linear constraints equals the builder's.

use section9::catalogue::examples;
use section9::export::circom::literal;
use section9::field::{fr_from_i128, fr_to_decimal};
use section9::r1cs::{Builder, Sig};
use section9::{seeded_inputs, wire_inputs, DynOp, Role};
use section9_tests::circom::compile;

fn nonlinear(op: &dyn DynOp, inputs: &[Vec<i64>], roles: &[Role]) -> usize {
    let mut cs = Builder::new();
    let sigs = wire_inputs(&mut cs, op.input_names(), inputs, roles);
    let refs: Vec<&[Sig]> = sigs.iter().map(Vec::as_slice).collect();
    op.synthesize(&mut cs, &refs).unwrap();
    cs.num_nonlinear()
}

#[test]
fn every_operator_compiles_and_agrees_with_the_reference() {
    for (seed, ex) in examples().unwrap().iter().enumerate() {
        let op = ex.op.as_ref();
        let shapes = op.input_shapes().unwrap();
        let constant: Vec<bool> = (0..shapes.len())
            .map(|k| ex.constant.get(k).copied().unwrap_or(false))
            .collect();
        let template = op.circom_template(&constant);
        let mut args: Vec<String> = op.params().iter().map(i128::to_string).collect();
        let draw = |round: u64| seeded_inputs(op, 0x5ec7_1049 + 16 * seed as u64 + round).unwrap();
        let fixed = draw(0);
        for (k, c) in constant.iter().enumerate() {
            if *c {
                args.push(literal(&fixed[k], &shapes[k]));
            }
        }
        let source = format!(
            "{}\ncomponent main = {}({});\n",
            section9::circom::library(std::slice::from_ref(&template)),
            template.name,
            args.join(", ")
        );
        let compiled = compile(&source, op.name()).unwrap_or_else(|e| panic!("{}: {e}\n{source}", op.name()));
        assert_eq!(
            compiled.nonlinear,
            nonlinear(op, &fixed, &ex.roles()),
            "{} ({}): circom's non-linear constraints differ from the builder's",
            op.name(),
            ex.instance
        );
        for round in 0..3 {
            let mut inputs = draw(1 + round);
            for (k, c) in constant.iter().enumerate() {
                if *c {
                    inputs[k] = fixed[k].clone();
                }
            }
            let fields: Vec<String> = op
                .input_names()
                .iter()
                .enumerate()
                .filter(|(k, _)| !constant[*k])
                .map(|(k, n)| format!("\"{n}\": {}", literal(&inputs[k], &shapes[k])))
                .collect();
            let run = compiled.run(&format!("{{{}}}", fields.join(", "))).unwrap();
            let refs: Vec<&[i64]> = inputs.iter().map(Vec::as_slice).collect();
            let want: Vec<String> = op
                .reference(&refs)
                .unwrap()
                .into_iter()
                .flatten()
                .map(|v| fr_to_decimal(&fr_from_i128(v as i128)))
                .collect();
            let got: Vec<String> = run.outputs.iter().map(|(_, v)| v.clone()).collect();
            assert_eq!(
                got,
                want,
                "{} ({}), round {round}, inputs {inputs:?}",
                op.name(),
                ex.instance
            );
        }
    }
}

/// Circom ranks comparisons and bit operators differently from Rust; a
/// hint mixing them must compute the same in both. (The hint is pinned only
/// to be a bit: this checks the text, not soundness.)
#[section9::zk_op]
fn precedence_probe(#[input(prec = 8)] a: Scalar, #[input(prec = 8)] b: Scalar, #[output(range = [0, 7])] y: Scalar) {
    let same = hint!(if (a < 0) == (b < 0) { 1 } else { 0 });
    let mixed = hint!((a < b) == (b < 0) || (a + 1 < b) == (a > 0));
    let nested = hint!(if a < b { 1 } else { 0 } == (a - b < 0));
    enforce!(same * (same - 1) == 0);
    enforce!(mixed * (mixed - 1) == 0);
    enforce!(nested * (nested - 1) == 0);
    y = same + 2 * mixed + 4 * nested;
}

#[test]
fn comparisons_and_equality_group_as_in_rust() {
    use section9::ZkOp;
    let t = PrecedenceProbe::circom_template(&[]);
    let source = format!(
        "{}\ncomponent main = {}();\n",
        section9::circom::library(std::slice::from_ref(&t)),
        t.name
    );
    let compiled = compile(&source, "precedence").unwrap_or_else(|e| panic!("{e}\n{source}"));
    for (a, b) in [(-3, 5), (3, -5), (-3, -5), (3, 5), (0, 0), (7, 7), (-1, 0)] {
        let run = compiled.run(&format!("{{\"a\": {a}, \"b\": {b}}}")).unwrap();
        let want = PrecedenceProbe {}.reference(&[&[a], &[b]]).unwrap()[0][0];
        assert_eq!(run.outputs[0].1, want.to_string(), "a = {a}, b = {b}\n{}", t.text);
    }
}

/// Poseidon, a field operator, compiled by real circom for a few widths:
/// circom's witness gives circomlib's published hash and the reference's
/// on other inputs, and its non-linear constraints equal the builder's.
#[test]
fn poseidon_compiles_and_agrees_with_the_reference() {
    use section9::field::Fr;
    use section9::poseidon::{hash, Poseidon};
    use section9::ZkOp;
    let t = Poseidon::circom_template(&[]);
    for n in [1usize, 2, 5, 16] {
        let source = format!(
            "{}\ncomponent main = {}({n});\n",
            section9::circom::library(std::slice::from_ref(&t)),
            t.name
        );
        let compiled = compile(&source, "poseidon").unwrap_or_else(|e| panic!("n = {n}: {e}"));
        let op = Poseidon { n };
        assert_eq!(compiled.nonlinear, op.constraint_count(&[]).unwrap(), "n = {n}");
        for round in 0..2u64 {
            let inputs: Vec<Fr> = (0..n as u64)
                .map(|i| Fr::from(1 + i + round * 1_000_003u64.pow(3)))
                .collect();
            let json: Vec<String> = inputs.iter().map(|x| format!("\"{}\"", fr_to_decimal(x))).collect();
            let run = compiled.run(&format!("{{\"inputs\": [{}]}}", json.join(", "))).unwrap();
            assert_eq!(
                run.outputs[0].1,
                fr_to_decimal(&hash(&inputs)),
                "n = {n}, round {round}"
            );
        }
        if n == 2 {
            let run = compiled.run("{\"inputs\": [\"1\", \"2\"]}").unwrap();
            assert_eq!(
                run.outputs[0].1,
                "7853200120776062878684798364095072458815029376092732009249414926327459813530"
            );
            assert_eq!(compiled.nonlinear, 240);
        }
    }
}
