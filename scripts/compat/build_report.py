#!/usr/bin/env python3
"""Builds docs/compatibility.md and its JSON twin from `bnaxis run --json` reports of the peer frameworks.

Standard library only (run it with /usr/bin/python3). Everything in the output comes from the run reports and the
fixture manifest; nothing volatile (timings, paths, stderr) is copied, so the same runs give the same bytes.

    build_report.py --date 2026-12-01 --manifest fixtures/manifest.json --md docs/compatibility.md \
        --json docs/compatibility.json [--keras-run keras-run.json] [--extra-behaviours rows.json ...] \
        pytorch=artifacts/compat/pytorch.json onnxruntime=... tfjs=... keras-numpy=...

--keras-run is what run-peers.sh wrote about how Keras ran (version, tag, Debian packages, stand-ins, why the torch
backend did not run); --extra-behaviours are rows of conformance/harnesses/keras/known_behaviours.py.
"""

import argparse
import json
import re
import sys
from collections import OrderedDict

# The peers, in column order: key -> (title, harness command for the reader, profile file or None).
PEERS = OrderedDict([
    ("pytorch", ("PyTorch `F.batch_norm`", "/usr/bin/python3 conformance/harnesses/pytorch/harness.py",
                 "conformance/harnesses/pytorch/expectations-pytorch-profile.json")),
    ("pytorch-aten", ("PyTorch ATen `torch.batch_norm`", "BNAXIS_TORCH_OP=aten /usr/bin/python3 conformance/harnesses/pytorch/harness.py",
                      None)),
    ("onnxruntime", ("ONNX Runtime (C#, CPU)", "dotnet conformance/harnesses/onnxruntime/bin/Release/net10.0/bnaxis-ort-harness.dll",
                     "conformance/harnesses/onnxruntime/expectations.json")),
    ("tfjs", ("TF.js `tf.layers.batchNormalization` (CPU)", "node conformance/harnesses/tfjs/harness.mjs",
              "conformance/harnesses/tfjs/expectations.json")),
    ("keras-numpy", ("Keras 3 `BatchNormalization` (numpy backend)",
                     "KERAS_BACKEND=numpy /usr/bin/python3 conformance/harnesses/keras/harness.py",
                     "conformance/harnesses/keras/expectations-keras3-profile.json")),
    ("keras-torch", ("Keras 3 `BatchNormalization` (torch backend)",
                     "KERAS_BACKEND=torch /usr/bin/python3 conformance/harnesses/keras/harness.py",
                     "conformance/harnesses/keras/expectations-keras3-profile.json")),
])

NOT_PASSED = ("failed", "errored", "timeout", "crashed", "not_run")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# --- What each case is -----------------------------------------------------------------------------------------

def features(entry):
    """The matrix rows a manifest entry belongs to."""
    rows = []
    kind, mode, rank, kept = entry["kind"], entry.get("mode"), entry["rank"], entry["kept_axes"]
    caps = entry["capabilities"]
    valid = kind != "invalid"
    if valid and kind in ("forward", "sequence"):
        if len(kept) == 1 and kept[0] == rank - 1:
            rows.append("keep-set: the last axis")
        elif len(kept) == 1:
            rows.append("keep-set: one axis, not the last")
        else:
            rows.append("keep-set: several axes")
    if valid:
        rows.append(f"rank {rank}")
        rows.append(f"dtype {entry['dtype']}")
    if kind == "forward" and "mask" not in caps:
        rows.append({"training": "training (forward)", "inference": "inference (forward)", "frozen": "frozen (trainable=false, training=true)"}[mode])
        if mode == "training":
            rows += ["output y, training", "moving mean, training", "moving variance, training"]
    if kind == "sequence":
        rows.append("sequence (moving statistics carried over calls)")
    if kind == "backward":
        rows.append("backward")
    if valid and "mask" in caps:
        rows.append("masks")
    if kind == "invalid":
        rows.append("invalid-input rejection")
    prefix = entry["id"].split(".")[0]
    if prefix == "data":
        rows.append("edge data (constant, huge, tiny, NaN, inf, signed zero, large offset, one value per channel)")
    if prefix == "params":
        rows.append("center/scale off, epsilon, momentum")
    if prefix == "spelling":
        rows.append("axis spellings (negative, list, shuffled)")
    if "renorm" in caps:
        rows.append("batch renormalization (renorm=True)")
    return rows


