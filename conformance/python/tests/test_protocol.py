"""The protocol loop: one answer per start and run, nothing else on stdout, sequences carried in the case dtype."""

import io
import json

import numpy as np

from bnaxis_harness import Implementation, Rejection, answer, encode, serve


def case(**fields):
    base = {"id": "t", "kind": "forward", "dtype": "float16", "shape": [2, 1], "axis": -1, "training": True,
            "layer": {"momentum": 0.5, "epsilon": 0.001, "center": True, "scale": True, "trainable": True},
            "inputs": {"x": encode(np.array([[1.0], [2.0]]), "float16"), "moving_mean": encode(np.array([0.0]), "float16")}}
    return dict(base, **fields)


def test_start_run_stop_and_prints_go_to_stderr(capsys):
    def forward(c):
        print("a print from the implementation")
        return {"y": c.x * 2}

    lines = [json.dumps({"cmd": "start", "protocol": 1, "format_version": "1.1.0"}),
             json.dumps({"cmd": "run", "seq": 7, "case": case()}), "not json", json.dumps({"cmd": "stop"}),
             json.dumps({"cmd": "run", "seq": 8, "case": case()})]
    out = io.StringIO()
    serve(stdin=io.BytesIO("\n".join(lines).encode()), stdout=out, forward=forward, name="t")
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert replies[0]["implementation"]["name"] == "t" and replies[0]["capabilities"]["features"] == ["training", "inference", "frozen", "sequence", "errors"]
    assert replies[1]["seq"] == 7 and replies[1]["outputs"]["y"]["dtype"] == "float16"
    assert "error" in replies[2]
    assert len(replies) == 3  # nothing after stop
    assert "a print from the implementation" in capsys.readouterr().err


def test_rejections_and_errors_are_answers():
    def rejecting(c):
        raise Rejection("rank_zero", "no axis")

    def broken(c):
        raise KeyError("gamma")

    assert answer(Implementation(forward=rejecting), case()) == {"rejected": {"category": "rank_zero", "message": "no axis"}}
    errored = answer(Implementation(forward=broken), case())["errored"]
    assert errored["message"] == "KeyError: 'gamma'" and "Traceback" in errored["traceback"]


def test_a_sequence_carries_the_statistics_rounded_to_the_case_dtype():
    seen = []

    def forward(c):
        seen.append(c.inputs["moving_mean"].copy())
        return {"y": c.x, "moving_mean": c.inputs["moving_mean"].astype(np.float32) + np.float32(1 / 3)}

    steps = [{"training": True, "x": encode(np.array([[1.0], [2.0]]), "float16")}] * 2
    reply = answer(Implementation(forward=forward), case(kind="sequence", steps=steps))
    assert len(reply["steps"]) == 2
    assert seen[1].dtype == np.float16 and seen[1].tolist() == [np.float16(1 / 3)]
