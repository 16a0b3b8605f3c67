//! Models cut into pieces: each piece's circuit is satisfied and fixed by
//! what enters it, the pieces' links hold exactly when they carry the same
//! values, and the last piece proves the model's outputs.

use section9::compile::{compile, compile_piece, link_commitment, Compiled, Ends, Piece, Salt, Weights};
use section9::field::Fr;
use section9::graph::Model;
use section9::pieces::{cut, jobs, Chunks, Job};
use section9::r1cs::Builder;
use section9_tests::models;

fn models() -> Vec<Model> {
    let mut all: Vec<Model> = models::all().iter().map(models::load).collect();
    all.push(section9_zoo::builtin("mlp-fixture").unwrap().unwrap());
    all.push(section9_zoo::builtin("digits-cnn").unwrap().unwrap());
    all
}

fn ends(job: &Job) -> Ends<'_> {
    Ends {
        inputs: &job.inputs,
        link_in: &job.link_in,
        salt_in: job.salt_in,
        salt_out: job.salt_out,
    }
}

fn compile_all(model: &Model, pieces: &[Piece], jobs: &[Job], weights: Weights) -> Vec<Compiled> {
    pieces
        .iter()
        .zip(jobs)
        .map(|(p, j)| {
            compile_piece(model, p, &ends(j), weights, Builder::new())
                .unwrap_or_else(|e| panic!("{} piece {}: {e}", model.name, p.index))
        })
        .collect()
}

fn rng() -> rand_chacha::ChaCha20Rng {
    rand_chacha::rand_core::SeedableRng::seed_from_u64(9)
}

#[test]
fn pieces_prove_the_models_outputs_and_their_links_hold() {
    for model in models() {
        for weights in [Weights::Constant, Weights::Committed] {
            let inputs = model.seeded_inputs(3);
            let expected = model.run(&inputs).unwrap();
            for count in [1, 2, 3, 5] {
                let pieces = cut(&model, weights, Chunks::Count(count)).unwrap();
                assert!(!pieces.is_empty() && pieces.len() <= count, "{}: {count}", model.name);
                // Every node is some piece's own, exactly once.
                let mut owned = vec![0; model.nodes.len()];
                for p in &pieces {
                    for &at in p.nodes.iter().filter(|&&at| !p.link_in.contains(&at)) {
                        owned[at] += 1;
                    }
                }
                assert!(owned.iter().all(|&n| n >= 1), "{}: a node in no piece", model.name);
                let jobs = jobs(&model, &pieces, &inputs, &mut rng()).unwrap();
                let compiled = compile_all(&model, &pieces, &jobs, weights);
                let name = format!("{} {weights:?} in {}", model.name, pieces.len());
                for (k, c) in compiled.iter().enumerate() {
                    assert!(c.cs.is_satisfied(), "{name}, piece {k}: {:?}", c.cs.which_unsatisfied());
                    let report = c.check_determinism();
                    assert!(report.is_ok(), "{name}, piece {k}: {}", report.describe(&c.cs));
                }
                for (k, pair) in compiled.windows(2).enumerate() {
                    assert_eq!(pair[0].link_out, pair[1].link_in, "{name}: link {k}");
                    assert!(pair[0].link_out.is_some(), "{name}: link {k} missing");
                    // The native commitment is the circuit's.
                    let p = &pieces[k + 1];
                    let native = link_commitment(&model, &p.link_in, &jobs[k + 1].link_in, &jobs[k + 1].salt_in);
                    assert_eq!(Some(native.unwrap()), pair[1].link_in, "{name}: link {k}");
                }
                let last = compiled.last().unwrap();
                assert_eq!(last.outputs, expected, "{name}");
                assert!(compiled[0].link_in.is_none() && last.link_out.is_none(), "{name}");
                if pieces.len() == 1 {
                    let whole = compile(&model, &inputs, weights, Builder::new()).unwrap();
                    assert_eq!(
                        section9::compile::circuit_digest(&whole.cs),
                        section9::compile::circuit_digest(&last.cs),
                        "{name}: one piece is the whole model's circuit"
                    );
                }
            }
        }
    }
}

/// Piece `k` of a 3-piece cut of the CNN, compiled on `job`.
fn cnn_piece(k: usize, job: &Job) -> (Model, Compiled) {
    let model = models::load(&models::cnn());
    let pieces = cut(&model, Weights::Committed, Chunks::Count(3)).unwrap();
    let c = compile_piece(&model, &pieces[k], &ends(job), Weights::Committed, Builder::new()).unwrap();
    (model, c)
}