ROW_ORDER = [
    "keep-set: the last axis", "keep-set: one axis, not the last", "keep-set: several axes",
    "rank 1", "rank 2", "rank 3", "rank 4", "rank 5",
    "dtype float32", "dtype float64", "dtype float16", "dtype bfloat16",
    "training (forward)", "inference (forward)", "frozen (trainable=false, training=true)",
    "output y, training", "moving mean, training", "moving variance, training",
    "sequence (moving statistics carried over calls)", "backward", "masks", "invalid-input rejection",
    "edge data (constant, huge, tiny, NaN, inf, signed zero, large offset, one value per channel)",
    "center/scale off, epsilon, momentum", "axis spellings (negative, list, shuffled)",
    "batch renormalization (renorm=True)",
]

OUTPUT_ROWS = {"output y, training": "y", "moving mean, training": "moving_mean", "moving variance, training": "moving_variance"}


def output_passed(case, name):
    return any(o["name"] == name and o["passed"] for o in case["outputs"]) or case["verdict"] == "passed"


# --- Failure families ------------------------------------------------------------------------------------------

def observed(case):
    """What the framework did, without the expectation's prefix, numbers or anything after the first line."""
    message = case["message"] or ""
    if case["expectation"] and message.startswith("expected failure ("):
        reason = case["expectation"]["reason"]
        message = message[len("expected failure (") + len(reason) + len("): "):] if message.startswith("expected failure (" + reason) else message
    message = message.splitlines()[0] if message else ""
    message = message.replace("the implementation errored: ", "")
    return message


def family_key(case):
    conventions = [d["convention"] for d in case["diagnosis"]]
    if conventions:
        # The diagnosis names a pair of conventions found together as "... (together with other)".
        together = all("(together with " in d["explanation"] for d in case["diagnosis"])
        return case["verdict"], "diagnosis: " + (" + ".join if together else ", ".join)(f"`{c}`" for c in conventions) + (" together" if together else "")
    if case["verdict"] == "failed" and case["outputs"]:
        wrong = [o["name"] for o in case["outputs"] if not o["passed"]]
        return case["verdict"], "no known convention matches; wrong: " + ", ".join(wrong)
    text = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", observed(case))
    return case["verdict"], text


def families(report):
    groups = OrderedDict()
    for case in sorted(report["cases"], key=lambda c: c["id"]):
        if case["verdict"] not in NOT_PASSED:
            continue
        groups.setdefault(family_key(case), []).append(case)
    rows = []
    for (verdict, what), cases in groups.items():
        explanations = []
        for d in cases[0]["diagnosis"]:
            explanations.append(f"{d['convention']}: {d['explanation']}")
        reasons = sorted({c["expectation"]["reason"] for c in cases if c["expectation"]})
        rows.append({
            "verdict": verdict,
            "what": what,
            "count": len(cases),
            "required": sum(1 for c in cases if c["required"]),
            "examples": [c["id"] for c in cases[:3]],
            "explanations": explanations,
            "profile_reasons": reasons,
            "cases": [c["id"] for c in cases],
        })
    rows.sort(key=lambda r: (-r["count"], r["verdict"], r["what"]))
    return rows


# --- Known behaviours (issue trackers, and earlier runs of conformance/harnesses/) -------------------------------

def count(report, predicate):
    return sum(1 for c in report["cases"] if predicate(c)) if report else 0


