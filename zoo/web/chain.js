// Minting and the gallery: the latest proof with committed weights is
// minted by the contracts `section9 export-solidity` makes, on the
// server's chain (JSON-RPC through /api/chain/rpc, with the node's
// unlocked account) or through a browser wallet (EIP-1193); the gallery
// reads the minted pictures back from the contract.

import { api } from "/http.js";

const $ = (id) => document.getElementById(id);

// How long a transaction may take to be mined, and how often to look.
const RECEIPT_TIMEOUT_MS = 180_000;
const RECEIPT_POLL_MS = 400;
// The newest tokens the gallery shows, per contract.
const GALLERY_MAX = 48;
// Where deployed contracts are remembered: this prefix, then the chain id,
// the genesis block hash and a hash of the code.
const STORE = "section9.contracts";

const chain = {
  // The server's answer to /api/chain.
  server: null,
  // The latest proof announced by the page ({model, weights, proof, public}).
  proof: null,
  // Each model's contracts, as /api/models/{name}/contracts gives them.
  contracts: new Map(),
  busy: false,
  // Numbers each gallery refresh, so that an old one stops drawing.
  shown: 0,
};

// ---- Talking to a chain ----------------------------------------------

// An error the page shows in words, with the chain's revert reason if any.
class ChainError extends Error {}

// The `Error(string)` a reverted call carries, from the hex data of an
// error however deeply a node or wallet nests it.
function revertReason(error) {
  const seen = new Set();
  const find = (v) => {
    if (v === null || v === undefined || seen.has(v)) return null;
    if (typeof v === "string") {
      const m = /0x08c379a0([0-9a-fA-F]*)/.exec(v);
      return m ? decodeString(m[1]) : null;
    }
    if (typeof v !== "object") return null;
    seen.add(v);
    for (const key of ["data", "error", "cause", "originalError"]) {
      const r = find(v[key]);
      if (r !== null) return r;
    }
    return null;
  };
  const reason = find(error);
  if (reason !== null) return reason;
  const m = /reverted with reason string '([^']*)'/.exec(error?.message || "");
  return m ? m[1] : null;
}

// A JSON-RPC error as an Error in words.
function rpcError(method, error) {
  const reason = revertReason(error);
  if (reason !== null) return new ChainError(`The contract reverted: ${reason}.`);
  return new ChainError(sentence(`the chain refused ${method}: ${error?.message || JSON.stringify(error)}`));
}

// The server's chain: one JSON-RPC request per POST, same origin.
const serverProvider = {
  kind: "server",
  id: 0,
  async request(method, params = []) {
    let response;
    try {
      response = await fetch("/api/chain/rpc", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++this.id, method, params }),
      });
    } catch {
      throw new ChainError("The server cannot be reached: is `section9 serve` still running?");
    }
    let answer;
    try {
      answer = await response.json();
    } catch {
      throw new ChainError(`The chain answered ${method} with something other than JSON (${response.status}).`);
    }
    if (!response.ok && typeof answer.error === "string") {
      // The server's own error: no chain, or the node is unreachable.
      throw new ChainError(sentence(answer.error));
    }
    if (answer.error) throw rpcError(method, answer.error);
    return answer.result;
  },
};

// An injected EIP-1193 wallet.
function walletProvider() {
  return {
    kind: "wallet",
    async request(method, params = []) {
      try {
        return await window.ethereum.request({ method, params });
      } catch (error) {
        if (error?.code === 4001) throw new ChainError("The wallet's owner declined the request.");
        throw rpcError(method, error);
      }
    },
  };
}

function provider() {
  const via = $("chain-via").value;
  if (via === "wallet" && window.ethereum) return walletProvider();
  if (via === "server" && chain.server?.configured && chain.server.reachable) return serverProvider;
  return null;
}

// ---- ABI words --------------------------------------------------------

const WORD_LIMIT = 1n << 256n;

// A uint256 as 64 hex digits, big-endian.
function word(value) {
  const v = BigInt(value);
  if (v < 0n || v >= WORD_LIMIT) throw new ChainError(`${value} does not fit in 256 bits.`);
  return v.toString(16).padStart(64, "0");
}

function addressWord(address) {
  return address.toLowerCase().replace(/^0x/, "").padStart(64, "0");
}

// A G1 point of a snarkjs proof, [x, y, z]: `x, y`, or zeros for the point
// at infinity.
function g1(p, name) {
  const z = BigInt(p[2]);
  if (z === 0n) return word(0).repeat(2);
  if (z !== 1n) throw new ChainError(`The proof's ${name} is not in affine form.`);
  return word(p[0]) + word(p[1]);
}

