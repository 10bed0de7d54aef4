// The training lab, TensorFlow Playground's workflow on autograd_scalar: the page draws, a Web
// Worker (training-worker.js) trains. Each answer from the worker is a whole state of the lab
// (TrainingLab.state in autograd_scalar/playground.py): the page draws it as it comes, and puts
// its setup in the address.
"use strict";

(() => {
  const RUN_SECONDS = 0.25;  // training per answer while playing: about four pictures a second
  // The classes' colours (class 0 orange, class 1 blue, as TensorFlow Playground draws them).
  const CLASS_COLOURS = ["#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                         "#e377c2", "#17becf"];
  const CLASS_NAMES = ["orange", "blue", "green", "red", "purple", "brown", "pink", "cyan"];
  const BOUNDARY_SIZE = 544;  // CSS pixels of the plane's drawing (34rem, its largest box)
  // The curves' colours, as the stylesheet's keys under them show them.
  const style = getComputedStyle(document.documentElement);
  const TRAINING_INK = style.getPropertyValue("--training-ink").trim();
  const HELDOUT_INK = style.getPropertyValue("--heldout-ink").trim();

  const boundary = document.getElementById("boundary");
  const settingsForm = document.getElementById("settings");
  const settingsError = document.getElementById("settings-error");
  const pointClass = document.getElementById("point-class");
  const playButton = document.getElementById("play");

  // ---- talking to the worker

  const worker = new Worker("assets/training-worker.js");
  const waiting = new Map();  // request id -> resolve
  let nextId = 1;

  worker.addEventListener("message", (event) => {
    const message = event.data;
    if (message.progress) agPlayground.showLoading(message.progress);
    if (message.failed) agPlayground.showLoadFailure(message.failed);
    if (message.id !== undefined) {
      waiting.get(message.id)(JSON.parse(message.response));
      waiting.delete(message.id);
    }
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    agPlayground.showLoadFailure(event.message || "the training worker stopped");
  });

  /** Send one request to the lab's Python; resolves to its answer. */
  function ask(request) {
    return new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      worker.postMessage({id, request});
    });
  }
  const train = (request) => ask({action: "train", ...request});

  // ---- the lab's state

  let state = null;        // the state on screen
  let settingKeys = [];    // the settings, by name (the options' defaults name them all)
  let playing = false;
  let looping = false;     // a play loop is running (it may be finishing its last run)
  let generation = 0;      // counts starts and resets: a run begun before one is not drawn

  async function start(settings, changed = null) {
    generation += 1;
    const answer = await train({op: "start", settings});
    if (!answer.ok) {
      showSettingsError(answer.message, changed);
      return false;
    }
    showSettingsError(null);
    showState(answer);
    return true;
  }

  async function play() {
    playing = true;
    showPlaying();
    if (looping) return;
    looping = true;
    while (playing) {
      const before = generation;
      const answer = await train({op: "run", seconds: RUN_SECONDS});
      if (before !== generation) continue;
      if (!answer.ok) {
        pause();
        showSettingsError(answer.message);
        break;
      }
      showState(answer);
    }
    looping = false;
  }

  function pause() {
    playing = false;
    showPlaying();
  }

  function showAnswer(answer) {
    if (answer.ok) showState(answer);
    else showSettingsError(answer.message);
  }

  async function step() {
    pause();
    showAnswer(await train({op: "step", epochs: 1}));
  }

  async function reset() {
    pause();
    generation += 1;
    showAnswer(await train({op: "reset"}));
  }

  async function addPoint(x, y) {
    showAnswer(await train({op: "add", point: [x, y], label: Number(pointClass.value)}));
  }

  // ---- showing a state

  function showState(next) {
    state = next;
    history.replaceState(null, "", `?${next.query}`);
    setText("epoch", `epoch ${next.epoch}`);
    const speed = next.epochs_per_second;
    setText("epochs-per-second", Number.isFinite(speed)
      ? `${speed.toFixed(speed < 10 ? 1 : 0)} epochs/s` : "— epochs/s");
    setText("training-accuracy", next.accuracy_text);
    setText("heldout-accuracy", next.heldout_text);
    setText("losses", lossText(next));
    showClasses(next.classes);
    draw(next);
    document.getElementById("python-code").textContent = next.python;
  }

  function draw(next) {
    drawBoundary(next);
    drawCurve(document.getElementById("loss-curve"),
              [next.history.loss, next.history.heldout_loss], null, next.epoch);
    drawCurve(document.getElementById("accuracy-curve"),
              [next.history.accuracy, next.history.heldout_accuracy], 1, next.epoch);
    drawNeurons(next.neurons, next.grid);
    setText("neurons-heading", next.neurons.length < next.neurons_total
      ? `First hidden layer: ${next.neurons.length} of ${next.neurons_total} neurons`
      : "First hidden layer");
  }

  function setText(id, text) {
    const element = document.getElementById(id);
    if (element.textContent !== text) element.textContent = text;
  }

  /** The latest losses, under the loss curve. */
  function lossText(next) {
    if (!Number.isFinite(next.loss)) return "";
    const heldout = Number.isFinite(next.heldout_loss)
      ? `, held-out ${next.heldout_loss.toFixed(3)}` : "";
    return `loss ${next.loss.toFixed(3)}${heldout}`;
  }

  function showPlaying() {
    playButton.querySelector(".play-text").textContent = playing ? "Pause" : "Play";
    playButton.querySelector(".play-icon").textContent = playing ? "❚❚" : "▶";
  }

  /** The class selector: one option per class of the data. */
  function showClasses(count) {
    if (pointClass.options.length === count) return;
    const chosen = pointClass.value;
    pointClass.replaceChildren(...Array.from({length: count}, (_, label) => {
      const option = document.createElement("option");
      option.value = String(label);
      option.textContent = `class ${label} (${CLASS_NAMES[label % CLASS_NAMES.length]})`;
      return option;
    }));
    if (chosen !== "" && Number(chosen) < count) pointClass.value = chosen;
  }

  function classColour(label) {
    return CLASS_COLOURS[label % CLASS_COLOURS.length];
  }

  function rgb(hex) {
    return [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
  }

  // ---- the plane

  /**
   * A canvas's drawing buffer sized to its box on screen, or to `size` CSS pixels square
   * whatever the layout (the same state then always gives the same pixels); returns its
   * context, its size and the pixels per CSS pixel.
   */
  function fitCanvas(canvas, size = null) {
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    const width = Math.max(1, Math.round((size || canvas.clientWidth) * ratio));
    const height = Math.max(1, Math.round((size || canvas.clientHeight) * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    return {context: canvas.getContext("2d"), width, height, ratio};
  }

  /** The plane the grid covers: its cells are centred on xs and ys. */
  function extent(grid) {
    const half = (values) => values.length > 1 ? (values[1] - values[0]) / 2 : 0.5;
    const {xs, ys} = grid;
    return {left: xs[0] - half(xs), right: xs[xs.length - 1] + half(xs),
            bottom: ys[0] - half(ys), top: ys[ys.length - 1] + half(ys)};
  }

  /** One pixel per grid cell, top row first; `colour(row, column)` gives [r, g, b]. */
  function gridImage(grid, colour) {
    const columns = grid.xs.length, rows = grid.ys.length;
    const cells = document.createElement("canvas");
    cells.width = columns;
    cells.height = rows;
    const context = cells.getContext("2d");
    const image = context.createImageData(columns, rows);
    for (let row = 0; row < rows; row++) {
      const y = rows - 1 - row;  // the grid's rows go bottom to top
      for (let column = 0; column < columns; column++) {
        const [r, g, b] = colour(row, column);
        const at = 4 * (y * columns + column);
        image.data[at] = r;
        image.data[at + 1] = g;
        image.data[at + 2] = b;
        image.data[at + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
    return cells;
  }

  function mix(colour, amount) {
    return colour.map((channel) => Math.round(255 + (channel - 255) * amount));
  }

  function drawBoundary(next) {
    const {context, width, height, ratio} = fitCanvas(boundary, BOUNDARY_SIZE);
    const grid = next.grid;
    const colours = CLASS_COLOURS.map(rgb);
    const cells = gridImage(grid, (row, column) => mix(
      colours[grid.class[row][column] % colours.length],
      0.12 + 0.6 * grid.confidence[row][column]));
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.drawImage(cells, 0, 0, width, height);

    const area = extent(grid);
    const place = ([x, y]) => [(x - area.left) / (area.right - area.left) * width,
                               (area.top - y) / (area.top - area.bottom) * height];
    const radius = 4.5 * ratio;
    context.lineWidth = ratio;
    next.train.points.forEach((point, i) => {
      const [px, py] = place(point);
      context.beginPath();
      context.arc(px, py, radius, 0, 2 * Math.PI);
      context.fillStyle = classColour(next.train.labels[i]);
      context.fill();
      context.strokeStyle = "#ffffff";
      context.stroke();
    });
    // Held-out points are rings: the class's colour around a white middle.
    next.heldout.points.forEach((point, i) => {
      const [px, py] = place(point);
      context.beginPath();
      context.arc(px, py, radius, 0, 2 * Math.PI);
      context.fillStyle = "#ffffff";
      context.fill();
      context.lineWidth = 3 * ratio;
      context.strokeStyle = classColour(next.heldout.labels[i]);
      context.stroke();
    });
  }

  /** The plane's (x, y) under a click on the boundary canvas. */
  function planePoint(event) {
    const box = boundary.getBoundingClientRect();
    const area = extent(state.grid);
    const fx = (event.clientX - box.left) / box.width;
    const fy = (event.clientY - box.top) / box.height;
    return [area.left + fx * (area.right - area.left), area.top - fy * (area.top - area.bottom)];
  }

  // ---- the curves

  /**
   * Training (solid) and held-out (dashed) curves over the epochs; the y axis runs from 0 to
   * `top`, or to the largest value when `top` is null. Accuracy (top 1) is shown in percent.
   */
  // The curves span epochs 1 to `epochs`; a long run's come thinned to evenly spaced points.
  function drawCurve(canvas, [training, heldout], top, epochs) {
    const {context, width, height, ratio} = fitCanvas(canvas);
    context.clearRect(0, 0, width, height);
    // A loop, not Math.max(...values): a long run has more epochs than a call has arguments.
    let largest = 0;
    for (const v of training.concat(heldout)) if (v > largest) largest = v;
    const high = top !== null ? top : (largest > 0 ? largest * 1.05 : 1);
    const left = 40 * ratio, right = width - 8 * ratio;
    const upper = 8 * ratio, lower = height - 18 * ratio;
    const points = Math.max(training.length, heldout.length, 1);
    const x = (i) => left + (points === 1 ? 0 : i / (points - 1)) * (right - left);
    const y = (v) => lower - (v / high) * (lower - upper);

    context.font = `${11 * ratio}px system-ui, sans-serif`;
    context.fillStyle = "#57606a";
    context.strokeStyle = "#d0d7de";
    context.lineWidth = ratio;
    context.textBaseline = "middle";
    context.textAlign = "right";
    const ticks = top !== null ? [0, 0.5, 1] : [0, high / 2, high];
    for (const tick of ticks) {
      context.beginPath();
      context.moveTo(left, Math.round(y(tick)) + 0.5);
      context.lineTo(right, Math.round(y(tick)) + 0.5);
      context.stroke();
      const label = top !== null ? `${Math.round(tick * 100)}%` : tick.toPrecision(2);
      context.fillText(tick === 0 ? "0" : label, left - 5 * ratio, y(tick));
    }
    context.textBaseline = "alphabetic";
    context.fillText(`epoch ${epochs}`, right, height - 3 * ratio);
    if (epochs > 1) {
      context.textAlign = "left";
      context.fillText("epoch 1", left, height - 3 * ratio);
    }

    const lines = [[heldout, HELDOUT_INK, [5, 4]], [training, TRAINING_INK, []]];
    for (const [series, ink, dash] of lines) {
      if (series.length === 0) continue;
      context.beginPath();
      context.setLineDash(dash.map((d) => d * ratio));
      context.lineWidth = 2 * ratio;
      context.strokeStyle = ink;
      series.forEach((v, i) => {
        if (!Number.isFinite(v)) return;
        if (i === 0) context.moveTo(x(i), y(v));
        else context.lineTo(x(i), y(v));
      });
      context.stroke();
      context.setLineDash([]);
    }
  }

  // ---- the first layer's neurons

  function drawNeurons(neurons, grid) {
    const box = document.getElementById("neurons");
    if (neurons.length === 0) {
      if (!box.querySelector(".help")) {
        const none = document.createElement("p");
        none.className = "help";
        none.textContent = "No hidden layer: the output is a linear function of the point.";
        box.replaceChildren(none);
      }
      return;
    }
    if (box.querySelectorAll("canvas").length !== neurons.length) {
      box.replaceChildren(...neurons.map(() => {
        const figure = document.createElement("figure");
        figure.className = "neuron";
        figure.append(document.createElement("canvas"), document.createElement("figcaption"));
        return figure;
      }));
    }
    const positive = rgb(CLASS_COLOURS[1]), negative = rgb(CLASS_COLOURS[0]);
    neurons.forEach((neuron, i) => {
      const figure = box.children[i];
      const canvas = figure.querySelector("canvas");
      const largest = Math.max(1e-12, ...neuron.values.flat().map(Math.abs));
      const cells = gridImage(grid, (row, column) => {
        const v = neuron.values[row][column] / largest;
        return mix(v >= 0 ? positive : negative, Math.abs(v));
      });
      canvas.width = cells.width;
      canvas.height = cells.height;
      canvas.getContext("2d").drawImage(cells, 0, 0);
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `${neuron.name}: its output over the plane`);
      const caption = figure.querySelector("figcaption");
      // The heading names the layer and the label the neuron: "layer 1 neuron 3" is "3".
      const shortName = neuron.name.replace(/^layer 1 neuron /, "");
      if (caption.textContent !== shortName) caption.textContent = shortName;
    });
  }

  // ---- the settings

  function fillSelect(id, items) {
    document.getElementById(id).replaceChildren(...items.map((item) => {
      const option = document.createElement("option");
      option.value = typeof item === "string" ? item : item.name;
      option.textContent = typeof item === "string" ? item : item.title;
      return option;
    }));
  }

  /** The controls show the lab's normalised settings. */
  function showSettings(settings) {
    for (const key of settingKeys) {
      const control = document.getElementById(key);
      if (control && key in settings) {
        control.value = settings[key];
        control.removeAttribute("aria-invalid");
      }
    }
  }

  function showSettingsError(message, control = null) {
    settingsError.hidden = message === null;
    settingsError.querySelector(".error-message").textContent = message || "";
    if (control) control.setAttribute("aria-invalid", "true");
  }

  function changedSettings(control) {
    const settings = {...state.settings, [control.id]: control.value};
    if (control.id === "dataset") {
      delete settings.noise;  // each dataset has its own default noise
      settings.added = "";    // the points clicked in belong to the other data
    }
    return settings;
  }

  async function changeSetting(control) {
    if (await start(changedSettings(control), control)) showSettings(state.settings);
  }

  function changeLayers(change) {
    const hidden = document.getElementById("hidden");
    const sizes = hidden.value.split(",").map((size) => size.trim()).filter(Boolean);
    change(sizes);
    hidden.value = sizes.join(",");
    changeSetting(hidden);
  }

  /** The setup in the address (training.html?dataset=circles&hidden=8...), by setting name. */
  function addressSettings() {
    const params = new URLSearchParams(location.search);
    const settings = {};
    for (const key of settingKeys) if (params.has(key)) settings[key] = params.get(key);
    return settings;
  }

  // ---- events

  playButton.addEventListener("click", () => (playing ? pause() : play()));
  document.getElementById("step").addEventListener("click", step);
  document.getElementById("reset").addEventListener("click", reset);
  settingsForm.addEventListener("submit", (event) => event.preventDefault());
  settingsForm.addEventListener("change", (event) => {
    if (settingKeys.includes(event.target.id)) changeSetting(event.target);
  });
  document.getElementById("add-layer").addEventListener("click", () => changeLayers((sizes) => {
    sizes.push(sizes.length ? sizes[sizes.length - 1] : "8");
  }));
  document.getElementById("remove-layer").addEventListener("click", () => changeLayers((sizes) => {
    sizes.pop();
  }));
  boundary.addEventListener("click", (event) => {
    if (state === null || document.body.dataset.ready !== "1") return;
    // To a thousandth: as precise as a click, and a short link.
    const [x, y] = planePoint(event).map((c) => Math.round(c * 1000) / 1000);
    addPoint(x, y);
  });
  window.addEventListener("resize", agPlayground.debounce(() => {
    if (state !== null) draw(state);  // the curves' buffers follow their boxes
  }, 150));
  agPlayground.setUpCopyButton(() => (state ? state.python : ""));

  async function open() {
    const options = await ask({action: "options"});
    if (!options.ok) {
      agPlayground.showLoadFailure(options.message);
      return;
    }
    settingKeys = [...new Set([...Object.keys(options.defaults), "added"])];
    fillSelect("dataset", options.datasets);
    fillSelect("activation", options.activations);
    fillSelect("loss", options.losses);
    fillSelect("optimizer", options.optimizers);
    const fromAddress = addressSettings();
    if (!await start(fromAddress)) {
      const problem = settingsError.querySelector(".error-message").textContent;
      await start({});
      showSettingsError(`The address's setup was refused (${problem}); showing the defaults.`);
    }
    if (state === null) return;  // not even the defaults: the message is shown
    showSettings(state.settings);
    agPlayground.markReady();
  }
  open();
})();
