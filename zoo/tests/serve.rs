//! `section9 serve` as the page and scripts meet it: the real binary on a
//! free port, spoken to over HTTP.

#[path = "common/server.rs"]
mod server;

use server::{events, section9, Reply, Server};

/// The integers of nested JSON arrays, in order.
fn flatten(v: &serde_json::Value, out: &mut Vec<i64>) {
    match v {
        serde_json::Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
        n => out.push(n.as_i64().unwrap()),
    }
}

/// The picture `section9 run` draws for a seed, as the PNG `demo` writes.
fn png_of_run(seed: u64) -> Vec<u8> {
    let o = section9(&["run", "digits-gan", "--seed", &seed.to_string()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut pixels = Vec::new();
    flatten(&out["conv3.q"], &mut pixels);
    section9_zoo::image::to_png(&[1, 1, 8, 8], &pixels, 127).unwrap()
}

#[test]
fn the_page_and_the_models_are_served() {
    let keys = tempfile::tempdir().unwrap();
    let server = Server::start(keys.path(), &[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("<script type=\"module\" src=\"/app.js\">"), "{html}");
    for asset in ["/app.js", "/style.css"] {
        assert_eq!(server.get(asset).status, 200, "{asset}");
    }
    let models = server.get("/api/models").json();
    let gan = &models["models"][0];
    assert_eq!(gan["name"], "digits-gan");
    assert_eq!(gan["latent"]["length"], 16);
    assert_eq!(
        (gan["latent"]["min"].as_i64(), gan["latent"]["max"].as_i64()),
        (Some(-127), Some(127))
    );
    assert_eq!(
        (gan["picture"]["width"].as_u64(), gan["picture"]["channels"].as_u64()),
        (Some(8), Some(1))
    );
    assert_eq!(gan["weights"], serde_json::json!(["committed", "constant"]));
    assert!(gan["constraints"]["committed"].as_u64().unwrap() > gan["constraints"]["constant"].as_u64().unwrap());
}

#[test]
fn a_drawing_is_the_picture_run_draws_and_is_quick() {
    let keys = tempfile::tempdir().unwrap();
    let server = Server::start(keys.path(), &[]);
    let expected = png_of_run(3);
    let by_seed = server.get("/api/draw?model=digits-gan&seed=3");
    assert_eq!(by_seed.status, 200);
    assert_eq!(by_seed.headers["content-type"], "image/png");
    let info = png::Decoder::new(std::io::Cursor::new(&by_seed.body))
        .read_info()
        .unwrap()
        .info()
        .clone();
    assert_eq!((info.width, info.height), (256, 256));
    assert!(by_seed.body == expected, "the served PNG differs from `run`'s picture");

    // The same latent given explicitly.
    let latent = server.get("/api/latent?model=digits-gan&seed=3").json()["latent"].clone();
    let list: Vec<String> = latent.as_array().unwrap().iter().map(|v| v.to_string()).collect();
    let by_latent = server.get(&format!("/api/draw?model=digits-gan&latent={}", list.join(",")));
    assert!(by_latent.body == expected);

    // The engine's time, as the server measures it (Server-Timing); the
    // quickest of a few, so that a busy machine does not fail the test.
    let quickest = (0..10)
        .map(|seed| {
            let r = server.get(&format!("/api/draw?model=digits-gan&seed={seed}"));
            let timing = r.headers["server-timing"].to_str().unwrap().to_string();
            timing.trim_start_matches("draw;dur=").parse::<f64>().unwrap()
        })
        .fold(f64::INFINITY, f64::min);
    assert!(quickest < 100.0, "{quickest} ms");
}

#[test]
fn bad_requests_are_refused_in_words() {
    let keys = tempfile::tempdir().unwrap();
    let server = Server::start(keys.path(), &[]);
    let draw = |q: &str| server.get(&format!("/api/draw?{q}"));
    assert!(draw("model=nope&seed=1").error(404).contains("no model `nope`"));
    assert!(draw("model=digits-gan&seed=x").error(400).contains("seed"));
    assert!(draw("model=digits-gan").error(400).contains("give a seed or a latent"));
    assert!(draw("model=digits-gan&seed=1&latent=1").error(400).contains("not both"));
    assert!(draw("model=digits-gan&latent=1,2,3")
        .error(400)
        .contains("has 3 values"));
    let out_of_range = format!("model=digits-gan&latent=300{}", ",0".repeat(15));
    assert!(draw(&out_of_range).error(400).contains("300"));
    assert!(draw("model=digits-gan&latent=1,x").error(400).contains("entry 1 (`x`)"));

    // A proof's request is checked before it starts.
    let prove = |body: &str| Reply::from(server.post("/api/prove", "application/json", body));
    let fractional = serde_json::json!({ "model": "digits-gan", "latent": [0.5] }).to_string();
    assert!(prove(&fractional)
        .error(400)
        .contains("entry 0 (0.5) is not an integer"));
    assert!(prove(r#"{"model": "digits-gan", "seed": -1}"#)
        .error(400)
        .contains("seed"));
    assert!(prove(r#"{"model": "digits-gan", "seed": 1, "weights": "x"}"#)
        .error(400)
        .contains("`x`"));
    assert!(prove(r#"{"model": "nope", "seed": 1}"#).error(404).contains("no model"));
    assert!(prove("{").error(400).contains("JSON"));
    let huge = format!(r#"{{"model": "digits-gan", "latent": [{}0]}}"#, "0,".repeat(40_000));
    assert_eq!(prove(&huge).status, 413);

    assert!(server
        .get("/api/proofs/1/proof.json")
        .error(404)
        .contains("no finished proof 1"));
    assert!(server.get("/api/proofs/1/secret.txt").error(404).contains("no file"));
    assert!(server.get("/nothing/here").error(404).contains("/nothing/here"));

    // What the page's own prover fetches: only a served model's files.
    assert!(server
        .get("/api/models/nope/params")
        .error(404)
        .contains("no model `nope`"));
    assert!(server
        .get("/api/models/nope/keys")
        .error(404)
        .contains("no model `nope`"));
    assert!(server
        .get("/api/models/digits-gan/secret")
        .error(404)
        .contains("no file `secret`"));
    assert!(server
        .get("/api/models/digits-gan/keys?weights=x")
        .error(400)
        .contains("weights"));
}

#[test]
fn the_page_prover_gets_the_models_own_files() {
    let keys = tempfile::tempdir().unwrap();
    let server = Server::start(keys.path(), &[]);
    let builtin = section9_zoo::BUILTINS.iter().find(|b| b.name == "digits-gan").unwrap();
    let params = server.get("/api/models/digits-gan/params");
    assert_eq!(params.status, 200);
    assert_eq!(params.body, builtin.params);
    let file = server.get("/api/models/digits-gan/model.json").json();
    let expected: serde_json::Value = serde_json::from_str(builtin.json).unwrap();
    assert_eq!(file["nodes"], expected["nodes"]);
}

/// Another field element, below the modulus: a decimal's last digit moved
/// by one.
fn nearby(decimal: &str) -> String {
    let (head, last) = decimal.split_at(decimal.len() - 1);
    let digit: u8 = last.parse().unwrap();
    format!("{head}{}", if digit > 0 { digit - 1 } else { 1 })
}

#[test]
fn a_proof_streams_its_steps_and_verifies() {
    let keys = tempfile::tempdir().unwrap();
    let server = Server::start(keys.path(), &[]);
    let request = r#"{"model": "digits-gan", "seed": 3}"#;
    let response = server.post("/api/prove", "application/json", request);
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // One proof at a time: the first holds the server until it is done.
    let second = Reply::from(server.post("/api/prove", "application/json", request));
    assert!(second.error(429).contains("already running"));

    let streamed = events(response);
    let phases: Vec<&str> = streamed
        .iter()
        .filter(|(n, _)| n == "phase")
        .map(|(_, d)| d["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["witness", "keys", "setup", "prove", "verify"]);
    let (last, done) = streamed.last().unwrap();
    assert_eq!(last, "done", "{done}");
    assert_eq!(done["proof_bytes"], 128);
    assert_eq!(done["weights"], "committed");
    assert!(done["times"]["setup"].is_number());
    assert_eq!(done["proof"]["protocol"], "groth16");

    let dir = tempfile::tempdir().unwrap();
    for (key, file) in [
        ("proof", "proof.json"),
        ("public", "public.json"),
        ("verification_key", "verification_key.json"),
    ] {
        let reply = server.get(done["files"][key].as_str().unwrap());
        assert_eq!(reply.status, 200, "{file}");
        assert!(reply.headers["content-disposition"].to_str().unwrap().contains(file));
        std::fs::write(dir.path().join(file), &reply.body).unwrap();
    }
    let public: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("public.json")).unwrap()).unwrap();
    assert_eq!(public, done["public"]);
    let at = |f: &str| dir.path().join(f).to_str().unwrap().to_string();
    let verify = || {
        section9(&[
            "verify",
            &at("verification_key.json"),
            &at("proof.json"),
            &at("public.json"),
        ])
    };
    assert_eq!(verify().status.code(), Some(0));

    // One public value changed: the proof no longer verifies.
    let mut tampered = public.as_array().unwrap().clone();
    tampered[0] = nearby(tampered[0].as_str().unwrap()).into();
    std::fs::write(
        dir.path().join("public.json"),
        serde_json::to_string(&tampered).unwrap(),
    )
    .unwrap();
    assert_eq!(verify().status.code(), Some(1));

    // The second proof of the circuit reads the cached keys.
    let again = events(server.post("/api/prove", "application/json", request));
    assert!(again.iter().all(|(n, d)| n != "phase" || d["phase"] != "setup"));
    assert_eq!(again.last().unwrap().0, "done");
}