// A G2 point, [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]: the verifier
// takes `x.c1, x.c0, y.c1, y.c0`, the pairing precompile's order.
function g2(p, name) {
  const [z0, z1] = p[2].map(BigInt);
  if (z0 === 0n && z1 === 0n) return word(0).repeat(4);
  if (z0 !== 1n || z1 !== 0n) throw new ChainError(`The proof's ${name} is not in affine form.`);
  return word(p[0][1]) + word(p[0][0]) + word(p[1][1]) + word(p[1][0]);
}

// The calldata of `mint(a, b, c, input)`: every argument is a static
// array, so each value is one word in place.
function mintCalldata(selector, proof, inputs) {
  return (
    "0x" +
    selector +
    g1(proof.pi_a, "A") +
    g2(proof.pi_b, "B") +
    g1(proof.pi_c, "C") +
    inputs.map((v) => word(v)).join("")
  );
}

function hexBytes(hex) {
  const h = hex.replace(/^0x/, "");
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// An ABI-encoded `string` (offset, length, bytes), in hex without 0x.
function decodeString(hex) {
  const h = hex.replace(/^0x/, "");
  const offset = Number(BigInt("0x" + h.slice(0, 64))) * 2;
  const length = Number(BigInt("0x" + h.slice(offset, offset + 64)));
  const bytes = hexBytes(h.slice(offset + 64, offset + 64 + length * 2));
  return new TextDecoder().decode(bytes);
}

function selectorOf(methods, name) {
  const entry = Object.entries(methods).find(([signature]) => signature.startsWith(`${name}(`));
  if (!entry) throw new ChainError(`The contract has no ${name} function.`);
  return entry[1];
}

async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- Transactions -----------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function receipt(rpc, hash) {
  const until = Date.now() + RECEIPT_TIMEOUT_MS;
  for (;;) {
    const r = await rpc.request("eth_getTransactionReceipt", [hash]);
    if (r) return r;
    if (Date.now() > until) throw new ChainError(`Transaction ${hash} was not mined within ${RECEIPT_TIMEOUT_MS / 1000} s.`);
    await sleep(RECEIPT_POLL_MS);
  }
}

// Sends a transaction once a dry run (eth_call) shows it would not revert,
// so that a refusal comes back with its reason; its receipt.
async function transact(rpc, tx) {
  await rpc.request("eth_call", [tx, "latest"]);
  const hash = await rpc.request("eth_sendTransaction", [tx]);
  const r = await receipt(rpc, hash);
  if (r.status !== "0x1") throw new ChainError(`Transaction ${hash} reverted.`);
  return r;
}

async function deploy(rpc, from, code) {
  const r = await transact(rpc, { from, data: code });
  if (!r.contractAddress) throw new ChainError("The deployment made no contract.");
  return r.contractAddress;
}

async function hasCode(rpc, address) {
  const code = await rpc.request("eth_getCode", [address, "latest"]);
  return typeof code === "string" && code !== "0x" && code !== "0x0";
}

// The chain's identity: its id and genesis block, which tell a restarted
// local chain from the one contracts were deployed on.
async function identity(rpc) {
  const id = BigInt(await rpc.request("eth_chainId", [])).toString();
  const genesis = await rpc.request("eth_getBlockByNumber", ["0x0", false]);
  return { id, genesis: genesis?.hash || "none", prefix: `${STORE}.${id}.${genesis?.hash || "none"}.` };
}

function remembered(prefix) {
  const out = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.startsWith(prefix)) out.push(JSON.parse(localStorage.getItem(key)));
    }
  } catch {
    // Storage is off or holds something else: nothing remembered.
  }
  return out.filter((e) => e && e.mint && e.methods);
}

function remember(key, entry) {
  try {
    localStorage.setItem(key, JSON.stringify(entry));
  } catch {
    // Storage is off: the contracts are deployed again next time.
  }
}

