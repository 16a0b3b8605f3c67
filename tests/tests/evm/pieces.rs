//! A model proved in pieces, accepted on chain in one call: the
//! aggregator and the per-piece verifiers `section9::evm::pieces_contracts`
//! writes, compiled by solc and run in revm. A valid run is accepted with
//! its outputs in the event; a tampered proof, a piece of another run and
//! a piece proved with other weights are refused by the check meant to
//! catch them; the one call's gas is measured against one verifying
//! transaction per piece.

use super::*;
use section9::compile::{circuit_digest, compile_piece, Ends};
use section9::evm::{encode_pieces_call, pieces_contracts, PIECES};
use section9::field::{fr_from_i128, fr_to_decimal};
use section9::pieces::{
    check_links, combined_commitment, cut, file_digest, jobs, Chunks, Manifest, ModelPart, PieceKey, PieceProof,
    MANIFEST_FORMAT, MANIFEST_VERSION,
};
use section9::prove::snarkjs::vk_to_json;

/// A run proved in pieces, with the model part its manifest would hold.
struct Run {
    part: ModelPart,
    keys: Vec<Keys>,
    proofs: Vec<Proof<Bn254>>,
    public: Vec<Vec<Fr>>,
    /// The model's outputs on the run's inputs, by the reference engine.
    outputs: Vec<Vec<i64>>,
}

impl Run {
    fn args(&self) -> Vec<CallArgs> {
        self.proofs
            .iter()
            .zip(&self.public)
            .map(|(p, x)| CallArgs::new(p, x))
            .collect()
    }

    fn manifest(&self) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT.into(),
            version: MANIFEST_VERSION,
            identity: self.part.identity(),
            model: self.part.clone(),
            proofs: (0..self.proofs.len())
                .map(|k| PieceProof {
                    proof: format!("piece-{k}/proof.json"),
                    public: format!("piece-{k}/public.json"),
                })
                .collect(),
        }
    }
}