def diagnosed(name, text=None):
    return lambda c: any(d["convention"] == name and (text is None or text in d["explanation"]) for d in c["diagnosis"])


def says(verdict, text):
    return lambda c: c["verdict"] == verdict and text in (c["message"] or "")


def known_behaviours(reports, manifest, extra):
    kind = {e["id"]: e for e in manifest["cases"]}

    def training_forward(c):
        return kind[c["id"]]["kind"] == "forward" and kind[c["id"]].get("mode") == "training"

    def output_ok(name):
        return lambda c: training_forward(c) and c["verdict"] not in ("unsupported", "skipped") and output_passed(c, name)

    r = {key: reports.get(key) for key in PEERS}
    items = [
        ("pytorch", "moving variance is unbiased, n/(n-1)", count(r["pytorch"], diagnosed("unbiased_moving_variance")),
         "cases diagnosed `unbiased_moving_variance`"),
        ("pytorch", "training output matches Keras for every keep-set (through the adapter)", count(r["pytorch"], output_ok("y")),
         "training cases whose y passes"),
        ("pytorch", "the momentum convention (1 - m) is converted by the adapter, so the moving mean matches", count(r["pytorch"], output_ok("moving_mean")),
         "training cases whose moving mean passes (and `pytorch_momentum` is never diagnosed: %d)" % count(r["pytorch"], diagnosed("pytorch_momentum"))),
        ("pytorch", "one value per channel in training: `F.batch_norm` raises ValueError", count(r["pytorch"], says("errored", "Expected more than 1 value per channel")),
         "cases errored with 'Expected more than 1 value per channel when training'"),
        ("pytorch-aten", "one value per channel in training: the ATen op gives a NaN running_var", count(r["pytorch-aten"], diagnosed("unbiased_moving_variance", "NaN")),
         "cases diagnosed `unbiased_moving_variance` with a NaN moving variance"),
        ("onnxruntime", "`training_mode=1` works on the CPU EP, biased moving variance as in Keras", count(r["onnxruntime"], lambda c: output_ok("moving_variance")(c) and c["id"].endswith(".f32")),
         "float32 training cases whose moving variance passes"),
        ("onnxruntime", "one value per channel: Y = beta, running_var = momentum * var, as in Keras", count(r["onnxruntime"], lambda c: c["id"].startswith("data.one-per-channel.") and c["verdict"] == "passed"),
         "`data.one-per-channel.*` cases passed"),
        ("onnxruntime", "(found here) epsilon and momentum are float32 attributes, also for float64 data", count(r["onnxruntime"], diagnosed("float32_hyperparameters")),
         "cases diagnosed `float32_hyperparameters`"),
        ("tfjs", "wrong output for any axis but the last (tensorflow/tfjs#1106)", count(r["tfjs"], diagnosed("channel_as_last_axis")),
         "cases diagnosed `channel_as_last_axis`"),
        ("tfjs", "gradients crash for any axis but the last (tensorflow/tfjs#1773)", count(r["tfjs"], says("errored", "must match the product of shape")),
         "backward cases errored with 'Size(...) must match the product of shape'"),
        ("tfjs", "training with center or scale off crashes", count(r["tfjs"], says("errored", "Cannot read properties of undefined")),
         "cases errored with 'Cannot read properties of undefined'"),
        ("tfjs", "`trainable` is ignored", count(r["tfjs"], diagnosed("frozen_ignored")),
         "cases diagnosed `frozen_ignored`"),
        ("tfjs", "one integer axis, ranks 2 to 4 only (the harness declares exactly that)", count(r["tfjs"], lambda c: c["verdict"] == "unsupported"),
         "cases unsupported (list axes, rank 1 and 5, float64/float16/bfloat16, masks)"),
        ("tfjs", "moving variance is biased, as in Keras", count(r["tfjs"], output_ok("moving_variance")),
         "training cases whose moving variance passes"),
    ]
    for key in ("keras-numpy", "keras-torch"):
        float64_failed = count(r[key], lambda c: c["id"].endswith(".f64") and c["verdict"] in NOT_PASSED)
        items += [
            (key, "float64 is computed in float32 (since Keras 3.12 on every backend but TensorFlow: "
                  "keras/src/backend/common/dtypes.py line 240, batch_normalization.py line 345 at v3.15.1)",
             count(r[key], diagnosed("float64_computed_in_float32")),
             "cases diagnosed `float64_computed_in_float32` (of %d float64 cases not passed)" % float64_failed),
            (key, "the unmasked batch variance is single-pass E[x^2] - E[x]^2 (keras/src/backend/numpy/nn.py line 951, "
                  "backend/torch/nn.py lines 980-982 at v3.15.1)", count(r[key], diagnosed("single_pass_variance")),
             "cases diagnosed `single_pass_variance`"),
        ]
    rows = []
    for key, behaviour, n, unit in items:
        if r[key] is None and key == "keras-torch":
            continue  # said under "How Keras was run"
        if r[key] is None:
            status, evidence = "not run", "this peer was not run"
        else:
            status, evidence = ("shown" if n > 0 else "not shown"), f"{n} {unit}"
        rows.append({"peer": key, "behaviour": behaviour, "status": status, "count": n, "evidence": evidence})
    rows += [dict(row) for row in extra]
    rows += [
        {"peer": "onnxruntime", "behaviour": "ORT 1.30.0 is about 20x slower on 2-D (N, C) input (microsoft/onnxruntime#25599)",
         "status": "not applicable", "count": 0, "evidence": "a speed issue of 1.30.0, not a semantic one; this report pins 1.31.1 and measures no timings"},
        {"peer": "tfjs", "behaviour": "the WASM backend gives the same wrong results for axes but the last (within 5e-7 of the CPU backend)",
         "status": "not run", "count": 0, "evidence": "the harness runs the CPU backend (pure JavaScript), as .ci/run does; the channel bug above is in both kernels"},
        {"peer": "torchsharp / onnxruntime-node", "behaviour": "TorchSharp 0.107 (needs an ELF patch on Debian 12) and onnxruntime-node 1.30.0",
         "status": "not run", "count": 0, "evidence": "outside issue 7's peers; their semantics are those of libtorch and ONNX Runtime, covered above"},
    ]
    return rows


