//! The verifier refuses what section9 refuses: changed inputs, tampered
//! proofs, proofs of other pictures or models, values outside the fields,
//! malformed calldata. Each test first shows the honest call accepted, so
//! a refusal is the contract's doing and not a broken harness.

use super::*;
use section9::evm::{P, R};
use section9::prove::verify;

#[test]
fn the_verifier_refuses_what_section9_refuses() {
    let model = packed_generator();
    let first = proved(&model, 1, None);
    let mut chain = Chain::new();
    let at = deploy_verifier(&mut chain, &first.keys);
    let public = first.public();

    let ok = verify_on_chain(&mut chain, at, &first.args());
    assert!(ok.returned_true(), "{ok:?}");
    assert!(verify(&first.keys.vk, &public, &first.proof).unwrap());

    // A changed public input (a pixel word).
    let mut forged = public.clone();
    forged[0] += Fr::from(1u64);
    assert!(!verify(&first.keys.vk, &forged, &first.proof).unwrap());
    let out = verify_on_chain(&mut chain, at, &CallArgs::new(&first.proof, &forged));
    assert!(refused(&out), "{out:?}");

    // A proof of another picture (another latent, same keys): valid for
    // its own inputs, refused for this picture's.
    let second = proved(&model, 2, Some(&first.keys));
    assert_ne!(second.public(), public);
    assert!(verify_on_chain(&mut chain, at, &second.args()).returned_true());
    assert!(!verify(&first.keys.vk, &public, &second.proof).unwrap());
    let swapped = CallArgs::new(&second.proof, &public);
    assert!(refused(&verify_on_chain(&mut chain, at, &swapped)));

    // The same model under another setup's keys.
    let resetup = proved(&model, 3, None);
    assert!(!verify(&first.keys.vk, &resetup.public(), &resetup.proof).unwrap());
    assert!(refused(&verify_on_chain(&mut chain, at, &resetup.args())));

    // Another model (one bias changed) with its own keys: same number of
    // public values, another commitment.
    let other = proved(&other_packed_generator(), 6, None);
    assert_eq!(other.public().len(), public.len());
    assert_ne!(other.public().last(), public.last());
    assert!(!verify(&first.keys.vk, &other.public(), &other.proof).unwrap());
    assert!(refused(&verify_on_chain(&mut chain, at, &other.args())));

    // With committed weights a model of the same shapes has the same
    // circuit, so the same keys prove it: its proof is valid for its own
    // public values, whose last one is its commitment. Only that value
    // tells the models apart (the minting contract checks it), and the
    // proof is refused for this model's values.
    let same_keys = proved(&other_packed_generator(), 6, Some(&first.keys));
    assert!(verify(&first.keys.vk, &same_keys.public(), &same_keys.proof).unwrap());
    assert!(verify_on_chain(&mut chain, at, &same_keys.args()).returned_true());
    let mixed = CallArgs::new(&same_keys.proof, &public);
    assert!(!verify(&first.keys.vk, &public, &same_keys.proof).unwrap());
    assert!(refused(&verify_on_chain(&mut chain, at, &mixed)));
}

#[test]
fn tampered_proofs_and_values_outside_the_fields_are_refused_not_reverted() {
    let p = proved(&packed_generator(), 4, None);
    let mut chain = Chain::new();
    let at = deploy_verifier(&mut chain, &p.keys);
    let honest = p.args();
    assert!(verify_on_chain(&mut chain, at, &honest).returned_true());

    let cases: [(&str, Tamper); 11] = [
        // On the curve, so only the pairing can catch it.
        ("A negated", |a| {
            a.a[1] = word(&(big(P) - BigUint::from_bytes_be(&a.a[1])))
        }),
        ("C replaced by A", |a| a.c = a.a),
        ("A at infinity", |a| a.a = [small(0), small(0)]),
        // Off the curve: the precompile fails, the verifier answers false.
        ("A off the curve", |a| a.a[1] = small(1)),
        ("B's halves in arkworks' order", |a| a.b = a.b.map(|[c1, c0]| [c0, c1])),
        // Equal modulo the field, but not canonical.
        ("A.x + p", |a| a.a[0] = plus(&a.a[0], P)),
        ("B.x.c1 + p", |a| a.b[0][0] = plus(&a.b[0][0], P)),
        ("C.y + p", |a| a.c[1] = plus(&a.c[1], P)),
        ("input[0] + r", |a| a.input[0] = plus(&a.input[0], R)),
        ("the commitment + r", |a| {
            let last = a.input.len() - 1;
            a.input[last] = plus(&a.input[last], R);
        }),
        ("input[1] = r", |a| a.input[1] = word(&big(R))),
    ];
    for (what, tamper) in cases {
        let mut args = honest.clone();
        tamper(&mut args);
        assert_ne!(args, honest, "{what}: nothing changed");
        let out = verify_on_chain(&mut chain, at, &args);
        assert!(refused(&out), "{what}: {out:?}");
    }
}

/// Calldata the ABI decoder cannot read reverts; it never verifies.
#[test]
fn malformed_calldata_does_not_verify() {
    let p = proved(&packed_generator(), 5, None);
    let mut chain = Chain::new();
    let at = deploy_verifier(&mut chain, &p.keys);
    let call = encode_verify_call("verifyProof", &p.args());
    assert!(chain.call(at, call.clone()).unwrap().returned_true());

    let mut one_input_more = p.args();
    one_input_more.input.push(small(1));
    let mut one_input_less = p.args();
    one_input_less.input.pop();
    let cases = [
        ("truncated by one byte", call[..call.len() - 1].to_vec()),
        ("the last input missing", call[..call.len() - 32].to_vec()),
        ("only the selector", call[..4].to_vec()),
        ("empty", Vec::new()),
        ("one input more", encode_verify_call("verifyProof", &one_input_more)),
        ("one input less", encode_verify_call("verifyProof", &one_input_less)),
        ("another function", encode_verify_call("verify", &p.args())),
    ];
    for (what, data) in cases {
        let out = chain.call(at, data).unwrap();
        assert!(!out.success, "{what}: {out:?}");
    }

    // Bytes after the last argument are ignored, as by any Solidity
    // function: the values verified are the proof's own.
    let mut trailing = call.clone();
    trailing.extend_from_slice(&[0xff; 32]);
    assert!(chain.call(at, trailing).unwrap().returned_true());
}

/// A change made to honest call arguments.
type Tamper = fn(&mut CallArgs);

fn big(decimal: &str) -> BigUint {
    BigUint::parse_bytes(decimal.as_bytes(), 10).unwrap()
}
