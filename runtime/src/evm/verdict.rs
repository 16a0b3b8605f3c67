//! A contract that acts on a model's verdict about an input it never sees:
//! it records a feature vector, named only by its Poseidon hash, once a
//! proof shows that the committed model scored it below a threshold. The
//! use it serves is a fraud or Sybil check on chain with a private model
//! and private features.

use super::verifier::{verifier_interface, VERIFIER};
use super::R;
use crate::graph::{GraphError, Model, NodeKind, Visibility};

/// The verdict contract's name.
pub const VERDICT: &str = "Section9Verdict";

/// Where the verdict's values sit among a proof's public values: the score
/// first, the features' hash at `features`, the weight commitment last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub public: usize,
    pub features: usize,
}

impl Verdict {
    /// The layout of a model whose first output is one unpacked score and
    /// whose only input is hashed; its weights must be committed (the
    /// commitment is the last public value).
    pub fn of(model: &Model) -> Result<Verdict, GraphError> {
        let not = |why: &str| GraphError::Format(format!("`{}` does not fit a verdict contract: {why}", model.name));
        if model.pack_outputs {
            return Err(not(
                "its outputs are packed; the score must be a public value of its own",
            ));
        }
        let elements = |i: usize| model.nodes[i].len();
        match model.outputs.first() {
            Some(&o) if elements(o) == 1 => {}
            _ => return Err(not("its first output (the score) must be one value")),
        }
        let inputs: Vec<&Visibility> = model
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Input { visibility } => Some(visibility),
                _ => None,
            })
            .collect();
        if inputs != [&Visibility::Hashed] {
            return Err(not("it must have one input, hashed (`section9 import --input hashed`)"));
        }
        let features = model.outputs.iter().map(|&o| elements(o)).sum();
        Ok(Verdict {
            public: features + 2,
            features,
        })
    }
}

/// Solidity source of the verdict contract for `verdict`'s layout.
///
/// `clear` reverts unless the last public value is the contract's model
/// commitment, the verifier accepts, and the score (a field element read
/// as a signed integer, as the circuit computes it) is below the
/// threshold; then `cleared[hash]` is set. The threshold is in the
/// score's integer units: `score * 2^score_exp` is the model's float score,
/// `score_exp` being in the import report.
pub fn verdict_contract(verdict: Verdict) -> String {
    let mut s = verifier_interface(verdict.public);
    s.push_str(
        &VERDICT_BODY
            .replace("__N__", &verdict.public.to_string())
            .replace("__FEATURES__", &verdict.features.to_string())
            .replace("__LAST__", &(verdict.public - 1).to_string())
            .replace("__VERIFIER__", VERIFIER)
            .replace("__VERDICT__", VERDICT)
            .replace("__R__", R),
    );
    s
}

const VERDICT_BODY: &str = r#"/// Records feature vectors, by hash, that one committed model scored
/// below a threshold.
contract __VERDICT__ {
    uint256 internal constant R = __R__;
    I__VERIFIER__ public immutable verifier;
    /// The model's weight commitment: proofs of other models are refused.
    uint256 public immutable commitment;
    /// Scores below this clear, in the score's integer units.
    int256 public immutable threshold;
    /// The features' Poseidon hash is public value FEATURES.
    uint256 public constant FEATURES = __FEATURES__;
    mapping(uint256 => bool) public cleared;

    event Cleared(uint256 indexed features, int256 score);

    constructor(I__VERIFIER__ verifier_, uint256 commitment_, int256 threshold_) {
        verifier = verifier_;
        commitment = commitment_;
        threshold = threshold_;
    }

    /// Verifies the proof and, if its score is below the threshold, marks
    /// its feature hash cleared; returns the score.
    function clear(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[__N__] calldata input
    ) external returns (int256 score) {
        require(input[__LAST__] == commitment, "proof of another model");
        require(verifier.verifyProof(a, b, c, input), "invalid proof");
        // The verifier has checked input[0] < R; above R / 2 it is negative.
        score = input[0] > R / 2 ? -int256(R - input[0]) : int256(input[0]);
        require(score < threshold, "score not below the threshold");
        cleared[input[FEATURES]] = true;
        emit Cleared(input[FEATURES], score);
    }
}
"#;