# --- Output ----------------------------------------------------------------------------------------------------

def build(reports, manifest, date, keras_run=None, extra=()):
    entries = manifest["cases"]
    by_id = {e["id"]: e for e in entries}
    peers = []
    for key, (title, command, profile) in PEERS.items():
        report = reports.get(key)
        if report is None:
            continue
        cases = report["cases"]
        verdicts = {v: sum(1 for c in cases if c["verdict"] == v) for v in ("passed", "unsupported", "skipped")}
        peers.append({
            "key": key,
            "title": title,
            "implementation": report["implementation"]["name"],
            "version": report["implementation"]["version"],
            "language": report["implementation"]["language"],
            "harness": command,
            "dtypes": report["implementation"]["dtypes"],
            "ranks": report["implementation"]["ranks"],
            "features": report["implementation"]["features"],
            "profile": profile,
            "passed": verdicts["passed"],
            "not_passed": sum(1 for c in cases if c["verdict"] in NOT_PASSED),
            "unsupported": verdicts["unsupported"],
            "required_not_passed": sum(1 for c in cases if c["required"] and c["verdict"] != "passed"),
            "profile_failures": report["summary"]["failed"] if profile else None,
            "harness_unstable": report["harness_unstable"],
        })

    matrix = []
    for row in ROW_ORDER:
        ids = [e["id"] for e in entries if row in features(e)]
        if not ids:
            continue
        cells = OrderedDict()
        for peer in peers:
            cases = {c["id"]: c for c in reports[peer["key"]]["cases"]}
            name = OUTPUT_ROWS.get(row)
            if name:
                passed = sum(1 for i in ids if cases[i]["verdict"] in ("passed", "failed") and output_passed(cases[i], name))
            else:
                passed = sum(1 for i in ids if cases[i]["verdict"] == "passed")
            unsupported = sum(1 for i in ids if cases[i]["verdict"] == "unsupported")
            cells[peer["key"]] = {"passed": passed, "total": len(ids), "unsupported": unsupported}
        matrix.append({"feature": row, "cells": cells})

    return {
        "title": "BatchNormAxis compatibility report",
        "date": date,
        "suite_version": manifest["suite_version"],
        "format_version": manifest["format_version"],
        "case_count": len(entries),
        "peers": peers,
        "matrix": matrix,
        "families": {p["key"]: families(reports[p["key"]]) for p in peers},
        "known_behaviours": known_behaviours(reports, manifest, extra),
        "keras_run": keras_run,
        "cases": OrderedDict((e["id"], OrderedDict(
            (p["key"], {"verdict": c["verdict"], "diagnosis": [d["convention"] for d in c["diagnosis"]]})
            for p in peers for c in [next(x for x in reports[p["key"]]["cases"] if x["id"] == e["id"])]))
            for e in sorted(entries, key=lambda e: e["id"]) if e["id"] in by_id),
    }


