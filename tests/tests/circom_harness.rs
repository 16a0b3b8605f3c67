//! The circom harness against the real compiler, on a hand-written circuit
//! that exercises what generated templates rely on.

use section9_tests::circom::{compile, compile_and_run, field_decimal, BN254_R};

/// Hints with `\` and `%`, an array template parameter with a negative entry,
/// a `var` accumulator turned into one linear constraint, and a 2-D signal
/// array left mostly unassigned.
const TINY: &str = r#"
pragma circom 2.0.0;

template Tiny(n, w) {
    signal input x[n];
    signal input a;
    signal output q;
    signal output rem;
    signal output y;
    signal output sq[n];
    signal output floor4;
    signal spare[n][2];

    // Signed floor division: `\` alone works on the representative in [0, r).
    q <-- a < 0 ? -((-a + 3) \ 4) : a \ 4;
    rem <-- a - q * 4;
    a === q * 4 + rem;

    floor4 <-- a \ 4;

    var acc = 0;
    for (var i = 0; i < n; i++) {
        acc += x[i] * w[i];
        sq[i] <== x[i] * x[i];
    }
    y <== acc;

    spare[0][0] <== a;
}

component main {public [a]} = Tiny(2, [3, -4]);
"#;

#[test]
fn tiny_circuit_counts_and_values() {
    let run = compile_and_run(TINY, "tiny", r#"{"x": ["-5", "7"], "a": "-13"}"#).unwrap();

    // sq[0], sq[1] are non-linear; the === check, y <== acc and spare are linear.
    assert_eq!((run.nonlinear, run.linear), (2, 3));
    assert_eq!(run.constraints, 5);
    // one, 6 outputs, a, x[2], spare[2][2].
    assert_eq!(run.wires, 1 + 6 + 1 + 2 + 4);

    let names: Vec<&str> = run.outputs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "main.q",
            "main.rem",
            "main.y",
            "main.sq[0]",
            "main.sq[1]",
            "main.floor4"
        ]
    );

    // -13 = 4 * -4 + 3
    assert_eq!(run.output("q"), Some(field_decimal(-4).as_str()));
    assert_eq!(run.output("main.rem"), Some("3"));
    // 3 * -5 + -4 * 7
    assert_eq!(run.output("y"), Some(field_decimal(-43).as_str()));
    assert_eq!(run.output("sq[0]"), Some("25"));
    assert_eq!(run.output("sq[1]"), Some("49"));
    // (r - 13) \ 4, unsigned: r - 13 = 4 * ((r - 13) / 4) exactly for BN254.
    let r: num_bigint::BigUint = BN254_R.parse().unwrap();
    let unsigned = (r.clone() - 13u32) / 4u32;
    assert_eq!(run.output("floor4"), Some(unsigned.to_string().as_str()));

    // Negative inputs come back as r - |x|.
    let minus_five = (r - 5u32).to_string();
    assert_eq!(run.signal("x[0]"), Some(minus_five.as_str()));
    assert_eq!(run.signal("main.a"), Some(field_decimal(-13).as_str()));

    // Unassigned entries compile and read as zero.
    assert_eq!(run.signal("spare[0][0]"), Some(field_decimal(-13).as_str()));
    assert_eq!(run.signal("spare[1][1]"), Some("0"));
}

#[test]
fn one_compile_serves_many_witnesses() {
    let c = compile(TINY, "tiny").unwrap();
    for a in [-9i128, -1, 0, 5, 12] {
        let run = c.run(&format!(r#"{{"x": [1, 2], "a": "{a}"}}"#)).unwrap();
        assert_eq!(run.output("q"), Some(field_decimal(a.div_euclid(4)).as_str()));
        assert_eq!(run.output("rem"), Some(field_decimal(a.rem_euclid(4)).as_str()));
        assert_eq!(run.output("y"), Some(field_decimal(3 - 8).as_str()));
    }
}

#[test]
fn errors_name_the_failure() {
    let err = compile_and_run(
        "pragma circom 2.0.0;\ntemplate B(n) { signal input x[n]; for (var i = 0; i < n; i++) { signal t; t <== x[i]; } }\ncomponent main = B(2);\n",
        "bad",
        "{}",
    )
    .unwrap_err();
    assert!(err.contains("circom2 failed to compile bad.circom"), "{err}");
    assert!(err.contains("T2011"), "{err}");

    let err = compile_and_run(
        "pragma circom 2.0.0;\ntemplate C() { signal input a; signal output y; y <-- a + 1; y === a * 2; }\ncomponent main = C();\n",
        "assert_fails",
        r#"{"a": "2"}"#,
    )
    .unwrap_err();
    assert!(err.contains("witness generation for assert_fails failed"), "{err}");
    assert!(err.contains("Assert Failed"), "{err}");

    assert!(compile_and_run("", "../x", "{}").is_err());
}
