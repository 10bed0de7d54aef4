// The expression lab: an expression and its variables in; the value, the gradient table and the
// step-through explorer out, every number computed by autograd_scalar in the page (Pyodide).
// The address holds the expression and the values: expression.html?expr=x*y&x=1&y=2.
"use strict";

(() => {
  const form = document.getElementById("expression-form");
  const input = document.getElementById("expression");
  const variableBox = document.getElementById("variables");
  const errorBox = document.getElementById("error");
  const valueOutput = document.getElementById("value");
  const gradientRows = document.getElementById("gradients").tBodies[0];
  const explorer = document.getElementById("explorer");
  const copyButton = document.getElementById("copy-python");

  let handle = null;             // playground.handle, once Python is ready
  let lastRequest = "";          // the request whose answer is on screen
  let python = "";               // the "Copy as Python" code of what is on screen
  const typed = new Map();       // variable name -> the text typed for it (or from the address)

  /** The expression and values from the address; the example without one. */
  function readAddress() {
    const given = new URLSearchParams(location.search);
    const params = given.has("expr") ? given : new URLSearchParams({x: "1", y: "2"});
    if (given.has("expr")) input.value = given.get("expr");
    for (const [name, value] of params) if (name !== "expr") typed.set(name, value);
  }

  function writeAddress() {
    const pairs = [["expr", input.value]];
    for (const field of variableBox.querySelectorAll("input")) {
      pairs.push([field.dataset.variable, field.value]);
    }
    const query = pairs.map((pair) => pair.map(encodeURIComponent).join("=")).join("&");
    history.replaceState(null, "", `?${query}`);
  }

  function ask(request) {
    try {
      return JSON.parse(handle(JSON.stringify(request)));
    } catch (error) {
      return {ok: false, message: `Python failed: ${error.message.trim().split("\n").pop()}`,
              column: null, expression: request.expression};
    }
  }

  /**
   * The values typed for names the expression may use (each identifier in it): a value kept
   * for a variable since deleted from the expression is not sent, so it cannot be refused.
   */
  function valuesUsed(expression) {
    const names = new Set(expression.match(/[\p{L}\p{Nl}_][\p{L}\p{N}\p{M}_]*/gu));
    return Object.fromEntries([...typed].filter(([name]) => names.has(name)));
  }

  function evaluate() {
    const request = {action: "expression", expression: input.value,
                     values: valuesUsed(input.value)};
    const key = JSON.stringify(request);
    if (key === lastRequest) return;
    lastRequest = key;
    const response = ask(request);
    if (response.ok) showResult(response);
    else showError(response, request.expression);
    writeAddress();
  }

  // ---- the answer

  function showResult(response) {
    errorBox.hidden = true;
    input.removeAttribute("aria-invalid");
    showVariables(response.variables);
    valueOutput.textContent = response.value;
    gradientRows.replaceChildren(...response.variables.map((variable) => {
      const row = document.createElement("tr");
      for (const text of [variable.name, variable.value, variable.gradient]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      row.cells[0].classList.add("mono");
      return row;
    }));
    showExplorer(response.explorer, response.explorer_message);
    python = response.python;
    document.getElementById("python-code").textContent = python;
    copyButton.disabled = false;
  }

  function showError(response, expression) {
    errorBox.hidden = false;
    errorBox.querySelector(".error-message").textContent = response.message;
    const where = errorBox.querySelector(".error-where");
    where.hidden = !response.column;
    if (response.column) {
      // The column counts characters (code points), as Python does.
      where.textContent = `${expression}\n${" ".repeat(response.column - 1)}^`;
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    valueOutput.textContent = "—";
    gradientRows.replaceChildren();
    explorer.classList.add("stale");
    explorer.inert = true;
    copyButton.disabled = true;
  }

  /** One input per variable, in order of appearance; rebuilt only when the names change. */
  function showVariables(variables) {
    const shown = [...variableBox.querySelectorAll("input")].map((field) => field.dataset.variable);
    if (shown.join("\n") === variables.map((variable) => variable.name).join("\n")) return;
    const focused = document.activeElement && document.activeElement.dataset.variable;
    variableBox.replaceChildren(...variables.map(variableInput));
    if (variables.length === 0) {
      const none = document.createElement("p");
      none.className = "help";
      none.textContent = "This expression has no variables.";
      variableBox.append(none);
    }
    const again = [...variableBox.querySelectorAll("input")]
      .find((field) => field.dataset.variable === focused);
    if (again) again.focus();
  }

  function variableInput(variable) {
    const row = document.createElement("div");
    row.className = "variable";
    const label = document.createElement("label");
    const field = document.createElement("input");
    field.id = `variable-${variable.name}`;
    label.htmlFor = field.id;
    label.className = "mono";
    label.textContent = variable.name;
    field.type = "text";
    field.inputMode = "decimal";
    field.className = "mono";
    field.autocomplete = "off";
    field.spellcheck = false;
    field.dataset.variable = variable.name;
    field.value = typed.has(variable.name) ? typed.get(variable.name) : variable.value;
    const equals = document.createElement("span");
    equals.className = "equals";
    equals.setAttribute("aria-hidden", "true");
    equals.textContent = "=";
    row.append(label, equals, field);
    return row;
  }

  /**
   * The explorer fragment is Python's own HTML (trusted), and its inline script must run.
   * Without one (a graph too big to draw) Python says why, in `message`.
   */
  function showExplorer(html, message) {
    const playing = explorer.querySelector('.ag-play[aria-label="Pause"]');
    if (playing) playing.click();  // stops the old explorer's timer
    const range = document.createRange();
    range.selectNodeContents(explorer);
    explorer.replaceChildren(html ? range.createContextualFragment(html) : "");
    explorer.classList.remove("stale");
    explorer.inert = false;
    const note = document.getElementById("explorer-message");
    note.hidden = !message;
    note.textContent = message ? `The graph is not drawn: ${message}.` : "";
  }

  // ---- events

  const evaluateSoon = agPlayground.debounce(evaluate, 350);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    evaluateSoon.cancel();
    evaluate();
  });
  input.addEventListener("input", evaluateSoon);
  variableBox.addEventListener("input", (event) => {
    const name = event.target.dataset.variable;
    if (name === undefined) return;
    typed.set(name, event.target.value);
    evaluateSoon();
  });
  agPlayground.setUpCopyButton(() => python);

  async function start() {
    readAddress();
    const base = agPlayground.siteBase();
    const graphviz = agPlayground.loadScript(new URL("viz/viz-global.js", base).href)
      .then(() => Viz.instance());
    try {
      const [pythonHandle, viz] = await Promise.all(
        [agPlayground.startPython(base, agPlayground.showLoading), graphviz]);
      // Python's renderer calls this, synchronously, to draw the graph
      // (PAGE_RENDERER in autograd_scalar/drawing.py).
      globalThis.agRenderDot = (dot) => viz.renderString(dot, {format: "svg", engine: "dot"});
      handle = pythonHandle;
    } catch (error) {
      agPlayground.showLoadFailure(error);
      return;
    }
    agPlayground.markReady();
    evaluate();
  }
  start();
})();
