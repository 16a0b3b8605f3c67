//! `section9 serve` with a chain to mint on: the real binary, a real local
//! chain (Hardhat's node, as `--dev-chain` starts it), and the JSON-RPC
//! requests the page sends, made here from Rust through the server.

use section9::evm::{encode_verify_call, CallArgs};
use section9::prove::snarkjs::{proof_from_json, public_from_json};
use serde_json::{json, Value};
#[path = "common/server.rs"]
mod server;

use server::{agent, events, section9, Reply, Server};
use std::time::{Duration, Instant};

/// The JSON-RPC requests the page sends, through the server's proxy.
trait Chain {
    fn rpc_answer(&self, method: &str, params: Value) -> Value;
    fn rpc(&self, method: &str, params: Value) -> Value;
    fn transact(&self, from: &str, to: Option<&str>, data: &str) -> Value;
    fn oversized_rpc(&self) -> String;
}

impl Chain for Server {
    /// One JSON-RPC request through the server's proxy: the whole answer.
    fn rpc_answer(&self, method: &str, params: Value) -> Value {
        let body = json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": params });
        let reply = Reply::from(self.post("/api/chain/rpc", "application/json", &body.to_string()));
        assert_eq!(reply.status, 200, "{method}: {}", String::from_utf8_lossy(&reply.body));
        let answer = reply.json();
        assert_eq!(answer["id"], 7, "{answer}");
        answer
    }

    /// The result of a JSON-RPC request that must succeed.
    fn rpc(&self, method: &str, params: Value) -> Value {
        let mut answer = self.rpc_answer(method, params);
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].take()
    }

    /// Sends a transaction from `from` and returns its receipt (the node
    /// mines each transaction as it comes).
    fn transact(&self, from: &str, to: Option<&str>, data: &str) -> Value {
        let mut tx = json!({ "from": from, "data": data });
        if let Some(to) = to {
            tx["to"] = json!(to);
        }
        let hash = self.rpc("eth_sendTransaction", json!([tx]));
        let receipt = self.rpc("eth_getTransactionReceipt", json!([hash]));
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        receipt
    }

    /// The status line of the answer to an rpc request over the size limit
    /// (256 KiB): its first 256 KiB and one byte more are sent, which the
    /// server reads before it refuses.
    fn oversized_rpc(&self) -> String {
        use std::io::{Read, Write};
        const LIMIT: usize = 256 * 1024;
        let address = self.url.trim_start_matches("http://");
        let mut socket = std::net::TcpStream::connect(address).unwrap();
        let head = format!(
            "POST /api/chain/rpc HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            2 * LIMIT
        );
        socket.write_all(head.as_bytes()).unwrap();
        socket.write_all(&vec![b' '; LIMIT + 1]).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        answer.lines().next().unwrap_or_default().to_string()
    }
}

/// A port of 127.0.0.1 nobody listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn without_a_chain_the_page_is_told_how_to_get_one() {
    let keys = tempfile::tempdir().unwrap();
    let server = Server::start(keys.path(), &[]);
    assert_eq!(server.started["chain"], Value::Null);
    // The page's Mint and Gallery sections and their script.
    let page = String::from_utf8(server.get("/").body).unwrap();
    for part in [
        r#"<script type="module" src="/chain.js">"#,
        r#"id="mint""#,
        r#"id="mint-status""#,
        r#"id="gallery""#,
    ] {
        assert!(page.contains(part), "{part}");
    }
    let script = server.get("/chain.js");
    assert_eq!(script.status, 200);
    assert!(String::from_utf8(script.body).unwrap().contains("section9:proof"));
    let chain = server.get("/api/chain");
    assert_eq!(chain.status, 200);
    let chain = chain.json();
    assert_eq!(chain["configured"], false);
    assert!(chain["message"].as_str().unwrap().contains("--dev-chain"), "{chain}");
    let rpc = r#"{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}"#;
    let refused = Reply::from(server.post("/api/chain/rpc", "application/json", rpc));
    assert!(refused.error(503).contains("--dev-chain"));
    drop(server);

    // A node that does not answer: the page is told so in words.
    let url = format!("http://127.0.0.1:{}", closed_port());
    let server = Server::start(keys.path(), &["--chain", &url]);
    assert_eq!(server.started["chain"]["chain_id"], Value::Null);
    let unreachable = format!("the chain at {url} cannot be reached");
    let chain = server.get("/api/chain").json();
    assert_eq!(
        (&chain["configured"], &chain["reachable"]),
        (&json!(true), &json!(false))
    );
    assert!(chain["error"].as_str().unwrap().contains(&unreachable), "{chain}");
    let refused = Reply::from(server.post("/api/chain/rpc", "application/json", rpc));
    assert!(refused.error(502).contains(&unreachable));
    drop(server);

    for (args, says) in [
        (&["--chain", "https://example.org"][..], "http://"),
        (&["--chain", "http://"][..], "no host"),
        (
            &["--dev-chain", "--chain", "http://127.0.0.1:1"][..],
            "cannot be used with",
        ),
    ] {
        let o = section9(&[&["serve", "--no-open"][..], args].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(says), "{args:?}: {e}");
    }
}

