// The training lab's worker: its own Python (Pyodide) holding one lab, so that training never
// blocks the page. The page posts {id, request}; the worker answers {id, response} (the JSON
// text playground.handle returns), one request at a time in the order they came. While Python
// starts it posts {progress: text}; then {ready: true}, or {failed: message}.
"use strict";

importScripts("common.js");

const python = agPlayground.startPython(agPlayground.siteBase(),
                                        (text) => self.postMessage({progress: text}));
python.then(() => self.postMessage({ready: true}),
            (error) => self.postMessage({failed: String(error && error.message || error)}));

self.addEventListener("message", async (event) => {
  const {id, request} = event.data;
  let handle;
  try {
    handle = await python;
  } catch {
    return;  // already reported as {failed}
  }
  let response;
  try {
    response = handle(JSON.stringify(request));
  } catch (error) {
    const last = String(error && error.message || error).trim().split("\n").pop();
    response = JSON.stringify({ok: false, message: `Python failed: ${last}`});
  }
  self.postMessage({id, response});
});