fn cnn_jobs() -> Vec<Job> {
    let model = models::load(&models::cnn());
    let pieces = cut(&model, Weights::Committed, Chunks::Count(3)).unwrap();
    assert_eq!(pieces.len(), 3, "the CNN cuts into 3");
    jobs(&model, &pieces, &model.seeded_inputs(1), &mut rng()).unwrap()
}

#[test]
fn a_link_of_other_values_or_another_salt_does_not_match() {
    let jobs = cnn_jobs();
    let (_, before) = cnn_piece(0, &jobs[0]);
    let (model, honest) = cnn_piece(1, &jobs[1]);
    assert_eq!(before.link_out, honest.link_in);
    // Every value that crosses, changed by one within its bound, and the
    // salt changed: each gives another link value.
    let mut forged = 0;
    for (t, tensor) in jobs[1].link_in.iter().enumerate() {
        let bound = model.nodes[cut(&model, Weights::Committed, Chunks::Count(3)).unwrap()[1].link_in[t]].bound;
        for i in [0, tensor.len() / 2, tensor.len() - 1] {
            let mut job = jobs[1].clone();
            let v = job.link_in[t][i];
            job.link_in[t][i] = if bound.contains(v as i128 + 1) { v + 1 } else { v - 1 };
            let (_, c) = cnn_piece(1, &job);
            assert!(c.cs.is_satisfied());
            assert_ne!(c.link_in, honest.link_in, "tensor {t} value {i} changed, same link");
            forged += 1;
        }
    }
    assert!(forged >= 3);
    let mut job = jobs[1].clone();
    job.salt_in = Salt([1, 2, 3, 4]);
    assert_ne!(cnn_piece(1, &job).1.link_in, honest.link_in, "another salt, same link");
}

#[test]
fn a_piece_cannot_publish_another_link_value_or_read_out_of_bound() {
    let jobs = cnn_jobs();
    for (k, job) in jobs.iter().enumerate().take(2) {
        let (_, mut c) = cnn_piece(k, job);
        // The link out is the first public wire: any other value breaks
        // the circuit.
        let wire = c.output_wires[0];
        let v = c.cs.value(wire);
        c.cs.set_value(wire, v + Fr::from(1u64));
        assert!(!c.cs.is_satisfied(), "piece {k}: a changed link out still satisfies");
    }
    // A linked value outside its bound is refused before synthesis.
    let model = models::load(&models::cnn());
    let pieces = cut(&model, Weights::Committed, Chunks::Count(3)).unwrap();
    let mut job = jobs[1].clone();
    let bound = model.nodes[pieces[1].link_in[0]].bound;
    job.link_in[0][0] = (bound.hi + 1) as i64;
    let err = compile_piece(&model, &pieces[1], &ends(&job), Weights::Committed, Builder::new())
        .err()
        .expect("an out-of-bound link value is refused");
    assert!(err.to_string().contains("outside"), "{err}");
    // So is a salt outside its bound, and a job of the wrong shape.
    let mut job = jobs[1].clone();
    job.salt_in = Salt([-1, 0, 0, 0]);
    assert!(compile_piece(&model, &pieces[1], &ends(&job), Weights::Committed, Builder::new()).is_err());
    let mut job = jobs[1].clone();
    job.link_in.pop();
    assert!(compile_piece(&model, &pieces[1], &ends(&job), Weights::Committed, Builder::new()).is_err());
}

#[test]
fn budgets_bound_the_pieces_and_a_huge_budget_is_one_piece() {
    let model = section9_zoo::builtin("digits-cnn").unwrap().unwrap();
    let whole = section9::compile::constraint_count(&model, Weights::Committed, 1 << 24)
        .unwrap()
        .unwrap();
    assert_eq!(
        cut(&model, Weights::Committed, Chunks::Budget(usize::MAX))
            .unwrap()
            .len(),
        1
    );
    let budget = whole / 3;
    let pieces = cut(&model, Weights::Committed, Chunks::Budget(budget)).unwrap();
    assert!(pieces.len() >= 3, "{} pieces for a third of {whole}", pieces.len());
    let sizes = section9::pieces::piece_sizes(&model, &pieces, Weights::Committed, 1 << 24).unwrap();
    let costs = section9::pieces::node_costs(&model, Weights::Committed).unwrap();
    for (p, size) in pieces.iter().zip(sizes) {
        let size = size.unwrap();
        // Over the budget only by its links, or as one operator alone.
        let own_ops = p
            .nodes
            .iter()
            .filter(|&&at| costs[at] > 0 && !model.nodes[at].inputs.is_empty())
            .count();
        assert!(
            size <= budget * 2 || own_ops == 1,
            "piece {}: {size} > {budget}",
            p.index
        );
    }
}
