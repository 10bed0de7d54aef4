// The step-through explorer of autograd_scalar (autograd_scalar/explorer.py writes the data).
// It animates the static SVG that Graphviz drew of the finished graph: every text and
// number comes formatted from Python; this script only shows the right ones at each step.
function agExplore(script, id) {
  "use strict";
  var root = (script && script.closest && script.closest(".ag-explorer")) ||
      document.getElementById(id);
  if (!root || root.getAttribute("data-ready")) return;
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script.ag-data").textContent);
  var svg = root.querySelector(".ag-graph svg");
  var frames = data.frames, nodes = data.nodes, last = frames.length - 1;
  var neurons = data.neurons || {};  // with modules: a neuron's inside, by its box's number
  var SVG_NS = "http://www.w3.org/2000/svg";

  function el(tag, attributes, text) {
    var e = document.createElement(tag);
    for (var name in attributes) e.setAttribute(name, attributes[name]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // --- the drawing: Values (v12), operations (op12) and edges, by Graphviz's names
  var values = {}, operations = {}, edges = {};
  function titleOf(g) {
    var t = g.querySelector("title");
    return t ? t.textContent : "";
  }
  svg.querySelectorAll("g.node").forEach(function (g) {
    var name = titleOf(g), match = /^(v|op)(\d+)$/.exec(name);
    if (!match) return;
    if (match[1] === "op") { operations[match[2]] = g; return; }
    var texts = {};
    g.querySelectorAll("text").forEach(function (t) {
      var kind = t.textContent.slice(0, 5);
      if (kind === "data " || kind === "grad ") {
        texts[kind.trim()] = t;
        t.setAttribute("data-width", t.getComputedTextLength ? t.getComputedTextLength() : 0);
      }
    });
    values[match[2]] = {g: g, data: texts.data, grad: texts.grad};
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    var info = nodes[match[2]] && nodes[match[2]].info, neuron = neurons[match[2]];
    g.setAttribute("aria-label", neuron ? "Expand " + neuron.name
                                        : "Inspect " + (info ? info.title : name));
  });
  svg.querySelectorAll("g.edge").forEach(function (g) {
    var ends = titleOf(g).split("->");
    if (ends.length !== 2) return;
    var key = ends[0].split(":")[0] + ">" + ends[1].split(":")[0];
    (edges[key] = edges[key] || []).push(g);
  });
  var labels = svg.ownerDocument.createElementNS(SVG_NS, "g");
  labels.setAttribute("class", "ag-edge-labels");
  (svg.querySelector("g.graph") || svg).appendChild(labels);

  // --- the controls, the explanation and the inspector
  var controls = el("div", {"class": "ag-controls", role: "toolbar",
                            "aria-label": "Step through the passes"});
  var reset = el("button", {type: "button", "aria-label": "Reset"}, "\u21BA Reset");
  var previous = el("button", {type: "button", "aria-label": "Previous step"}, "\u25C0 Back");
  var play = el("button", {type: "button", "aria-label": "Play", "class": "ag-play"},
                "\u25B6 Play");
  var next = el("button", {type: "button", "aria-label": "Next step"}, "Next \u25B6");
  var scrubber = el("input", {type: "range", min: "0", max: String(last), value: "0",
                              step: "1", "aria-label": "Step"});
  var speed = el("select", {"aria-label": "Speed"});
  [["0.5", "0.5\u00D7"], ["1", "1\u00D7"], ["2", "2\u00D7"], ["4", "4\u00D7"]].forEach(
    function (option) {
      var o = el("option", {value: option[0]}, option[1]);
      if (option[0] === "1") o.selected = true;
      speed.appendChild(o);
    });
  var speedLabel = el("label", {"class": "ag-speed"}, "Speed ");
  speedLabel.appendChild(speed);
  var counter = el("span", {"class": "ag-counter", "aria-live": "polite"});
  [reset, previous, play, next, scrubber, speedLabel, counter].forEach(function (c) {
    controls.appendChild(c);
  });
  var main = el("div", {"class": "ag-main"});
  var graph = root.querySelector(".ag-graph");
  var side = el("div", {"class": "ag-side"});
  var explanation = el("div", {"class": "ag-explanation", "aria-live": "polite"});
  var inspector = el("div", {"class": "ag-inspector", role: "region", "aria-label": "Inspector"});
  var hint = Object.keys(neurons).length ?
      "Click a Value to inspect it, or a neuron\u2019s box to expand it." :
      "Click a Value to inspect it.";
  inspector.appendChild(el("p", {"class": "ag-hint"}, hint));
  side.appendChild(explanation);
  side.appendChild(inspector);
  root.insertBefore(controls, graph);
  root.insertBefore(main, graph);
  main.appendChild(graph);
  main.appendChild(side);
  root.classList.add("ag-live");
  // A wide graph keeps at least half its natural size, in a box that scrolls to the current
  // Value, rather than shrinking to unreadable text.
  var natural = svg.width && svg.width.baseVal ? svg.width.baseVal.value : 0;
  if (natural / 2 > graph.clientWidth && graph.clientWidth > 0) {
    svg.style.maxWidth = "none";
    svg.style.width = Math.round(natural / 2) + "px";
  }
  function follow(g) {
    if (!g || graph.scrollWidth <= graph.clientWidth) return;
    var box = g.getBoundingClientRect(), view = graph.getBoundingClientRect();
    if (box.left < view.left || box.right > view.right) {
      graph.scrollLeft += box.left - view.left - (view.width - box.width) / 2;
    }
  }

  // --- showing one step
  var current = 0, timer = null, expanded = null;

  function setText(t, text) {
    if (!t || t.textContent === text) return;
    t.textContent = text;
    // A number wider than the box Graphviz sized for the final one is squeezed to fit.
    var width = Number(t.getAttribute("data-width"));
    if (width > 0 && t.getComputedTextLength && t.getComputedTextLength() > width) {
      t.setAttribute("textLength", width);
      t.setAttribute("lengthAdjust", "spacingAndGlyphs");
    } else {
      t.removeAttribute("textLength");
    }
  }

  function gradAt(node, k) {
    var shown = null;
    for (var j = 0; j < node.grads.length && node.grads[j][0] <= k; j++) shown = node.grads[j][1];
    return shown;
  }

  // The box a Value is drawn in: its own, or (with modules) its neuron's or its batch's.
  function boxOf(i) {
    return nodes[i] && nodes[i].box !== undefined ? nodes[i].box : i;
  }

  function clearMarks() {
    root.querySelectorAll(".ag-current, .ag-receiving, .ag-active, .ag-feeding, .ag-here")
      .forEach(function (e) {
        e.classList.remove("ag-current", "ag-receiving", "ag-active", "ag-feeding", "ag-here");
      });
    while (labels.firstChild) labels.removeChild(labels.firstChild);
  }

  // An edge's label: the local derivative, then what is added ("× 0.5", "+= 0.6"), moved
  // down past any label already there.
  function labelEdge(g, lines) {
    var path = g.querySelector("path");
    if (!path || !path.getTotalLength) return;
    var point = path.getPointAtLength(path.getTotalLength() * 0.5);
    var t = svg.ownerDocument.createElementNS(SVG_NS, "text");
    t.setAttribute("text-anchor", "middle");
    t.setAttribute("class", "ag-edge-label");
    lines.forEach(function (line, n) {
      var span = svg.ownerDocument.createElementNS(SVG_NS, "tspan");
      span.setAttribute("x", point.x);
      span.setAttribute("dy", n ? "1.1em" : "0");
      span.textContent = line;
      t.appendChild(span);
    });
    t.setAttribute("y", point.y - 12);
    labels.appendChild(t);
    for (var tries = 0; tries < 8; tries++) {
      var box = t.getBBox(), clash = null;
      for (var c = labels.firstChild; c && c !== t; c = c.nextSibling) {
        var other = c.getBBox();
        if (box.x < other.x + other.width && other.x < box.x + box.width &&
            box.y < other.y + other.height && other.y < box.y + box.height) clash = other;
      }
      if (!clash) break;
      t.setAttribute("y", Number(t.getAttribute("y")) + clash.y + clash.height - box.y + 1);
    }
  }

  function show(k) {
    current = Math.max(0, Math.min(last, k));
    clearMarks();
    for (var i in values) {
      var node = nodes[i], box = values[i];
      if (!node) continue;
      var known = current >= node.dataAt, grad = gradAt(node, current);
      setText(box.data, "data " + (known ? node.data : "?"));
      setText(box.grad, "grad " + (grad === null ? "?" : grad));
      box.g.classList.toggle("ag-pending", !known);
      box.g.classList.toggle("ag-partial", grad !== null && !(current >= node.doneAt));
    }
    var frame = frames[current], at = frame.node;
    if (at !== null) {
      // A Value folded into a box (a neuron's weight or dot) outlines that box; its edges
      // are those into the box.
      var box = boxOf(at), into = box === at ? "op" + at : "v" + box;
      [values[box] && values[box].g, operations[at]].forEach(function (g) {
        if (g) g.classList.add("ag-current");
      });
      follow(values[box] && values[box].g);
      (edges["op" + at + ">v" + at] || []).forEach(function (g) { g.classList.add("ag-feeding"); });
      if (expanded !== null) {
        inspector.querySelectorAll('tr[data-node="' + at + '"]').forEach(function (tr) {
          tr.classList.add("ag-here");
        });
      }
      if (current > data.forwardCount) {
        frame.edges.forEach(function (edge) {
          var from = boxOf(edge[0]), parent = values[from];
          if (from === box) return;  // inside the same box: nothing drawn between them
          if (parent) parent.g.classList.add("ag-receiving");
          (edges["v" + from + ">" + into] || []).forEach(function (g, n) {
            g.classList.add("ag-active");
            if (n === 0) labelEdge(g, edge[1]);
          });
        });
      } else if (box === at) {
        for (var key in edges) {
          if (key.slice(-("op" + at).length - 1) === ">op" + at) {
            edges[key].forEach(function (g) { g.classList.add("ag-feeding"); });
          }
        }
      }
    }
    explanation.textContent = "";
    explanation.appendChild(el("h4", {}, frame.title));
    var list = el("ul");
    frame.lines.forEach(function (line) { list.appendChild(el("li", {}, line)); });
    explanation.appendChild(list);
    counter.textContent = "step " + current + " of " + last;
    scrubber.value = String(current);
    previous.disabled = current === 0;
    next.disabled = current === last;
  }

  // --- playing
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.setAttribute("aria-label", "Play");
    play.textContent = "\u25B6 Play";
  }
  function start() {
    if (current === last) show(0);
    timer = setInterval(function () {
      if (current >= last) { stop(); return; }
      show(current + 1);
    }, 900 / Number(speed.value));
    play.setAttribute("aria-label", "Pause");
    play.textContent = "\u275A\u275A Pause";
  }
  play.addEventListener("click", function () { if (timer === null) start(); else stop(); });
  speed.addEventListener("change", function () { if (timer !== null) { stop(); start(); } });
  previous.addEventListener("click", function () { stop(); show(current - 1); });
  next.addEventListener("click", function () { stop(); show(current + 1); });
  reset.addEventListener("click", function () { stop(); show(0); });
  scrubber.addEventListener("input", function () { stop(); show(Number(scrubber.value)); });
  root.addEventListener("keydown", function (event) {
    if (event.target === scrubber || event.target === speed) return;
    var to = {ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last}[event.key];
    if (to === undefined) return;
    stop();
    show(to);
    event.preventDefault();
    event.stopPropagation();  // in Jupyter the arrows would move between cells
  });

  // --- the inspector, and a neuron's box expanded in it
  function inspect(i) {
    var info = nodes[i] && nodes[i].info;
    if (!info) return;
    expanded = null;
    inspector.textContent = "";
    inspector.appendChild(el("h4", {}, info.title));
    var table = el("table");
    info.rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", {scope: "row"}, row[0]));
      tr.appendChild(el("td", {}, row[1]));
      table.appendChild(tr);
    });
    inspector.appendChild(table);
    [["Local derivatives", info.local], ["Chain rule", info.chain]].forEach(function (part) {
      if (!part[1].length) return;
      inspector.appendChild(el("h5", {}, part[0]));
      var list = el("ul");
      part[1].forEach(function (line) { list.appendChild(el("li", {}, line)); });
      inspector.appendChild(list);
    });
  }
  function table(head, rows, className) {
    var t = el("table", {"class": className});
    if (head) {
      var tr = el("tr");
      head.forEach(function (h) { tr.appendChild(el("th", {scope: "col"}, h)); });
      var thead = el("thead");
      thead.appendChild(tr);
      t.appendChild(thead);
    }
    var body = el("tbody");
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", {scope: "row"}, row[0]));
      row.slice(1).forEach(function (cell) { tr.appendChild(el("td", {}, cell)); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  // A neuron's inside: its weighted sum term by term, its activation, what it sends back.
  function expand(i) {
    var neuron = neurons[i];
    expanded = i;
    inspector.textContent = "";
    var heading = el("div", {"class": "ag-expanded-head"});
    heading.appendChild(el("h4", {}, neuron.title));
    var collapse = el("button", {type: "button", "class": "ag-collapse"}, "Collapse");
    collapse.addEventListener("click", function () {
      expanded = null;
      inspector.textContent = "";
      inspector.appendChild(el("p", {"class": "ag-hint"}, hint));
      values[i].g.focus();
      show(current);
    });
    heading.appendChild(collapse);
    inspector.appendChild(heading);
    var terms = table(neuron.head, neuron.rows.map(function (row) { return row.slice(1); }),
                      "ag-terms");
    terms.querySelectorAll("tbody tr").forEach(function (tr, n) {
      var node = neuron.rows[n][0];
      if (node !== null) tr.setAttribute("data-node", node);
      if (n === neuron.rows.length - 1) tr.classList.add("ag-total");
    });
    inspector.appendChild(terms);
    inspector.appendChild(table(null, neuron.summary, "ag-summary"));
    inspector.appendChild(el("h5", {}, "Backward: what it sends"));
    var list = el("ul");
    neuron.backward.forEach(function (line) { list.appendChild(el("li", {}, line)); });
    inspector.appendChild(list);
    show(current);
  }

  Object.keys(values).forEach(function (i) {
    var g = values[i].g, open = neurons[i] ? expand : inspect;
    g.addEventListener("click", function () { open(i); });
    // Hovering inspects, but leaves an expanded neuron open until it is collapsed.
    if (!neurons[i]) {
      g.addEventListener("mouseenter", function () { if (expanded === null) inspect(i); });
    }
    g.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { open(i); event.preventDefault(); }
    });
  });

  show(0);
}
