// A worker that runs section9's prover and verifier, compiled to
// WebAssembly, off the page's thread, so the page stays responsive while
// a proof is made. Messages in: {id, type: "prove", model, weights, inputs}
// or {id, type: "verify", vk, proof, public} (JSON text); out: "phase" and
// "phase-end" as each step starts and ends, then "done" or "error".

import init, { Circuit, ProvingKey, verify } from "/pkg/section9_web.js";
import { api } from "/http.js";

const ready = init({ module_or_path: "/pkg/section9_web_bg.wasm" });

// Proving keys decoded in this page's life, by circuit digest; model files
// by model name.
const keys = new Map();
const models = new Map();

// Key files kept across visits in IndexedDB, by circuit digest: a key is
// fetched once per circuit.
function store(mode, use) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("section9", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("keys", mode);
      const request = use(tx.objectStore("keys"));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    };
  });
}

async function step(id, phase, message, work) {
  postMessage({ id, type: "phase", phase, message });
  const started = performance.now();
  const out = await work();
  const seconds = (performance.now() - started) / 1000;
  postMessage({ id, type: "phase-end", phase, seconds });
  return [out, seconds];
}

async function modelFiles(name) {
  if (!models.has(name)) {
    const base = `/api/models/${encodeURIComponent(name)}`;
    const [json, params] = await Promise.all([
      api(`${base}/model.json`).then((r) => r.text()),
      api(`${base}/params`).then((r) => r.arrayBuffer()),
    ]);
    models.set(name, { json, params: new Uint8Array(params) });
  }
  return models.get(name);
}

// The proving key of `digest`: decoded already, kept in IndexedDB, or
// fetched from the server (and then kept). A store that cannot keep it
// (private browsing, full disk) only means fetching it again next time.
async function provingKey(model, weights, digest) {
  if (keys.has(digest)) return { key: keys.get(digest), from: "this page" };
  let bytes = await store("readonly", (s) => s.get(digest)).catch(() => undefined);
  let from = "the browser's cache";
  if (!bytes) {
    const url = `/api/models/${encodeURIComponent(model)}/keys?weights=${weights}`;
    bytes = new Uint8Array(await (await api(url)).arrayBuffer());
    from = "the server";
  }
  const key = ProvingKey.fromBytes(bytes);
  if (key.digest() !== digest) {
    key.free();
    throw new Error(`The key is for circuit ${key.digest()}, this run is circuit ${digest}.`);
  }
  if (from === "the server") await store("readwrite", (s) => s.put(bytes, digest)).catch(() => {});
  keys.set(digest, key);
  return { key, from, bytes: bytes.length };
}

async function prove(id, { model, weights, inputs }) {
  await ready;
  const [files, fetched] = await step(id, "fetch", "fetching the model", () => modelFiles(model));
  const [circuit, witness] = await step(id, "witness", "synthesizing the circuit", () =>
    new Circuit(files.json, files.params, inputs, weights),
  );
  try {
    const digest = circuit.digest();
    const [k, read] = await step(id, "keys", "reading the proving key", () => provingKey(model, weights, digest));
    const [proved, proving] = await step(id, "prove", "proving and checking the proof", () =>
      JSON.parse(circuit.prove(k.key)),
    );
    return {
      ...proved,
      verification_key: JSON.parse(k.key.verificationKey()),
      constraints: circuit.constraints(),
      commitment: circuit.commitment() ?? null,
      circuit: digest,
      outputs: JSON.parse(circuit.outputs()),
      key_from: k.from,
      times: { fetch: fetched, witness, keys: read, prove: proving },
    };
  } finally {
    circuit.free();
  }
}

async function check(id, { vk, proof, public: values }) {
  await ready;
  const [valid, seconds] = await step(id, "verify", "verifying", () => verify(vk, proof, values));
  return { valid, seconds };
}

onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    const result = type === "prove" ? await prove(id, data) : await check(id, data);
    postMessage({ id, type: "done", result });
  } catch (error) {
    postMessage({ id, type: "error", error: String(error?.message ?? error) });
  }
};