def cell(c):
    text = f"{c['passed']}/{c['total']}"
    if c["unsupported"]:
        text += f" ({c['unsupported']} n/a)"
    return text


def markdown(data):
    peers = data["peers"]
    out = []
    w = out.append
    w("# Compatibility: PyTorch, ONNX Runtime, TF.js and Keras 3 itself against Keras `BatchNormalization(axis=...)`")
    w("")
    w(f"Generated on {data['date']} by `scripts/compat/run-peers.sh` from the conformance suite {data['suite_version']} "
      f"(fixture format {data['format_version']}, {data['case_count']} cases): each framework ran every case through its harness "
      "(`bnaxis run --json`), and this page counts the verdicts. Do not edit it by hand: "
      "`scripts/compat/run-peers.sh --check` regenerates it and fails if it differs. The JSON twin is "
      "[compatibility.json](compatibility.json) (the same numbers, plus every case's verdict and diagnosis per framework).")
    w("")
    w("The harnesses adapt layouts only (a Keras keep-set onto the framework's channel dimension 1, PyTorch's momentum "
      "`1 - m`); they never correct a framework's convention, so every difference below is the framework's own. The "
      "Keras harness calls `keras.layers.BatchNormalization` itself, through its public API, and maps only Keras' "
      "own exceptions to error categories. See [conformance/harnesses/README.md](../conformance/harnesses/README.md).")
    w("")
    w("## Frameworks")
    w("")
    w("| framework | version | passed | failed or errored | unsupported (not declared) | required cases not passed | with its profile |")
    w("|---|---|---|---|---|---|---|")
    for p in peers:
        if p["profile"]:
            profile = f"[`{p['profile'].split('/')[-1]}`](../{p['profile']}): " + ("every other case passes" if p["profile_failures"] == 0 else f"{p['profile_failures']} unexpected results")
        else:
            profile = "none (a diagnostic run)"
        w(f"| {p['title']} | {p['version']} | {p['passed']} | {p['not_passed']} | {p['unsupported']} | {p['required_not_passed']} | {profile} |")
    w("")
    w("Capabilities each harness declares (cases needing anything else are reported as unsupported):")
    w("")
    for p in peers:
        w(f"- **{p['title']}** (`{p['implementation']}`, {p['language']}): dtypes {', '.join(p['dtypes'])}; ranks "
          f"{', '.join(str(r) for r in p['ranks'])}; {', '.join(p['features'])}. Harness: `{p['harness']}`.")
    w("")
    keras_run = data.get("keras_run")
    if keras_run:
        standins = keras_run["standins"]
        w("## How Keras was run")
        w("")
        w(f"Keras {keras_run['version']} from its source: keras-team/keras at tag `{keras_run['tag']}` (exported with "
          "`git archive`, or a checkout; `scripts/compat/run-peers.sh` checks that `keras/src/version.py` says "
          f"{keras_run['version']}), imported from the source tree, with no package installed, since no Python package "
          "index is reachable here. Its dependencies that Debian packages are Debian's (" + ", ".join(f"`{d}`" for d in keras_run["debian"])
          + "). " + ("Stand-ins from [scripts/compat/keras-standins/](../scripts/compat/keras-standins/README.md) "
                     "replaced what does not import: " + ", ".join(f"`{m}`" for m in standins)
                     + " (optree: a pure-Python subset of the functions `keras/src/tree/optree_impl.py` calls; jax and "
                     "ml_dtypes: imported at module top by Keras, never called by this layer, raising ImportError if "
                     "called). Without ml_dtypes there is no bfloat16, so the harness declares none. "
                     if standins else "No stand-in was needed. ")
          + "A user with `pip install keras` runs the same harness without any of this.")
        w("")
        if keras_run.get("renorm"):
            w("The fixtures have renorm cases, and the harness declares `renorm` (Keras 3.14 and later accept "
              "`renorm=`).")
        else:
            w("The fixtures have no renorm case, so the harness ran with `BNAXIS_KERAS_RENORM=0` (a runner without the "
              "renorm tier refuses the `renorm` feature).")
        w("")
        torch = keras_run.get("torch_not_run")
        if torch:
            w(f"The torch backend has no row: {torch}.")
            w("")
    w("## Matrix")
    w("")
    w("Cases passed out of the cases of each feature; `n/a` counts the cases the harness does not declare. A case can "
      "count in several rows. The `output y` and `moving ...` rows count forward training cases whose output passed, "
      "even when another output of the case failed.")
    w("")
    w("| feature | " + " | ".join(p["title"] for p in peers) + " |")
    w("|---|" + "---|" * len(peers))
    for row in data["matrix"]:
        w(f"| {row['feature']} | " + " | ".join(cell(row["cells"][p["key"]]) for p in peers) + " |")
    w("")
    w("## Failure families and their diagnoses")
    w("")
    w("Every case that did not pass, grouped by what the suite diagnosed (the known wrong convention the outputs match, "
      "[docs/protocol.md](protocol.md#grading-and-diagnosis)) or, without a diagnosis, by what the framework said. "
      "`profile` is the reason the framework's profile gives for these cases.")
    for p in peers:
        w("")
        w(f"### {p['title']} {p['version']}")
        w("")
        rows = data["families"][p["key"]]
        if not rows:
            w("Every case it runs passes.")
            continue
        w("| cases | verdict | what | examples | explanation |")
        w("|---|---|---|---|---|")
        for f in rows:
            explanation = "; ".join(f["explanations"])
            if f["profile_reasons"]:
                explanation += ("<br>" if explanation else "") + "profile: " + " / ".join(f["profile_reasons"])
            examples = ", ".join(f"`{e}`" for e in f["examples"])
            required = f" ({f['required']} required)" if f["required"] else ""
            w(f"| {f['count']}{required} | {f['verdict']} | {f['what'].replace('|', '/')} | {examples} | {explanation.replace('|', '/')} |")
    w("")
    w("## Known behaviours and where they show up")
    w("")
    w("Each known behaviour of these frameworks, from their issue trackers, measured earlier by this project's peer "
      "harnesses (`conformance/harnesses/`), or read in Keras' code, checked against this run; the count is computed "
      "from the reports. Keras' rows without a case count come from `conformance/harnesses/keras/known_behaviours.py`, "
      "run on the same Keras: small deterministic computations for what no fixture shows.")
    w("")
    w("| framework | behaviour | status | evidence |")
    w("|---|---|---|---|")
    titles = {p["key"]: p["title"] for p in peers}
    for k in data["known_behaviours"]:
        w(f"| {titles.get(k['peer'], k['peer'])} | {k['behaviour']} | {k['status']} | {k['evidence']} |")
    w("")
    w("Notes on the families above:")
    w("")
    w("- Diagnoses joined by `+ ... together` are two conventions at once (the diagnosis tries pairs when no single "
      "convention explains a failure): a frozen layer without a `trainable` flag, in PyTorch also with its unbiased "
      "moving variance, in ONNX Runtime on float64 also with float32 attributes, in TF.js on axis 1 also with the "
      "channel bug. Diagnoses joined by a comma are single conventions that each explain the outputs.")
    w("- PyTorch bfloat16: computed in bfloat16 (Keras computes in float32); the conventions named on some of these "
      "cases fit within bfloat16 rounding and are coincidences, as the profile says.")
    w("- PyTorch `params.r3.k1.gamma-shape-1x2.train.f32`: PyTorch checks a weight's element count only, so it "
      "accepts a gamma of the wrong rank.")
    w("- Keras: the numpy backend has no autodiff, so its harness declares no `backward`; Keras 3 takes one int "
      "axis, so list and multi-axis cases are unsupported. Its profile lists float64 (computed in float32) and the "
      "single-pass variance; the float64 failures carry `float64_computed_in_float32` once the suite's diagnosis "
      "knows that convention.")
    w("- PyTorch's ATen run has no profile (it differs from `F.batch_norm` only where one value per channel is "
      "refused); it is there to show the NaN moving variance.")
    w("")
    return "\n".join(out)