/// Proves `model` on its seeded inputs in pieces with committed weights,
/// under `keys` or a fresh setup per piece. The seed fixes the inputs and
/// the links' salts, so two models differing only in a later piece's
/// weights hand on the same first pieces.
fn prove_run(model: &Model, chunks: Chunks, seed: u64, keys: Option<&[Keys]>) -> Run {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let pieces = cut(model, Weights::Committed, chunks).unwrap();
    let inputs = model.seeded_inputs(seed);
    let jobs = jobs(model, &pieces, &inputs, &mut rng).unwrap();
    let mut run = Run {
        part: ModelPart {
            name: model.name.clone(),
            weights: "committed".into(),
            commitment: None,
            pieces: Vec::new(),
        },
        keys: Vec::new(),
        proofs: Vec::new(),
        public: Vec::new(),
        outputs: model.run(&inputs).unwrap(),
    };
    let count = pieces.len();
    for (k, (piece, job)) in pieces.iter().zip(&jobs).enumerate() {
        let ends = Ends {
            inputs: &job.inputs,
            link_in: &job.link_in,
            salt_in: job.salt_in,
            salt_out: job.salt_out,
        };
        let c = compile_piece(model, piece, &ends, Weights::Committed, Builder::new()).unwrap();
        let key = match keys {
            Some(keys) => keys[k].clone(),
            None => setup(&c.cs, &mut rng).unwrap(),
        };
        let proof = prove(&c.cs, &key.pk, &mut rng).unwrap();
        let public = public_inputs(&c.cs);
        // What `prove --chunks` records for the piece.
        run.part.pieces.push(PieceKey {
            first: String::new(),
            last: String::new(),
            circuit: hex(&circuit_digest(&c.cs)),
            verification_key_sha256: file_digest(vk_to_json(&key.vk).as_bytes()),
            verification_key: format!("piece-{k}/verification_key.json"),
            public_values: public.len(),
            link_out: (k + 1 < count).then_some(0),
            link_in: (k > 0).then_some(c.output_wires.len()),
            commitment: c.commitment.map(|_| public.len() - 1),
            weights: c.commitment.map(|x| fr_to_decimal(&x)),
        });
        run.keys.push(key);
        run.proofs.push(proof);
        run.public.push(public);
    }
    let commitments: Vec<Option<Fr>> = run
        .part
        .pieces
        .iter()
        .zip(&run.public)
        .map(|(p, x)| p.commitment.map(|at| x[at]))
        .collect();
    run.part.commitment = Some(fr_to_decimal(&combined_commitment(&commitments)));
    // The part is the one the command would write: the off-chain checker
    // accepts the run.
    check_links(&run.manifest(), &run.public).unwrap();
    run
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fixture, and the fixture with one weight of `fc2` (its last
/// operator, so its last piece) changed: the same circuits and keys,
/// other weights.
fn fixtures() -> (Model, Model) {
    fixtures_from(section9_zoo::fixture::build())
}

/// The fixture with `act1` a `cvm_clip`, which the loader does not fuse
/// with `fc1` (it fuses a layer only into the rescale that reads it):
/// three operators, so three pieces of one each.
fn unfused_fixtures() -> (Model, Model) {
    let mut base = section9_zoo::fixture::build();
    let act1 = base.0.nodes.iter_mut().find(|n| n.name == "act1").unwrap();
    act1.op = "cvm_clip".into();
    act1.attrs.remove("s");
    fixtures_from(base)
}

fn fixtures_from(base: (section9::graph::ModelFile, section9::graph::Params)) -> (Model, Model) {
    let mut alt = base.clone();
    let w = alt.1.tensors.get_mut("fc2.w").unwrap();
    w[0] = if w[0] == 1 { 2 } else { 1 };
    alt.0.params.as_mut().unwrap().sha256 = alt.1.sha256_hex();
    (models::load(&base), models::load(&alt))
}

/// Every piece's verifier, then the aggregator over them.
struct Deployed {
    verifiers: Vec<Address>,
    aggregator: Address,
}

fn deploy(chain: &mut Chain, run: &Run) -> Deployed {
    let vks: Vec<_> = run.keys.iter().map(|k| k.vk.clone()).collect();
    let contracts = pieces_contracts(&run.part, &vks).unwrap();
    let (pieces, aggregator) = contracts.split_at(vks.len());
    let verifiers: Vec<Address> = pieces
        .iter()
        .map(|(name, source)| {
            let code = compile_solidity(source).unwrap().remove(name).unwrap();
            chain.deploy(code).unwrap()
        })
        .collect();
    let (name, source) = &aggregator[0];
    assert_eq!(name, PIECES);
    let mut code = compile_solidity(source).unwrap().remove(PIECES).unwrap();
    // The constructor's `address[K]`, encoded in place.
    for v in &verifiers {
        code.extend_from_slice(&[0u8; 12]);
        code.extend_from_slice(v.as_slice());
    }
    let aggregator = chain.deploy(code).unwrap();
    Deployed { verifiers, aggregator }
}

fn accept(chain: &mut Chain, at: Address, args: &[CallArgs]) -> Outcome {
    chain.call(at, encode_pieces_call(args)).unwrap()
}

/// Whether the call reverted with the custom error `signature` naming
/// piece (or link) `k`.
fn refused_with(out: &Outcome, signature: &str, k: usize) -> bool {
    let mut want = selector(signature);
    want.extend_from_slice(&small(k as u64));
    !out.success && out.output == want
}

const INVALID: &str = "InvalidProof(uint256)";
const BROKEN: &str = "BrokenLink(uint256)";
const OTHER: &str = "OtherWeights(uint256)";

/// Runs every check on `model` (`alt` has other weights) cut by `chunks`
/// into `count` pieces; returns the one call's gas and that of one
/// transaction per piece.
fn accept_and_refuse((model, alt): (Model, Model), chunks: Chunks, count: usize) -> (u64, u64) {
    let a = prove_run(&model, chunks, 1, None);
    assert_eq!(a.proofs.len(), count);
    let b = prove_run(&model, chunks, 2, Some(&a.keys));
    let mut chain = Chain::new();
    let d = deploy(&mut chain, &a);
    let last = count - 1;

    // The valid run: accepted, the outputs and the run's hash in the event.
    let out = accept(&mut chain, d.aggregator, &a.args());
    assert!(out.returned_true(), "{out:?}");
    let one_call = out.gas;
    let [(topics, data)] = &out.logs[..] else {
        panic!("one event expected: {:?}", out.logs)
    };
    let all: Vec<u8> = a.args().iter().flat_map(|x| x.input.concat()).collect();
    let keccak = |bytes: &[u8]| -> Word {
        use sha3::Digest;
        sha3::Keccak256::digest(bytes).into()
    };
    assert_eq!(topics[..], [keccak(b"Accepted(bytes32,uint256[])"), keccak(&all)]);
    let outputs: Vec<Word> = a
        .outputs
        .concat()
        .iter()
        .map(|&v| be_word(&fr_from_i128(v as i128)))
        .collect();
    let mut want = small(32).to_vec();
    want.extend_from_slice(&small(outputs.len() as u64));
    want.extend(outputs.concat());
    assert_eq!(*data, want, "the event carries the model's outputs");
    assert!(!outputs.is_empty());
    // Run B alone is a valid run too.
    assert!(accept(&mut chain, d.aggregator, &b.args()).returned_true());

    // The same proofs verified one transaction per piece (and no link
    // checked): what the one call is measured against.
    let separate: u64 = a
        .args()
        .iter()
        .zip(&d.verifiers)
        .map(|(x, &v)| {
            let out = verify_on_chain(&mut chain, v, x);
            assert!(out.returned_true());
            out.gas
        })
        .sum();

    for k in 0..count {
        // A proof point off the curve.
        let mut args = a.args();
        args[k].a[0] = plus(&args[k].a[0], "1");
        let out = accept(&mut chain, d.aggregator, &args);
        assert!(refused_with(&out, INVALID, k), "piece {k} off the curve: {out:?}");
        // A valid proof of the same piece of run B, with run A's values.
        let mut args = a.args();
        let theirs = &b.args()[k];
        (args[k].a, args[k].b, args[k].c) = (theirs.a, theirs.b, theirs.c);
        let out = accept(&mut chain, d.aggregator, &args);
        assert!(refused_with(&out, INVALID, k), "piece {k}'s proof from run B: {out:?}");
        // Run B's piece k, proof and values, among run A's: it verifies
        // alone, and a link to or from it does not hold.
        let mut args = a.args();
        args[k] = b.args()[k].clone();
        assert!(verify_on_chain(&mut chain, d.verifiers[k], &args[k]).returned_true());
        let out = accept(&mut chain, d.aggregator, &args);
        assert!(
            refused_with(&out, BROKEN, k.saturating_sub(1)),
            "piece {k} of run B: {out:?}"
        );
    }

    // A link value changed on both of its sides: the links hold, the
    // proofs do not.
    let mut args = a.args();
    let link_in = a.part.pieces[1].link_in.unwrap();
    let changed = a.public[0][0] + Fr::from(1u64);
    (args[0].input[0], args[1].input[link_in]) = (be_word(&changed), be_word(&changed));
    let out = accept(&mut chain, d.aggregator, &args);
    assert!(refused_with(&out, INVALID, 0), "a link changed on both sides: {out:?}");

    // The last piece proved with other weights, on the same values and
    // salts: its link holds, its proof verifies under the same key, its
    // weight commitment is not the model's.
    let c = prove_run(&alt, chunks, 1, Some(&a.keys));
    let mut args = a.args();
    args[last] = c.args()[last].clone();
    let from = a.part.pieces[last].link_in.unwrap();
    assert_eq!(
        c.public[last][from], a.public[last][from],
        "the same link into the last piece"
    );
    assert!(verify_on_chain(&mut chain, d.verifiers[last], &args[last]).returned_true());
    let out = accept(&mut chain, d.aggregator, &args);
    assert!(
        refused_with(&out, OTHER, last),
        "the last piece with other weights: {out:?}"
    );
    // The whole run of the other weights: every piece valid and linked.
    let out = accept(&mut chain, d.aggregator, &c.args());
    assert!(refused_with(&out, OTHER, last), "the run of other weights: {out:?}");

    eprintln!(
        "{count} pieces: one call {one_call} gas, {count} separate verifyProof transactions {separate} gas; aggregator {} bytes",
        chain.code_len(d.aggregator)
    );
    (one_call, separate)
}

/// The one call verifies the same pairings as the separate transactions,
/// checks the links on top, and saves every transaction's 21,000 but one,
/// less a cold call (2,600) per piece and the event.
fn assert_cheaper(count: usize, one_call: u64, separate: u64) {
    let saved = separate as i64 - one_call as i64;
    let most = 21_000 * (count as i64 - 1);
    assert!(
        saved > 0 && saved < most,
        "{count} pieces: one call {one_call}, separate {separate}"
    );
}

#[test]
fn two_pieces_are_accepted_in_one_call_and_every_kind_of_mixed_run_is_refused() {
    let (one_call, separate) = accept_and_refuse(fixtures(), Chunks::Count(2), 2);
    assert_cheaper(2, one_call, separate);
}

#[test]
fn three_pieces_are_accepted_in_one_call_and_every_kind_of_mixed_run_is_refused() {
    // One operator per piece: fc1, act1, fc2.
    let (one_call, separate) = accept_and_refuse(unfused_fixtures(), Chunks::Budget(1), 3);
    assert_cheaper(3, one_call, separate);
}

#[test]
fn the_aggregator_of_a_hundred_pieces_fits_the_code_limit() {
    // A chain of pieces shaped like the fixture's last piece (outputs,
    // link in, commitment) with a link out at 0: what the aggregator
    // holds per piece is its verifier's address and three comparisons.
    let (model, _) = fixtures();
    let a = prove_run(&model, Chunks::Count(2), 1, None);
    let count = 100;
    let mut part = a.part.clone();
    let middle = PieceKey {
        link_out: Some(0),
        ..part.pieces[1].clone()
    };
    part.pieces = std::iter::once(a.part.pieces[0].clone())
        .chain(std::iter::repeat_n(middle, count - 2))
        .chain(std::iter::once(a.part.pieces[1].clone()))
        .collect();
    let commitments: Vec<Option<Fr>> = part
        .pieces
        .iter()
        .map(|p| p.weights.as_ref().map(|w| w.parse().unwrap()))
        .collect();
    part.commitment = Some(fr_to_decimal(&combined_commitment(&commitments)));
    let mut keys = vec![a.keys[0].vk.clone()];
    keys.extend(std::iter::repeat_n(a.keys[1].vk.clone(), count - 1));
    let contracts = pieces_contracts(&part, &keys).unwrap();
    let mut code = compile_solidity(&contracts[count].1).unwrap().remove(PIECES).unwrap();
    code.extend(std::iter::repeat_n(0u8, 32 * count));
    let mut chain = Chain::new();
    let at = chain.deploy(code).unwrap();
    let size = chain.code_len(at);
    eprintln!("the aggregator of {count} pieces: {size} bytes");
    assert!(size < CODE_LIMIT, "{size} bytes");

    // A part whose combined commitment is not its pieces' is refused
    // before any Solidity is written.
    part.commitment = Some("1".into());
    assert!(pieces_contracts(&part, &keys).is_err());
}
