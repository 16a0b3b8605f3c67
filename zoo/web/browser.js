// section9's prover and verifier in this browser: the page's side of the
// worker (prover.js) that runs them as WebAssembly.

let worker = null;
let next = 0;
const pending = new Map();

function started() {
  if (worker) return worker;
  worker = new Worker("/prover.js", { type: "module" });
  worker.onmessage = ({ data }) => {
    const asked = pending.get(data.id);
    if (!asked) return;
    if (data.type === "phase") asked.onPhase?.(data);
    else if (data.type === "phase-end") asked.onPhaseEnd?.(data);
    else {
      pending.delete(data.id);
      if (data.type === "done") asked.resolve(data.result);
      else asked.reject(new Error(data.error));
    }
  };
  // A worker that cannot start (its script or the WebAssembly missing)
  // fails every question asked of it; the next question starts a new one.
  worker.onerror = (event) => {
    event.preventDefault();
    for (const asked of pending.values()) {
      asked.reject(new Error(`The in-browser prover could not start: ${event.message || "its script failed to load"}`));
    }
    pending.clear();
    worker.terminate();
    worker = null;
  };
  return worker;
}

function ask(message, handlers = {}) {
  return new Promise((resolve, reject) => {
    const id = ++next;
    pending.set(id, { resolve, reject, ...handlers });
    started().postMessage({ id, ...message });
  });
}

// Proves a run of `model` on `inputs` (JSON text, as `section9 prove
// --input` reads it) in this browser; `handlers.onPhase` and
// `onPhaseEnd` follow the steps. Resolves to {proof, public,
// verification_key, proof_bytes, constraints, commitment, circuit,
// outputs, key_from, times}.
export function proveInBrowser({ model, weights, inputs }, handlers) {
  return ask({ type: "prove", model, weights, inputs }, handlers);
}

// The Groth16 pairing check, in this browser, of snarkjs's three files'
// text. Resolves to {valid, seconds}; rejects when a file is malformed.
export function verifyInBrowser(vk, proof, values) {
  return ask({ type: "verify", vk, proof, public: values });
}
