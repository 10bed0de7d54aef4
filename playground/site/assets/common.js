// What the playground's pages and its training worker share: starting Python (Pyodide) with
// autograd_scalar installed from the site's own wheels, and the few page helpers both labs use.
// Everything is fetched from the serving host, by URLs relative to the site's root.
"use strict";

const agPlayground = (() => {
  /** The site's root: the page's folder, or, in the worker (assets/), the folder above it. */
  function siteBase() {
    const inPage = typeof document !== "undefined";
    return new URL(inPage ? "." : "..", self.location.href);
  }

  /** Run a classic script (pyodide.js, viz-global.js) from the site; resolves once it has run. */
  function loadScript(url) {
    if (typeof document === "undefined") {
      importScripts(url);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.addEventListener("load", () => resolve());
      script.addEventListener("error", () => reject(new Error(`could not load ${url}`)));
      document.head.append(script);
    });
  }

  async function fetchOk(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response;
  }

  /** Install the wheels the build listed; by unpacking them if loadPackage refuses a URL. */
  async function installWheels(pyodide, base) {
    const manifest = await (await fetchOk(new URL("wheels/manifest.json", base))).json();
    const wheels = manifest.wheels.map((wheel) => new URL(wheel, base).href);
    const problems = [];
    await pyodide.loadPackage(wheels, {
      messageCallback: () => {},
      errorCallback: (message) => problems.push(message),
    });
    if (problems.length === 0) return;
    for (const wheel of wheels) {
      const buffer = await (await fetchOk(wheel)).arrayBuffer();
      pyodide.unpackArchive(buffer, "wheel");
    }
  }

  /**
   * Start Python with autograd_scalar; resolves to playground.handle: a JSON request string
   * in, a JSON response string out. `progress` receives a line to show while it loads.
   */
  async function startPython(base, progress = () => {}) {
    progress("Loading Python (Pyodide)…");
    await loadScript(new URL("pyodide/pyodide.js", base).href);
    const pyodide = await loadPyodide({indexURL: new URL("pyodide/", base).href});
    progress("Installing autograd_scalar…");
    await installWheels(pyodide, base);
    return pyodide.runPython(
      "import autograd_scalar.playground as playground\nplayground.handle");
  }

  // ---- page helpers (main thread only)

  /** Show a line in the loading indicator (role="status"). */
  function showLoading(text) {
    document.getElementById("loading").querySelector(".loading-text").textContent = text;
  }

  /** Python is ready: hide the indicator, enable the controls, tell the tests. */
  function markReady() {
    document.getElementById("loading").hidden = true;
    for (const part of document.querySelectorAll("[data-until-ready]")) part.disabled = false;
    document.body.dataset.ready = "1";
  }

  /** Python could not start: say so where the indicator was. */
  function showLoadFailure(error) {
    const loading = document.getElementById("loading");
    loading.classList.add("failed");
    loading.querySelector(".loading-text").textContent =
      `Python could not start: ${error && error.message ? error.message : error}`;
  }

  /** Call `action` once `delay` ms have passed without another call. */
  function debounce(action, delay) {
    let timer = null;
    const debounced = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => action(...args), delay);
    };
    debounced.cancel = () => clearTimeout(timer);
    return debounced;
  }

  /**
   * Wire a lab's "Copy as Python" button: `currentCode()` gives the code. The code is always
   * shown in #python-code too (what a reader copies by hand where the clipboard is refused).
   */
  function setUpCopyButton(currentCode) {
    const button = document.getElementById("copy-python");
    const panel = document.getElementById("python-panel");
    const note = document.getElementById("copy-note");
    button.addEventListener("click", async () => {
      const code = currentCode();
      document.getElementById("python-code").textContent = code;
      panel.open = true;
      try {
        await navigator.clipboard.writeText(code);
        note.textContent = "Copied to the clipboard.";
      } catch {
        note.textContent = "The clipboard is not available here: select the code and copy it.";
        panel.scrollIntoView({block: "nearest"});
      }
    });
  }

  return {siteBase, loadScript, startPython, showLoading, markReady, showLoadFailure, debounce,
          setUpCopyButton};
})();
