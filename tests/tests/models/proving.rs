//! Groth16 proofs of whole models: a proof verifies; the same proof with
//! one public value changed, or against another model's key, does not.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::compile::{circuit_digest, compile, weight_commitment, Compiled, Weights};
use section9::field::fr_from_i128;
use section9::graph::Model;
use section9::prove::{prove, public_inputs, setup, verify, Keys};
use section9::r1cs::Builder;
use section9_tests::models;

fn compiled(model: &Model, seed: u64, weights: Weights) -> Compiled {
    compile(model, &model.seeded_inputs(seed), weights, Builder::new()).unwrap()
}

fn keys(c: &Compiled, seed: u64) -> Keys {
    setup(&c.cs, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

#[test]
fn proofs_bind_model_input_and_output() {
    let fixture = section9_zoo::builtin("mlp-fixture").unwrap().unwrap();
    let cnn = models::load(&models::cnn());
    let mut rng = ChaCha20Rng::seed_from_u64(1);

    let c = compiled(&fixture, 4, Weights::Constant);
    let k = keys(&c, 2);
    let proof = prove(&c.cs, &k.pk, &mut rng).unwrap();
    let public = public_inputs(&c.cs);
    assert_eq!(public.len(), 10, "the fixture's ten outputs are its public values");
    assert!(verify(&k.vk, &public, &proof).unwrap());

    // Every public value is bound: change any one and the proof fails.
    for i in 0..public.len() {
        let mut forged = public.clone();
        forged[i] += fr_from_i128(1);
        assert!(
            !verify(&k.vk, &forged, &proof).unwrap(),
            "public value {i} is not bound"
        );
    }

    // Another input gives other outputs, and this proof does not cover them.
    let other = compiled(&fixture, 5, Weights::Constant);
    assert_ne!(other.outputs, c.outputs);
    assert!(!verify(&k.vk, &public_inputs(&other.cs), &proof).unwrap());

    // A key of another model of the same public size refuses the proof.
    let mut alt = section9_zoo::fixture::build();
    let w = alt.1.tensors.get_mut("fc2.w").unwrap();
    w[0] = if w[0] == 1 { 2 } else { 1 };
    alt.0.params.as_mut().unwrap().sha256 = alt.1.sha256_hex();
    let alt_model = models::load(&alt);
    let alt_c = compiled(&alt_model, 4, Weights::Constant);
    assert_eq!(alt_c.cs.num_constraints(), c.cs.num_constraints());
    let alt_keys = keys(&alt_c, 9);
    assert!(!verify(&alt_keys.vk, &public, &proof).unwrap());

    // With committed weights, the commitment is a public value: a proof
    // names which weights it used.
    let committed = compiled(&fixture, 4, Weights::Committed);
    let commitment = weight_commitment(&fixture).unwrap();
    assert_eq!(committed.commitment, Some(commitment));
    let ck = keys(&committed, 6);
    let cproof = prove(&committed.cs, &ck.pk, &mut rng).unwrap();
    let cpublic = public_inputs(&committed.cs);
    assert_eq!(cpublic.len(), 11);
    assert_eq!(cpublic[10], commitment, "outputs first, then the commitment");
    assert!(verify(&ck.vk, &cpublic, &cproof).unwrap());
    let mut other_weights = cpublic.clone();
    other_weights[10] = weight_commitment(&alt_model).unwrap();
    assert!(!verify(&ck.vk, &other_weights, &cproof).unwrap());
    // The committed circuit does not depend on the weights' values: one key
    // serves any weights of the same shapes, and the commitment tells them
    // apart.
    let alt_committed = compiled(&alt_model, 4, Weights::Committed);
    assert_eq!(circuit_digest(&alt_committed.cs), circuit_digest(&committed.cs));
    let alt_proof = prove(&alt_committed.cs, &ck.pk, &mut rng).unwrap();
    assert!(verify(&ck.vk, &public_inputs(&alt_committed.cs), &alt_proof).unwrap());
    assert!(!verify(&ck.vk, &cpublic, &alt_proof).unwrap());

    // And a structurally different model's key is refused outright.
    let cnn_keys = keys(&compiled(&cnn, 4, Weights::Constant), 3);
    assert!(verify(&cnn_keys.vk, &public, &proof).is_err());
}

/// A hashed input stays private, and its Poseidon commitment is a public
/// value the proof is bound to: the proof says which input it was.
#[test]
fn a_hashed_input_is_bound_by_its_commitment() {
    use section9::graph::{ModelBuilder, Visibility};
    let mut m = ModelBuilder::new();
    m.input_range("z", &[1, 6], -127, 127, Visibility::Hashed);
    m.param(
        "w",
        &[3, 6],
        8,
        vec![5, -3, 2, 7, -1, 4, 0, 1, -6, 2, 3, -2, 1, 1, 1, -1, -1, -1],
    );
    m.param("b", &[3], 8, vec![1, 2, 3]);
    m.op("fc", "dense", &["z", "w", "b"], &[]);
    let model = models::load(&m.finish("hashed", "", &["fc"]));
    let c = compiled(&model, 9, Weights::Constant);
    let z = model.seeded_inputs(9).remove(0);
    let hash = section9::commit::commitment(&z, section9::Bound::range(-127, 127)).unwrap();
    assert_eq!(c.input_hashes, vec![("z".to_string(), hash)]);
    let public = public_inputs(&c.cs);
    assert_eq!(public.len(), 4, "three outputs, then the input's hash");
    assert_eq!(public[3], hash);
    let k = keys(&c, 8);
    let proof = prove(&c.cs, &k.pk, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    assert!(verify(&k.vk, &public, &proof).unwrap());
    let mut other = public.clone();
    other[3] =
        section9::commit::commitment(&model.seeded_inputs(10).remove(0), section9::Bound::range(-127, 127)).unwrap();
    assert!(!verify(&k.vk, &other, &proof).unwrap());
    let report = c.check_determinism();
    assert!(report.is_ok(), "{}", report.describe(&c.cs));
}

/// Packed outputs: as many values per public value as their bound allows,
/// the packing proven, the outputs recovered from the public values alone.
#[test]
fn packed_outputs_take_few_public_values_and_unpack_exactly() {
    use section9::compile::unpack_outputs;
    let (mut file, params) = models::generator();
    let plain = models::load(&(file.clone(), params.clone()));
    file.pack_outputs = true;
    let packed = models::load(&(file, params));
    let c = compiled(&packed, 5, Weights::Constant);
    let p = compiled(&plain, 5, Weights::Constant);
    assert_eq!(c.outputs, p.outputs);
    let image = &packed.nodes[packed.outputs[0]];
    assert_eq!((image.bound.lo, image.bound.hi, image.len()), (0, 127, 768));
    let public = public_inputs(&c.cs);
    assert_eq!(
        public.len(),
        768usize.div_ceil(253 / 7),
        "36 seven-bit pixels per public value"
    );
    assert_eq!(unpack_outputs(&packed, &public).unwrap(), c.outputs);
    assert_eq!(unpack_outputs(&plain, &public_inputs(&p.cs)).unwrap(), p.outputs);
    assert!(c.cs.num_constraints() < p.cs.num_constraints());
    let report = c.check_determinism();
    assert!(report.is_ok(), "{}", report.describe(&c.cs));

    let k = keys(&c, 12);
    let proof = prove(&c.cs, &k.pk, &mut ChaCha20Rng::seed_from_u64(13)).unwrap();
    assert!(verify(&k.vk, &public, &proof).unwrap());
    for i in [0, public.len() - 1] {
        let mut forged = public.clone();
        forged[i] += fr_from_i128(1 << 7);
        assert!(
            !verify(&k.vk, &forged, &proof).unwrap(),
            "packed value {i} is not bound"
        );
    }
}

/// A parameter declared public (an activation's table, a fixed factor) is
/// a circuit constant in both weight modes: with committed weights only
/// the trained weights enter the commitment, and the proof still verifies.
#[test]
fn public_params_stay_constants_and_out_of_the_commitment() {
    use section9::graph::{ModelBuilder, Visibility};
    let build = |public: bool| {
        let mut m = ModelBuilder::new();
        m.input_range("x", &[1, 4], -127, 127, Visibility::Private);
        m.param("w", &[2, 4], 8, vec![3, -1, 4, 1, -5, 9, 2, -6]);
        m.param("b", &[2], 8, vec![5, -3]);
        if public {
            m.public_param("k", &[1], 4, vec![3]);
        } else {
            m.param("k", &[1], 4, vec![3]);
        }
        m.op("fc", "dense", &["x", "w", "b"], &[]);
        m.op("scaled", "broadcast_mul", &["fc", "k"], &[]);
        models::load(&m.finish("public-param", "", &["scaled"]))
    };
    let (public, private) = (build(true), build(false));
    let c = compiled(&public, 3, Weights::Committed);
    let weights_only = {
        let mut m = ModelBuilder::new();
        m.input_range("x", &[1, 4], -127, 127, Visibility::Private);
        m.param("w", &[2, 4], 8, vec![3, -1, 4, 1, -5, 9, 2, -6]);
        m.param("b", &[2], 8, vec![5, -3]);
        m.op("fc", "dense", &["x", "w", "b"], &[]);
        models::load(&m.finish("weights-only", "", &["fc"]))
    };
    assert_eq!(
        weight_commitment(&public).unwrap(),
        weight_commitment(&weights_only).unwrap(),
        "a public parameter is not committed"
    );
    assert_ne!(
        weight_commitment(&private).unwrap(),
        weight_commitment(&public).unwrap()
    );
    // Committed, the private factor costs one product per output; the
    // public one is a constant and costs nothing.
    let p = compiled(&private, 3, Weights::Committed);
    assert!(c.cs.num_constraints() < p.cs.num_constraints());
    assert_eq!(c.outputs, p.outputs);
    let k = keys(&c, 4);
    let proof = prove(&c.cs, &k.pk, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
    assert!(verify(&k.vk, &public_inputs(&c.cs), &proof).unwrap());
    let report = c.check_determinism();
    assert!(report.is_ok(), "{}", report.describe(&c.cs));
}
