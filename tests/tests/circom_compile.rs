//! The real circom compiler (npm `circom2`, pinned in `tools/`) compiles the
//! template of every operator in the catalogue; its witness calculator
//! gives the reference engine's outputs on seeded inputs, and its count of
//! non-linear constraints equals the builder's.

use section9::catalogue::examples;
use section9::field::{fr_from_i128, fr_to_decimal};
use section9::r1cs::{Builder, Sig};
use section9::DynOp;
use section9_tests::circom::compile;

/// A small deterministic generator, so a failure reproduces.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn within(&mut self, lo: i128, hi: i128) -> i64 {
        let span = (hi - lo + 1) as u128;
        (lo + (self.next() as u128 % span) as i128) as i64
    }
}

/// Nested `[..]` text of a flat tensor: circom's array literal and JSON alike.
fn nested(values: &[i64], shape: &[usize]) -> String {
    match shape.split_first() {
        None => values.first().map(i64::to_string).unwrap_or_default(),
        Some((&n, rest)) => {
            let chunk = rest.iter().product::<usize>().max(1);
            let parts: Vec<String> = (0..n)
                .map(|i| nested(&values[i * chunk..(i + 1) * chunk], rest))
                .collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn nonlinear(op: &dyn DynOp, inputs: &[Vec<i64>], constant: &[bool]) -> usize {
    let mut cs = Builder::new();
    let sigs: Vec<Vec<Sig>> = inputs
        .iter()
        .enumerate()
        .map(|(t, v)| {
            v.iter()
                .map(|&x| {
                    if constant[t] {
                        Sig::constant(x as i128)
                    } else {
                        cs.input("x", &[], x as i128, false)
                    }
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[Sig]> = sigs.iter().map(Vec::as_slice).collect();
    op.synthesize(&mut cs, &refs).unwrap();
    cs.num_nonlinear()
}

#[test]
fn every_operator_compiles_and_agrees_with_the_reference() {
    let mut rng = Seeded(0x5ec7_1049);
    for ex in examples().unwrap() {
        let op = ex.op.as_ref();
        let shapes = op.input_shapes().unwrap();
        let bounds = op.input_bounds().unwrap();
        let constant: Vec<bool> = (0..shapes.len())
            .map(|k| ex.constant.get(k).copied().unwrap_or(false))
            .collect();
        let template = op.circom_template(&constant);
        let mut args: Vec<String> = op.params().iter().map(i128::to_string).collect();
        let draw = |rng: &mut Seeded| -> Vec<Vec<i64>> {
            shapes
                .iter()
                .zip(&bounds)
                .map(|(s, b)| {
                    (0..s.iter().product::<usize>())
                        .map(|_| rng.within(b.lo, b.hi))
                        .collect()
                })
                .collect()
        };
        let fixed = draw(&mut rng);
        for (k, c) in constant.iter().enumerate() {
            if *c {
                args.push(nested(&fixed[k], &shapes[k]));
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
            nonlinear(op, &fixed, &constant),
            "{} ({}): circom's non-linear constraints differ from the builder's",
            op.name(),
            ex.instance
        );
        for round in 0..3 {
            let mut inputs = draw(&mut rng);
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
                .map(|(k, n)| format!("\"{n}\": {}", nested(&inputs[k], &shapes[k])))
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
