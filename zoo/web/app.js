// The page: pick a generator, move its latent, see the picture the
// server's integer engine draws, and prove it on the server or in this
// browser; verify a proof in this browser.

import { proveInBrowser, verifyInBrowser } from "/browser.js";
import { api } from "/http.js";

const $ = (id) => document.getElementById(id);

// Slider moves closer together than this draw once, with the last values.
const REDRAW_DELAY_MS = 40;

const page = {
  models: [],
  model: null,
  // Numbers each draw request, so that a slow answer to an old one does
  // not replace a newer picture.
  drawn: 0,
  timer: 0,
  pictureUrl: null,
  // The shown proof: {proof, vk or vkUrl}.
  proof: null,
};

function showError(error) {
  $("error").textContent = error ? error.message : "";
}

function latent() {
  return [...$("sliders").querySelectorAll("input")].map((s) => Number(s.value));
}

function query(params) {
  return new URLSearchParams({ model: page.model.name, ...params }).toString();
}

async function draw() {
  const ticket = ++page.drawn;
  try {
    const response = await api(`/api/draw?${query({ latent: latent().join(",") })}`);
    const blob = await response.blob();
    if (ticket !== page.drawn) return;
    if (page.pictureUrl) URL.revokeObjectURL(page.pictureUrl);
    page.pictureUrl = URL.createObjectURL(blob);
    $("picture").src = page.pictureUrl;
    const timing = /dur=([\d.]+)/.exec(response.headers.get("server-timing") || "");
    $("caption").textContent = `Drawn by ${page.model.name}` + (timing ? ` in ${Number(timing[1]).toFixed(1)} ms` : "");
    showError(null);
  } catch (error) {
    if (ticket === page.drawn) showError(error);
  }
}

function redrawSoon() {
  clearTimeout(page.timer);
  page.timer = setTimeout(draw, REDRAW_DELAY_MS);
}

function makeSliders(info) {
  const box = $("sliders");
  box.replaceChildren();
  for (let i = 0; i < info.latent.length; i++) {
    const id = `z${i}`;
    const row = document.createElement("div");
    row.className = "slider";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = id;
    label.title = `Latent entry ${i}`;
    const input = document.createElement("input");
    Object.assign(input, { type: "range", id, min: info.latent.min, max: info.latent.max, step: 1, value: 0 });
    const output = document.createElement("output");
    output.htmlFor = id;
    output.value = "0";
    input.addEventListener("input", () => {
      output.value = input.value;
      redrawSoon();
    });
    row.append(label, input, output);
    box.append(row);
  }
}

async function loadSeed() {
  const text = $("seed").value.trim();
  if (!/^\d+$/.test(text)) {
    showError(new Error("The seed must be a whole number, 0 or more."));
    return;
  }
  try {
    const { latent: values } = await (await api(`/api/latent?${query({ seed: text })}`)).json();
    const sliders = $("sliders").querySelectorAll("input");
    values.forEach((v, i) => {
      sliders[i].value = v;
      sliders[i].nextElementSibling.value = String(v);
    });
    await draw();
  } catch (error) {
    showError(error);
  }
}

async function chooseModel(name) {
  page.model = page.models.find((m) => m.name === name);
  const m = page.model;
  const p = m.picture;
  $("model-about").textContent =
    `${m.description} Latent of ${m.latent.length} entries in ${m.latent.min}..${m.latent.max}; ` +
    `picture ${p.channels === 3 ? "RGB" : "grey"} ${p.width}x${p.height}; ` +
    `${m.constraints.committed.toLocaleString()} constraints with committed weights, ` +
    `${m.constraints.constant.toLocaleString()} with constant ones.`;
  $("picture").alt = `The picture ${m.name} draws from the latent set by the sliders`;
  $("picture").style.aspectRatio = `${p.width} / ${p.height}`;
  makeSliders(m);
  await loadSeed();
}

// The events of a server-sent event stream read from a fetch response
// (EventSource cannot POST).
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll("\r\n", "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield { name, data: JSON.parse(data.join("\n")) };
    }
  }
}

function step(text) {
  const item = document.createElement("li");
  item.textContent = text;
  $("steps").append(item);
  return item;
}

// "1.23 s in all: witness 0.10 s, ..." for the steps a proof took.
function timeText(total, times) {
  const seconds = (s) => `${s.toFixed(2)} s`;
  const names = { fetch: "model fetched", witness: "witness", setup: "setup", keys: "keys read", prove: "prove", verify: "verify" };
  const parts = Object.keys(names)
    .filter((step) => times[step] !== null && times[step] !== undefined)
    .map((step) => `${names[step]} ${seconds(times[step])}`);
  return `${seconds(total)} in all: ${parts.join(", ")}`;
}

function download(id, name, value) {
  const link = $(id);
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = typeof value === "string" ? value : URL.createObjectURL(new Blob([JSON.stringify(value, null, 1)], { type: "application/json" }));
  link.download = name;
}