def compact_json(value, depth=0):
    """JSON with one member per line, but lists of scalars and the per-case entries on one line each (a diffable file)."""
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(value, dict) and value:
        if depth >= 2 and all(isinstance(v, dict) for v in value.values()) and all(
                not isinstance(x, (dict,)) for v in value.values() for x in v.values()):
            return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()) + "}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {compact_json(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + compact_json(v, depth + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", required=True, help="the date the page states, YYYY-MM-DD")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--md", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--keras-run", help="run-peers.sh's account of how Keras ran (JSON)")
    parser.add_argument("--extra-behaviours", action="append", default=[],
                        help="known-behaviour rows (JSON list) from conformance/harnesses/keras/known_behaviours.py")
    parser.add_argument("reports", nargs="+", help="peer=report.json, peer one of " + ", ".join(PEERS))
    args = parser.parse_args()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.date):
        parser.error(f"--date {args.date!r}: expected YYYY-MM-DD")
    reports = {}
    for item in args.reports:
        key, _, path = item.partition("=")
        if key not in PEERS or not path:
            parser.error(f"{item!r}: expected peer=report.json with peer one of {', '.join(PEERS)}")
        try:
            reports[key] = load(path)
        except (OSError, ValueError) as error:
            parser.error(f"{key}: cannot read the run report {path}: {error}")
    keras_run, extra = None, []
    try:
        keras_run = load(args.keras_run) if args.keras_run else None
        for path in args.extra_behaviours:
            extra += load(path)
    except (OSError, ValueError) as error:
        parser.error(f"cannot read {error.filename if isinstance(error, OSError) else 'a JSON file'}: {error}")
    manifest = load(args.manifest)
    expected = sorted(e["id"] for e in manifest["cases"])
    for key, report in reports.items():
        ids = sorted(c["id"] for c in report.get("cases", []))
        if ids != expected:
            parser.error(f"{key}: the run report covers {len(ids)} of the manifest's {len(expected)} cases; run every case (no --filter) with these fixtures")
    data = build(reports, manifest, args.date, keras_run, extra)
    with open(args.md, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(markdown(data))
    with open(args.json, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(compact_json(data) + "\n")


if __name__ == "__main__":
    sys.exit(main())
