//! Every built-in model: its proof verifies on chain exactly when it
//! verifies in section9 and in snarkjs, within a gas budget; a generator's
//! picture mints.

use super::mint::mint_and_render;
use super::*;
use section9::prove::snarkjs::{proof_to_json, public_to_json, vk_to_json};
use section9::prove::verify;
use section9_tests::circom::{ensure_tools, snarkjs_verify};

#[test]
fn every_zoo_model_verifies_on_chain_as_in_section9_and_snarkjs_and_generators_mint() {
    for b in section9_zoo::BUILTINS {
        let name = b.name;
        let model = section9_zoo::builtin(name).unwrap().unwrap();
        let p = proved(&model, 7, None);
        let public = p.public();
        let mut chain = Chain::new();
        let verifier = deploy_verifier(&mut chain, &p.keys);
        assert!(chain.code_len(verifier) < CODE_LIMIT, "{name}");
        let verified = verify_on_chain(&mut chain, verifier, &p.args());
        assert!(verified.returned_true(), "{name}: {verified:?}");
        assert!(verify(&p.keys.vk, &public, &p.proof).unwrap());
        // About 6,150 gas per public input on top of the pairing.
        let budget = 300_000 + 7_000 * public.len() as u64;
        assert!(verified.gas <= budget, "{name}: verification took {} gas", verified.gas);

        let mut forged = public.clone();
        forged[public.len() - 1] += Fr::from(1u64);
        assert!(!verify(&p.keys.vk, &forged, &p.proof).unwrap());
        let out = verify_on_chain(&mut chain, verifier, &CallArgs::new(&p.proof, &forged));
        assert!(refused(&out), "{name}: a changed commitment verified on chain");

        // snarkjs gives the same verdicts on the same files.
        ensure_tools().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (vk, proof) = (vk_to_json(&p.keys.vk), proof_to_json(&p.proof));
        assert!(
            snarkjs_verify(dir.path(), &vk, &public_to_json(&public), &proof),
            "{name}"
        );
        assert!(
            !snarkjs_verify(dir.path(), &vk, &public_to_json(&forged), &proof),
            "{name}"
        );

        let minted = model
            .pack_outputs
            .then(|| mint_and_render(name, &model, &mut chain, verifier, &p));
        eprintln!(
            "{name}: {} public inputs, verifier {} bytes, verification {} gas, verify and mint {minted:?} gas",
            public.len(),
            chain.code_len(verifier),
            verified.gas
        );
        if let Some(gas) = minted {
            // The verification plus storing the picture: 32,000 for the
            // contract, 6,400 per word of code, some bookkeeping.
            assert!(gas <= 1_800_000, "{name}: minting took {gas} gas");
        }
    }
}