// Shows a finished proof, made on the server or in this browser.
function showProof(done, where) {
  $("size").textContent = `${done.proof_bytes} bytes (Groth16 on BN254, compressed)`;
  $("where").textContent = where;
  $("time").textContent = timeText(done.seconds, done.times);
  $("constraints").textContent = done.constraints.toLocaleString();
  $("commitment").textContent = done.commitment ?? "none: the weights are public constants";
  $("public-count").textContent = String(done.public.length);
  $("public").value = done.public.join("\n");
  $("verify-status").textContent = "";
  download("get-proof", "proof.json", done.files?.proof ?? done.proof);
  download("get-public", "public.json", done.files?.public ?? done.public);
  download("get-vk", "verification_key.json", done.files?.verification_key ?? done.verification_key);
  page.proof = { proof: done.proof, vk: done.verification_key ?? null, vkUrl: done.files?.verification_key };
  $("result").hidden = false;
}

// Other parts of the page (minting) act on the latest proof.
function announceProof(done) {
  const detail = { model: page.model.name, weights: done.weights, proof: done.proof, public: done.public };
  document.dispatchEvent(new CustomEvent("section9:proof", { detail }));
}

// A proof on the server, its steps streamed as server-sent events.
async function proveOnServer(onPhase, onPhaseEnd) {
  const response = await api("/api/prove", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: page.model.name, latent: latent(), weights: $("weights").value }),
  });
  for await (const { name, data } of events(response)) {
    if (name === "phase") onPhase(data);
    else if (name === "phase-end") onPhaseEnd(data);
    else if (name === "done") return data;
    else if (name === "error") throw new Error(`The proof failed: ${data.error}`);
  }
  throw new Error("The server stopped before the proof was done.");
}

// A proof made here, by section9's prover in WebAssembly.
async function proveHere(onPhase, onPhaseEnd) {
  const started = performance.now();
  const weights = $("weights").value;
  const inputs = JSON.stringify({ [page.model.latent.name]: latent() });
  const done = await proveInBrowser({ model: page.model.name, weights, inputs }, { onPhase, onPhaseEnd });
  return { ...done, weights, seconds: (performance.now() - started) / 1000 };
}

const PROVERS = {
  server: { run: proveOnServer, where: "on the server (native prover)" },
  browser: { run: proveHere, where: "in this browser (WebAssembly, one thread)" },
};

async function prove(kind) {
  const buttons = [$("prove"), $("prove-browser")];
  for (const b of buttons) b.disabled = true;
  $("steps").replaceChildren();
  $("result").hidden = true;
  showError(null);
  const where = PROVERS[kind].where;
  $("status").textContent = `Proving ${where}…`;
  let current = null;
  const onPhase = (data) => {
    current = step(`${data.message}…`);
    $("status").textContent = `Proving: ${data.message}…`;
  };
  const onPhaseEnd = (data) => {
    if (current) current.textContent = current.textContent.replace(/…$/, `: ${data.seconds.toFixed(2)} s`);
  };
  try {
    const done = await PROVERS[kind].run(onPhase, onPhaseEnd);
    $("status").textContent = `Done: the proof verifies (${done.seconds.toFixed(2)} s, ${where}).`;
    showProof(done, where);
    announceProof(done);
  } catch (error) {
    $("status").textContent = "";
    showError(error);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

// The pairing check of the shown proof against the public values as they
// stand in the box (edit one to see a tampered proof refused), in this
// browser: no request goes to the server but for the verifying key's file.
async function verifyHere() {
  const status = $("verify-status");
  status.textContent = "Verifying in this browser…";
  try {
    if (!page.proof.vk) page.proof.vk = await (await api(page.proof.vkUrl)).json();
    const values = $("public").value.split(/\s+/).filter(Boolean);
    const { valid, seconds } = await verifyInBrowser(
      JSON.stringify(page.proof.vk),
      JSON.stringify(page.proof.proof),
      JSON.stringify(values),
    );
    const ms = `${(seconds * 1000).toFixed(0)} ms`;
    status.textContent = valid
      ? `Verified in this browser in ${ms}: the proof is valid for these public values.`
      : `Rejected (checked in this browser in ${ms}): the proof does not hold for these public values.`;
    status.className = valid ? "ok" : "error";
  } catch (error) {
    status.textContent = `Rejected: ${error.message}`;
    status.className = "error";
  }
}

async function start() {
  try {
    const { models } = await (await api("/api/models")).json();
    if (!models.length) throw new Error("This server offers no generator.");
    page.models = models;
    const select = $("model");
    for (const m of models) select.append(new Option(m.name, m.name));
    select.addEventListener("change", () => chooseModel(select.value));
    $("seed").addEventListener("change", loadSeed);
    $("random").addEventListener("click", () => {
      $("seed").value = String(Math.floor(Math.random() * 2 ** 32));
      loadSeed();
    });
    $("prove").addEventListener("click", () => prove("server"));
    $("prove-browser").addEventListener("click", () => prove("browser"));
    $("verify-browser").addEventListener("click", verifyHere);
    for (const id of ["model", "seed", "random", "prove", "prove-browser"]) $(id).disabled = false;
    await chooseModel(models[0].name);
  } catch (error) {
    $("caption").textContent = "";
    showError(error);
  }
}

start();
