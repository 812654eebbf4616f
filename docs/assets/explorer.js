// The axis explorer (docs/explorer.md): what BatchNormalization(axis=...) keeps and reduces for a shape.
// Plain JavaScript, no framework, no network. It mirrors `bnaxis explain` exactly: the parsing of
// conformance/Explain/CommandLineValues.cs, the checks and messages of reference/BatchNormAxis/AxisResolution.cs,
// the permutation of ChannelFirstLayout.cs and the code lines of AxisExplanation.cs (conformance/Explain). The browser test
// (scripts/DocsSite/browser-test) holds it to docs/assets/axis-test-vectors.json, which Cli.Tests holds to the command.
"use strict";

(function () {
  const ARRAY_MAX_LENGTH = 2147483591n; // .NET's Array.MaxLength: every buffer is one flat array.
  const INT_MIN = -2147483648n;
  const INT_MAX = 2147483647n;

  class AxisError extends Error {}

  // ---- Parsing, as CommandLineValues.cs ----

  function stripBrackets(text) {
    const wrapped = text.length >= 2
      && ((text[0] === "(" && text[text.length - 1] === ")") || (text[0] === "[" && text[text.length - 1] === "]"));
    return wrapped ? text.slice(1, -1).trim() : text;
  }

  function parseIntegers(inner, optionName, original, expected) {
    const parts = inner.split(",");
    return parts.map((raw) => {
      const part = raw.trim();
      if (/^[+-]?[0-9]+$/.test(part)) {
        const value = BigInt(part);
        if (value >= INT_MIN && value <= INT_MAX) {
          return Number(value);
        }
      }

      // .NET's long.TryParse fails on "+-5" too, and IsAllDigits strips every leading sign: same wording here.
      const problem = /^[0-9]+$/.test(part.replace(/^[-+]+/, ""))
        ? "does not fit a 32-bit integer"
        : "is not a whole number";
      // Name the typed value once: a single entry is the value itself, so only an entry of a list is quoted apart.
      const message = part.length === 0
        ? `${optionName} '${original}' has an empty entry`
        : parts.length === 1
          ? `${optionName} '${original}' ${problem}`
          : `${optionName} '${original}' has '${part}', which ${problem}`;
      throw new AxisError(`${message}: expected ${expected}`);
    });
  }

  // bnaxis explain's hint (AxisExplanation.BatchAxisHint): every out-of-range entry is the rank itself.
  function batchAxisHint(shape, values) {
    const rank = shape.length;
    const onePastTheEnd = values.includes(rank);
    const othersInRange = values.every((a) => a >= -rank && a <= rank);
    const distinctWithBatch = new Set(values.map((a) => (a < 0 ? a + rank + 1 : a))).size === values.length;
    return onePastTheEnd && othersInRange && distinctWithBatch
      ? `; did you leave out the batch axis? For an input of shape (N, ${shape.join(", ")}), axis ${rank} is the channels`
      : "";
  }

  function parseShape(text) {
    let inner = stripBrackets(text.trim());
    if (inner.length === 0) {
      return [];
    }

    // Python writes a rank-1 shape as (5,): allow that one trailing comma.
    if (inner.endsWith(",") && inner.indexOf(",") === inner.length - 1) {
      inner = inner.slice(0, -1);
    }

    return parseIntegers(inner, "--shape", text, "comma-separated dimensions such as 8,32,32,3");
  }

  function parseAxis(text) {
    const trimmed = text.trim();
    const bracketed = trimmed.startsWith("[") || trimmed.startsWith("(");
    const inner = stripBrackets(trimmed);
    if (bracketed && inner.length === 0) {
      return { isList: true, values: [] };
    }

    const values = parseIntegers(inner, "--axis", text, "an integer such as -1, or a list such as 1,2,3");
    return { isList: bracketed || values.length > 1, values };
  }

  // ---- Python-style text, as ShapeText.cs ----

  const tuple = (values) => (values.length === 1 ? `(${values[0]},)` : `(${values.join(", ")})`);
  const list = (values) => `[${values.join(", ")}]`;
  const axisText = (axis) => (axis.isList ? list(axis.values) : String(axis.values[0]));
  const product = (values) => values.reduce((a, b) => a * b, 1);

  // ---- Resolution, as AxisResolution.Resolve: the same checks in the same order, the same messages ----

  function resolve(shape, axis) {
    const rank = shape.length;
    const shapeText = tuple(shape);
    const spelled = axisText(axis);
    if (rank === 0) {
      throw new AxisError(`axis=${spelled} cannot apply to input shape (): rank 0 has no axis to keep; expected an input of rank 1 or more`);
    }

    shape.forEach((dimension, a) => {
      if (dimension < 0) {
        throw new AxisError(`input shape ${shapeText} has dimension ${dimension} at axis ${a}: expected every dimension to be 1 or more (axis=${spelled})`);
      }
    });

    if (axis.values.length === 0) {
      throw new AxisError(`axis=[] keeps no axis of input shape ${shapeText} (resolves to []): expected at least one axis`);
    }

    // Python indexing: a negative axis counts from the end, so -1 is the last axis.
    const resolved = axis.values.map((given) => {
      const r = given < 0 ? given + rank : given;
      if (r < 0 || r >= rank) {
        const outOfRange = axis.isList ? `axis=${spelled} has ${given}, which is` : `axis=${spelled} is`;
        throw new AxisError(`${outOfRange} out of range for input shape ${shapeText}: expected an axis in [${-rank}, ${rank - 1}]${batchAxisHint(shape, axis.values)}`);
      }
      return r;
    });

    for (let i = 0; i < resolved.length; i++) {
      for (let j = i + 1; j < resolved.length; j++) {
        if (resolved[i] === resolved[j]) {
          throw new AxisError(`axis=${spelled} names axis ${resolved[i]} twice for input shape ${shapeText} (resolves to ${list(resolved)}): expected distinct axes`);
        }
      }
    }

    const kept = [...resolved].sort((a, b) => a - b);
    const context = `axis=${spelled} resolves to ${list(kept)}`;
    shape.forEach((dimension, a) => {
      if (dimension === 0) {
        throw new AxisError(`input shape ${shapeText} has a zero-sized dimension at axis ${a} (${context}): expected every dimension to be 1 or more; empty tensors are rejected`);
      }
    });

    const elementCount = shape.reduce((a, b) => a * BigInt(b), 1n);
    if (elementCount > ARRAY_MAX_LENGTH) {
      throw new AxisError(`input shape ${shapeText} has ${elementCount} elements (${context}): expected at most ${ARRAY_MAX_LENGTH}, the largest .NET array`);
    }

    const reduced = shape.map((_, a) => a).filter((a) => !kept.includes(a));
    const paramShape = kept.map((a) => shape[a]);
    const broadcastShape = shape.map((d, a) => (kept.includes(a) ? d : 1));
    const channelCount = product(paramShape);
    const reductionCount = product(reduced.map((a) => shape[a]));

    // ChannelFirstLayout.For: the first reduced axis, the kept axes, the other reduced axes; then (R0, C, R).
    const permutation = reduced.length === 0 ? kept : [reduced[0], ...kept, ...reduced.slice(1)];
    const channelFirstShape = reduced.length === 0
      ? [1, channelCount]
      : reduced.length === 1
        ? [shape[reduced[0]], channelCount]
        : [shape[reduced[0]], channelCount, reductionCount / shape[reduced[0]]];

    return {
      // The keys and order of `bnaxis explain --json`.
      json: {
        shape,
        axis: axis.isList ? axis.values : axis.values[0],
        kept_axes: kept,
        reduction_axes: reduced,
        param_shape: paramShape,
        broadcast_shape: broadcastShape,
        reduction_count: reductionCount,
        weight_shape: kept.length === 1 ? paramShape : broadcastShape,
        channel_first_permutation: permutation,
        channel_first_shape: channelFirstShape,
      },
      spelled,
      channelCount,
      permutedShape: permutation.map((a) => shape[a]),
      inversePermutation: shape.map((_, a) => permutation.indexOf(a)),
    };
  }

  // The lines `bnaxis explain` prints under "The same statistics with reduce-style APIs" (AxisExplanation.ToText).
  function codeLines(result) {
    const j = result.json;
    const identity = j.channel_first_permutation.every((a, i) => a === i);
    const permute = identity ? "" : `.permute(${j.channel_first_permutation.join(", ")})`;
    const unpermute = identity ? "" : `.permute(${result.inversePermutation.join(", ")})`;
    return [
      `np.mean(x, axis=${tuple(j.reduction_axes)}, keepdims=True)`,
      `tf.nn.moments(x, axes=${list(j.reduction_axes)}, keepdims=True)`,
      `x${permute}.reshape(${j.channel_first_shape.join(", ")})`,
      `y.reshape(${result.permutedShape.join(", ")})${unpermute}   # back to the input layout`,
    ];
  }

  function explain(shapeText, axisTextInput) {
    const shape = parseShape(shapeText);
    const axis = parseAxis(axisTextInput);
    return resolve(shape, axis);
  }

  // ---- The page ----

  function element(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (key === "text") {
        node.textContent = value;
      } else {
        node.setAttribute(key, value);
      }
    });
    children.forEach((child) => node.append(child));
    return node;
  }

  function fact(label, field, value, shown, note) {
    return element("tr", {},
      element("th", { scope: "row", text: label }),
      element("td", {}, element("code", { "data-field": field, "data-value": JSON.stringify(value), text: shown })),
      element("td", { text: note }));
  }

  function render(output, names, result) {
    const j = result.json;
    const axisNames = names.length === j.shape.length ? names : null;
    const boxes = element("ul", { class: "explorer-axes", "aria-label": "axes" });
    j.shape.forEach((size, a) => {
      const role = j.kept_axes.includes(a) ? "kept" : "reduced";
      boxes.append(element("li", { class: role, "data-axis": String(a) },
        element("strong", { text: axisNames ? axisNames[a] : `axis ${a}` }),
        element("span", { text: ` ${size}` }),
        element("span", { class: "role", text: role.toUpperCase() })));
    });

    const rows = [
      fact("input shape", "shape", j.shape, tuple(j.shape), "as typed"),
      fact("axis", "axis", j.axis, result.spelled, result.spelled.startsWith("[") ? "list spelling: tf.keras 2 only" : "Keras 3 and tf.keras 2"),
      fact("kept axes", "kept_axes", j.kept_axes, list(j.kept_axes), `one mean and variance per position along them: ${result.channelCount} channel${result.channelCount === 1 ? "" : "s"}`),
      fact("reduced axes", "reduction_axes", j.reduction_axes, list(j.reduction_axes), j.reduction_axes.length === 0 ? "nothing is reduced: every element is its own channel" : "statistics are taken over these"),
      fact("reduction count", "reduction_count", j.reduction_count, String(j.reduction_count), "elements per channel"),
      fact("Keras weights", "weight_shape", j.weight_shape, tuple(j.weight_shape), "gamma, beta, moving_mean, moving_variance"),
      fact("parameter shape", "param_shape", j.param_shape, tuple(j.param_shape), "compact: the kept dimensions"),
      fact("broadcast shape", "broadcast_shape", j.broadcast_shape, tuple(j.broadcast_shape), "full rank, 1 on every reduced axis"),
      fact("channel-dim-1 permutation", "channel_first_permutation", j.channel_first_permutation, tuple(j.channel_first_permutation), "PyTorch / ONNX: kept axes to dim 1"),
      fact("channel-dim-1 shape", "channel_first_shape", j.channel_first_shape, tuple(j.channel_first_shape), "(R0, C, R): kept axes flattened into C"),
    ];

    output.replaceChildren(
      element("p", { id: "explorer-title", text: `BatchNormalization(axis=${result.spelled}) on input shape ${tuple(j.shape)}` }),
      boxes,
      element("table", { class: "explorer-facts" }, element("tbody", {}, ...rows)),
      element("p", { text: "The same statistics with reduce-style APIs, which name the axes that disappear, and with a channel-dim-1 API (PyTorch BatchNorm1d, ONNX BatchNormalization):" }),
      element("pre", { class: "code" }, element("code", { id: "explorer-code", text: codeLines(result).join("\n") })));
  }

  function update() {
    const output = document.getElementById("explorer-output");
    const shapeText = document.getElementById("explorer-shape").value;
    const axisValue = document.getElementById("explorer-axis").value;
    const names = document.getElementById("explorer-names").value.split(",").map((n) => n.trim()).filter((n) => n.length > 0);
    try {
      render(output, names, explain(shapeText, axisValue));
    } catch (error) {
      if (!(error instanceof AxisError)) {
        throw error;
      }
      output.replaceChildren(element("p", { id: "explorer-error", class: "explorer-error", role: "alert", text: error.message }));
    }
  }

  function start() {
    const form = document.getElementById("explorer-form");
    if (!form) {
      return;
    }

    const params = new URLSearchParams(window.location.hash.slice(1));
    ["shape", "axis", "names"].forEach((key) => {
      if (params.has(key)) {
        document.getElementById(`explorer-${key}`).value = params.get(key);
      }
    });
    form.addEventListener("input", update);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      update();
    });
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