/// The integers of nested JSON arrays, in order.
fn flatten(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
        n => out.push(n.as_i64().unwrap()),
    }
}

/// The `string` an ABI-encoded return value holds.
fn abi_string(hex_text: &str) -> String {
    let out = hex::decode(hex_text.trim_start_matches("0x")).unwrap();
    let at = usize::try_from(u64::from_be_bytes(out[24..32].try_into().unwrap())).unwrap();
    let len = usize::try_from(u64::from_be_bytes(out[at + 24..at + 32].try_into().unwrap())).unwrap();
    String::from_utf8(out[at + 32..at + 32 + len].to_vec()).unwrap()
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn word(n: u64) -> String {
    format!("{n:064x}")
}

/// Whether anything answers on the node's address.
fn answers(url: &str) -> bool {
    let body = r#"{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}"#;
    agent()
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .is_ok()
}

#[test]
fn the_dev_chain_mints_a_proof_of_the_server_and_its_token_is_the_picture() {
    // Hardhat and solc-js, installed as CI installs them; the server would
    // otherwise run `npm ci` itself.
    section9_tests::circom::ensure_tools().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut server = Server::start(keys.path(), &["--dev-chain"]);
    eprintln!("serve --dev-chain answered in {:.1?}", started.elapsed());
    let dev = server.started["chain"].clone();
    assert_eq!(dev["dev"], true, "{dev}");
    assert_eq!(dev["chain_id"], 31337, "{dev}");
    let node = dev["node"].as_str().unwrap().to_string();
    let pid = dev["pid"].as_u64().unwrap() as libc::pid_t;

    let chain = server.get("/api/chain").json();
    assert_eq!(
        (
            &chain["configured"],
            &chain["reachable"],
            &chain["chain_id"],
            &chain["rpc"]
        ),
        (&json!(true), &json!(true), &json!(31337), &json!("/api/chain/rpc")),
        "{chain}"
    );
    assert_eq!(server.rpc("eth_chainId", json!([])), "0x7a69");
    // The proxy forwards one JSON request, nothing else.
    assert!(Reply::from(server.post("/api/chain/rpc", "application/json", "[]"))
        .error(400)
        .contains("one object"));
    assert_eq!(
        Reply::from(server.post("/api/chain/rpc", "text/plain", "{}")).status,
        415
    );
    let refused = server.oversized_rpc();
    assert!(refused.starts_with("HTTP/1.1 413"), "{refused}");

    let t = Instant::now();
    let contracts = server.get("/api/models/digits-gan/contracts").json();
    eprintln!("the contracts were made in {:.1?}", t.elapsed());
    assert!(server
        .get("/api/models/nope/contracts")
        .error(404)
        .contains("no model `nope`"));
    for c in ["verifier", "mint"] {
        let code = contracts[c]["bytecode"].as_str().unwrap();
        assert!(code.starts_with("0x") && code.len() > 1000, "{c}: {code}");
    }
    let public_inputs = contracts["public_inputs"].as_u64().unwrap();
    let mint_signature = format!("mint(uint256[2],uint256[2][2],uint256[2],uint256[{public_inputs}])");
    let mint_selector = contracts["mint"]["methods"][&mint_signature]
        .as_str()
        .unwrap()
        .to_string();
    let methods = &contracts["mint"]["methods"];
    let selector = |signature: &str| methods[signature].as_str().unwrap().to_string();
    // Made once per model: the same answer again, at once.
    assert_eq!(server.get("/api/models/digits-gan/contracts").json(), contracts);

    // The server proves the picture of seed 3 with committed weights.
    let response = server.post(
        "/api/prove",
        "application/json",
        r#"{"model": "digits-gan", "seed": 3}"#,
    );
    let (last, done) = events(response).pop().unwrap();
    assert_eq!(last, "done", "{done}");
    assert_eq!(done["weights"], "committed", "{done}");
    assert_eq!(done["commitment"], contracts["commitment"]);
    let proof = proof_from_json(&done["proof"].to_string()).unwrap();
    let public = public_from_json(&done["public"].to_string()).unwrap();
    assert_eq!(public.len() as u64, public_inputs);
    let call = encode_verify_call("mint", &CallArgs::new(&proof, &public));
    assert_eq!(hex::encode(&call[..4]), mint_selector);

    // Deploy as the page does, from the node's first (unlocked) account.
    let from = server.rpc("eth_accounts", json!([]))[0].as_str().unwrap().to_string();
    let verifier = server.transact(&from, None, contracts["verifier"]["bytecode"].as_str().unwrap());
    let verifier = verifier["contractAddress"].as_str().unwrap().to_string();
    // Constructor arguments: the verifier's address, the commitment (the
    // last public value).
    let args = CallArgs::new(&proof, &public);
    let mint_code = format!(
        "{}{:0>64}{}",
        contracts["mint"]["bytecode"].as_str().unwrap(),
        verifier.trim_start_matches("0x"),
        hex::encode(args.input.last().unwrap())
    );
    let mint = server.transact(&from, None, &mint_code)["contractAddress"]
        .as_str()
        .unwrap()
        .to_string();

    // A changed picture is refused, with the contract's reason.
    let mut forged = public.clone();
    forged[0] += section9::field::Fr::from(1u64);
    let forged = encode_verify_call("mint", &CallArgs::new(&proof, &forged));
    let tx = json!({ "from": from, "to": mint, "data": format!("0x{}", hex::encode(forged)) });
    let refused = server.rpc_answer("eth_sendTransaction", json!([tx]));
    assert!(refused["error"].to_string().contains("invalid proof"), "{refused}");

    let receipt = server.transact(&from, Some(&mint), &format!("0x{}", hex::encode(&call)));
    let gas = u64::from_str_radix(receipt["gasUsed"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    eprintln!("minting took {gas} gas");
    let view = |signature: &str, id: u64| {
        let data = format!("0x{}{}", selector(signature), word(id));
        server.rpc("eth_call", json!([{ "to": mint, "data": data }, "latest"]))
    };
    assert_eq!(view("minted()", 0).as_str().unwrap(), format!("0x{}", word(1)));

    // Token 1's metadata: its name, and its picture is the model's.
    let uri = abi_string(view("tokenURI(uint256)", 1).as_str().unwrap());
    let meta: Value =
        serde_json::from_slice(&base64(uri.strip_prefix("data:application/json;base64,").unwrap())).unwrap();
    assert_eq!(meta["name"], "Section9Mint #1", "{meta}");
    let image = meta["image"].as_str().unwrap();
    let bmp = base64(image.strip_prefix("data:image/bmp;base64,").unwrap());
    let ran = section9(&["run", "digits-gan", "--seed", "3"]);
    assert!(ran.status.success());
    let mut pixels = Vec::new();
    flatten(
        &serde_json::from_slice::<Value>(&ran.stdout).unwrap()["conv3.q"],
        &mut pixels,
    );
    let (w, h, max) = (8, 8, 127);
    let row = (w * 3usize).div_ceil(4) * 4;
    assert_eq!(&bmp[..2], b"BM");
    assert_eq!(bmp.len(), 54 + row * h);
    for y in 0..h {
        for x in 0..w {
            let want = ((pixels[y * w + x] * 255 + max / 2) / max) as u8;
            let at = 54 + (h - 1 - y) * row + x * 3;
            assert_eq!(bmp[at..at + 3], [want; 3], "pixel ({y}, {x})");
        }
    }

    // Stopped as by Ctrl-C or a service manager: the chain goes with it.
    let status = server.stop();
    assert!(status.success(), "the server ended with {status}");
    assert!(!answers(&node), "the chain at {node} still answers");
    // SAFETY: signal 0 only asks whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "the chain's process {pid} is still there");
}