// The verifier and mint contract of `contracts` on this chain: the ones
// deployed before if their code is still there, else new ones.
async function deployed(rpc, from, contracts, say) {
  const chainIs = await identity(rpc);
  const code = await sha256(`${contracts.verifier.bytecode}:${contracts.mint.bytecode}:${contracts.commitment}`);
  const key = chainIs.prefix + code;
  let known = null;
  try {
    known = JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    known = null;
  }
  if (known && (await hasCode(rpc, known.verifier)) && (await hasCode(rpc, known.mint))) return known;
  say("Deploying the verifier contract…");
  const verifier = await deploy(rpc, from, contracts.verifier.bytecode);
  say("Deploying the mint contract…");
  const mint = await deploy(rpc, from, contracts.mint.bytecode + addressWord(verifier) + word(contracts.commitment));
  const entry = { model: contracts.model, chain: chainIs.id, verifier, mint, methods: contracts.mint.methods };
  remember(key, entry);
  return entry;
}

async function contractsOf(model) {
  if (!chain.contracts.has(model)) {
    let body;
    try {
      body = await (await api(`/api/models/${encodeURIComponent(model)}/contracts`)).json();
    } catch (error) {
      throw new ChainError(`The contracts could not be made: ${error.message}`);
    }
    chain.contracts.set(model, body);
  }
  return chain.contracts.get(model);
}

async function account(rpc) {
  const accounts = await rpc.request(rpc.kind === "wallet" ? "eth_requestAccounts" : "eth_accounts", []);
  if (!accounts?.length) {
    throw new ChainError(
      rpc.kind === "wallet" ? "The wallet gave no account." : "The chain has no unlocked account to send from.",
    );
  }
  return accounts[0];
}

// ---- The Mint section -------------------------------------------------

function say(text) {
  $("mint-status").textContent = text;
}

function showMintError(error) {
  $("mint-error").textContent = error ? error.message : "";
}

function updateMint() {
  const p = chain.proof;
  const rpc = provider();
  let why = "";
  if (!p) why = "Prove a picture (with committed weights) to mint it.";
  else if (p.weights !== "committed")
    why =
      "This proof's weights are public constants: the mint contract accepts only proofs with committed weights " +
      "(choose “private, committed” and prove again).";
  else if (!rpc) why = "No chain to mint on (see above).";
  else why = `Ready to mint the picture ${p.model} drew, with its proof.`;
  $("mint-proof").textContent = why;
  $("mint").disabled = chain.busy || !p || p.weights !== "committed" || !rpc;
}

async function mint() {
  const p = chain.proof;
  const rpc = provider();
  if (!p || !rpc || chain.busy) return;
  chain.busy = true;
  updateMint();
  showMintError(null);
  $("minted").hidden = true;
  try {
    if (p.weights !== "committed") throw new ChainError("Only a proof with committed weights can be minted.");
    say(`Preparing the contracts of ${p.model} (compiled once per model; the first time may set up its keys)…`);
    const contracts = await contractsOf(p.model);
    if (p.public.length !== contracts.public_inputs) {
      throw new ChainError(
        `The proof has ${p.public.length} public values; the mint contract takes ${contracts.public_inputs}.`,
      );
    }
    if (BigInt(p.public[p.public.length - 1]) !== BigInt(contracts.commitment)) {
      throw new ChainError("The proof's model commitment is not the one the mint contract was made for.");
    }
    say(rpc.kind === "wallet" ? "Asking the wallet for an account…" : "Finding the chain's account…");
    const from = await account(rpc);
    const at = await deployed(rpc, from, contracts, say);
    say("Minting: sending the proof and the picture…");
    const data = mintCalldata(selectorOf(contracts.mint.methods, "mint"), p.proof, p.public);
    const r = await transact(rpc, { from, to: at.mint, data });
    const log = (r.logs || []).find((l) => l.address.toLowerCase() === at.mint.toLowerCase() && l.topics.length === 3);
    const id = log ? BigInt(log.topics[1]).toString() : "?";
    const gas = BigInt(r.gasUsed).toLocaleString();
    say(`Minted token #${id} (${gas} gas).`);
    $("minted-token").textContent = `#${id}`;
    $("minted-gas").textContent = `${gas} (verifying the proof and storing the picture)`;
    $("minted-contract").textContent = at.mint;
    $("minted-tx").textContent = r.transactionHash;
    $("minted").hidden = false;
    await refreshGallery();
  } catch (error) {
    say("");
    showMintError(error instanceof ChainError ? error : new Error(`Minting failed: ${error.message}`));
  } finally {
    chain.busy = false;
    updateMint();
  }
}

// ---- The gallery --------------------------------------------------------

function galleryNote(text) {
  $("gallery-status").textContent = text;
}

async function call(rpc, to, data) {
  return rpc.request("eth_call", [{ to, data: "0x" + data }, "latest"]);
}

