// Requests to section9's server, shared by the page and its prover's
// worker.

// A fetch whose failure carries the server's message in words.
export async function api(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new Error("The server cannot be reached: is `section9 serve` still running?");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error || message;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new Error(message);
  }
  return response;
}