// The JSON of a `data:application/json;base64,` URI.
function dataJson(uri) {
  const prefix = "data:application/json;base64,";
  if (!uri.startsWith(prefix)) throw new ChainError("A token's URI is not a JSON data URI.");
  const bytes = Uint8Array.from(atob(uri.slice(prefix.length)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function tokenFigure(meta, id, entry, chainId) {
  const figure = document.createElement("figure");
  const img = document.createElement("img");
  img.className = "token";
  img.dataset.tokenId = id;
  img.dataset.model = entry.model;
  img.src = meta.image;
  img.alt = `${meta.name}: a picture drawn by ${entry.model}, minted on chain ${chainId}`;
  const caption = document.createElement("figcaption");
  caption.textContent = `#${id} · ${entry.model}`;
  figure.append(img, caption);
  return figure;
}

async function refreshGallery() {
  const ticket = ++chain.shown;
  const rpc = provider();
  const box = $("gallery");
  if (!rpc) {
    box.replaceChildren();
    galleryNote("No chain to read from.");
    return;
  }
  try {
    galleryNote("Reading the minted pictures…");
    const chainIs = await identity(rpc);
    const figures = [];
    for (const entry of remembered(chainIs.prefix)) {
      if (!(await hasCode(rpc, entry.mint))) continue;
      const count = Number(BigInt(await call(rpc, entry.mint, selectorOf(entry.methods, "minted"))));
      const tokenURI = selectorOf(entry.methods, "tokenURI");
      for (let id = count; id >= 1 && id > count - GALLERY_MAX; id--) {
        const meta = dataJson(decodeString(await call(rpc, entry.mint, tokenURI + word(id))));
        figures.push(tokenFigure(meta, id, entry, chainIs.id));
      }
    }
    if (ticket !== chain.shown) return;
    box.replaceChildren(...figures);
    galleryNote(
      figures.length
        ? `${figures.length} minted picture${figures.length === 1 ? "" : "s"} on chain ${chainIs.id}, newest first.`
        : `Nothing minted from this browser on chain ${chainIs.id} yet.`,
    );
  } catch (error) {
    if (ticket !== chain.shown) return;
    box.replaceChildren();
    galleryNote(error instanceof ChainError ? error.message : `The gallery could not be read: ${error.message}`);
  }
}

// ---- Start ------------------------------------------------------------

// A message as a sentence: a capital first, a full stop last.
function sentence(text) {
  const t = String(text).trim();
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
}

function describeChains() {
  const s = chain.server;
  const parts = [];
  if (s?.configured && s.reachable) {
    parts.push(
      s.dev
        ? `This server runs a local chain (chain id ${s.chain_id}) with funded accounts: no wallet is needed.`
        : `This server forwards to the chain at ${s.node} (chain id ${s.chain_id}).`,
    );
  } else if (s?.error) {
    parts.push(`${sentence(s.error)} Start it, then reload this page.`);
  } else {
    parts.push(
      "No chain is configured on this server: start it with `section9 serve --dev-chain` " +
        "(a local chain) or `--chain URL` (a JSON-RPC node).",
    );
  }
  if (window.ethereum) parts.push("A browser wallet is available too.");
  $("chain-about").textContent = parts.join(" ");
}

async function start() {
  const via = $("chain-via");
  try {
    const response = await fetch("/api/chain");
    const body = await response.json();
    chain.server = response.ok ? body : { configured: false, error: body.error };
  } catch {
    chain.server = { configured: false, error: "the server cannot be reached" };
  }
  const serverOk = Boolean(chain.server.configured && chain.server.reachable);
  via.querySelector('option[value="server"]').disabled = !serverOk;
  via.querySelector('option[value="wallet"]').disabled = !window.ethereum;
  via.value = serverOk || !window.ethereum ? "server" : "wallet";
  via.disabled = !(serverOk && window.ethereum);
  describeChains();
  via.addEventListener("change", () => {
    showMintError(null);
    updateMint();
    refreshGallery();
  });
  $("mint").addEventListener("click", mint);
  $("gallery-refresh").addEventListener("click", refreshGallery);
  $("gallery-refresh").disabled = !provider();
  if (window.ethereum?.on) {
    window.ethereum.on("chainChanged", () => {
      if (provider()?.kind === "wallet") refreshGallery();
    });
  }
  updateMint();
  await refreshGallery();
}

document.addEventListener("section9:proof", (event) => {
  chain.proof = event.detail;
  showMintError(null);
  $("minted").hidden = true;
  updateMint();
});

start();
