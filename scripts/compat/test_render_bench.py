"""Tests of the peer benchmark's table (render_bench.py) on made-up results; no tool runs.

The expected numbers are worked out by hand from the method of docs/performance.md ("Against the peers"): x is
32 * 56 * 56 * 64 float32 = 25,690,112 bytes, so a probe of 20 ms (read) and 40 ms (copy) over 400,000,000 bytes
gives for x read 1.2845 ms and copy 2.5690 ms: training roofline copy + read = 3.85 ms, inference copy = 2.57 ms,
backward copy + 3 reads = 6.42 ms.

    /usr/bin/python3 scripts/compat/test_render_bench.py
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

RENDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "render_bench.py")
AXES = ["-1", "1", "1,2,3", "0"]


def cells_of(stdout, label):
    """The cells of the table row of a layout, e.g. "`axis=0`"."""
    row = next(line for line in stdout.splitlines() if line.startswith("| " + label))
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def round_lines(fast_ms=10.0, overrides=None):
    """One round on 1 thread: the probe above, every cell of fast at fast_ms, every peer cell at 20 ms, then overrides."""
    lines = [{"tool": "probe", "threads": 1, "buffer_bytes": 400000000, "read_ms": 20.0, "copy_ms": 40.0},
             {"tool": "fast", "threads": 1, "meta": {"dotnet": "10.0.0", "vector_bits": 256}},
             {"tool": "ort", "threads": 1, "meta": {"onnxruntime": "1.31.1", "graphs": {}}},
             {"tool": "torch", "threads": 1, "meta": {"torch": "1.13.0"}}]
    for axis in AXES:
        for mode in ("training", "inference", "backward"):
            tools = {"fast": fast_ms, "torch": 20.0} if mode == "backward" else {"fast": fast_ms, "ort": 20.0, "torch": 20.0}
            for tool, ms in tools.items():
                ms = (overrides or {}).get((tool, axis, mode), ms)
                lines.append({"tool": tool, "threads": 1, "axis": axis, "mode": mode, "ms": ms, "calls": 30, "warmup_calls": 30})
    return lines


class RenderBenchTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)

    def write_round(self, name, lines):
        path = os.path.join(self.directory.name, name)
        with open(path, "w", encoding="utf-8") as file:
            file.writelines(json.dumps(line) + "\n" for line in lines)
        return path

    def render(self, *arguments):
        return subprocess.run([sys.executable, RENDER, "--command", "bench", "--started", "2026-12-02 14:00", *arguments],
                              capture_output=True, text=True, check=False)

    def test_rooflines_come_from_the_probe_scaled_to_x(self):
        result = self.render(self.write_round("round-1.jsonl", round_lines()))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("| 1 | 20.0 ms | 40.0 ms | 3.85 ms | 2.57 ms | 6.42 ms |", result.stdout)

    def test_of_roofline_is_the_roofline_over_fast_time(self):
        # inference roofline 2.569 ms against fast 2.569 ms is 100 %; against the default 10 ms it is 26 %.
        result = self.render(self.write_round("round-1.jsonl", round_lines(overrides={("fast", "0", "inference"): 2.5690112})))
        self.assertEqual(cells_of(result.stdout, "`axis=0`")[5:7], ["2.57", "100 %"])
        self.assertIn("`axis=-1` (NHWC) inference (26 %)", result.stdout)
        self.assertNotIn("`axis=0` inference (", result.stdout)

    def test_a_peer_as_fast_as_fast_is_bold_and_named(self):
        overrides = {("torch", "-1", "training"): 5.0, ("ort", "1", "inference"): 10.0}
        result = self.render(self.write_round("round-1.jsonl", round_lines(overrides=overrides)))
        self.assertIn("**5.00**", result.stdout)
        self.assertIn("**10.00**", result.stdout)
        self.assertIn("Fast is **not ahead** in 2 of 20 comparisons: `axis=-1` (NHWC) training: libtorch 5.00 ms, "
                      "fast 10.00 ms; `axis=1` (NCHW) inference: ONNX Runtime 10.00 ms, fast 10.00 ms.", result.stdout)

    def test_fast_ahead_everywhere_says_so_and_onnx_runtime_has_no_backward(self):
        result = self.render(self.write_round("round-1.jsonl", round_lines()))
        self.assertIn("Fast is ahead of both peers in all 20 comparisons.", result.stdout)
        # backward: roofline 6.42 ms / fast 10 ms = 64 %; no ONNX Runtime cell; nothing where fast is not ahead
        self.assertEqual(cells_of(result.stdout, "`axis=[1, 2, 3]`")[9:14], ["10.00", "64 %", "–", "20.00", "—"])

    def with_paired_probes(self, lines, read_ms, copy_ms):
        """The round's fast cells, each with a paired probe of the given (before, after) values."""
        for line in lines:
            if line["tool"] == "fast" and "axis" in line:
                line["probe"] = {"read_ms": list(read_ms), "copy_ms": list(copy_ms), "buffer_bytes": 400000000}
        return lines

    def test_paired_probes_give_each_round_its_own_roofline(self):
        # Round 1's paired probe averages to read 10 ms, copy 20 ms: half the round probe's, so rooflines of 1.925
        # (training), 1.2845 (inference) and 3.211 ms (backward); round 2's averages to the round probe's 20 and 40 ms.
        # Fast takes 10 ms in both, so backward is at 32 % in round 1 and 64 % in round 2: the median is 48 %,
        # where against the round probe alone both rounds are at 64 %.
        rounds = [self.write_round("round-1.jsonl", self.with_paired_probes(round_lines(), (5.0, 15.0), (10.0, 30.0))),
                  self.write_round("round-2.jsonl", self.with_paired_probes(round_lines(), (20.0, 20.0), (30.0, 50.0)))]
        result = self.render(*rounds)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(cells_of(result.stdout, "`axis=[1, 2, 3]`")[9:11], ["10.00", "48 %"])
        self.assertIn("(against the probe paired with each cell)", result.stdout)
        self.assertIn("Against the probes at the rounds' starts instead: below 85 %: ", result.stdout)
        self.assertIn("`axis=[1, 2, 3]` backward (64 %)", result.stdout)

    def test_a_round_without_paired_probes_falls_back_to_the_round_probe(self):
        rounds = [self.write_round("round-1.jsonl", self.with_paired_probes(round_lines(), (5.0, 15.0), (10.0, 30.0))),
                  self.write_round("round-2.jsonl", round_lines())]
        result = self.render(*rounds)
        self.assertEqual(cells_of(result.stdout, "`axis=[1, 2, 3]`")[9:11], ["10.00", "64 %"])
        self.assertIn("(against the probes at the rounds' starts)", result.stdout)
        self.assertNotIn("instead", result.stdout)

    def test_a_malformed_paired_probe_is_one_line_and_exit_1(self):
        result = self.render(self.write_round("round-1.jsonl", self.with_paired_probes(round_lines(), (5.0,), (10.0, 30.0))))
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.count("\n"), 1)
        self.assertIn("round-1.jsonl: the probe of fast's cell axis=-1 training", result.stderr)

    def test_a_cell_is_the_median_over_rounds(self):
        rounds = [self.write_round(f"round-{k}.jsonl", round_lines(fast_ms=ms)) for k, ms in ((1, 9.0), (2, 30.0), (3, 11.0))]
        result = self.render(*rounds)
        self.assertIn("3 interleaved round(s)", result.stdout)
        self.assertEqual(cells_of(result.stdout, "`axis=0`")[1], "11.00")

    def test_write_replaces_only_what_is_between_the_markers_every_time(self):
        page = os.path.join(self.directory.name, "page.md")
        with open(page, "w", encoding="utf-8") as file:
            file.write("# Title\n\nbefore\n<!-- bench-peers:begin -->\nstale table\n<!-- bench-peers:end -->\n\nafter\n")
        results = self.write_round("round-1.jsonl", round_lines())
        for _ in range(2):
            result = self.render("--write", page, results)
            self.assertEqual(result.returncode, 0, result.stderr)
        with open(page, encoding="utf-8") as file:
            text = file.read()
        self.assertTrue(text.startswith("# Title\n\nbefore\n<!-- bench-peers:begin -->\nCommand: `bench`"))
        self.assertTrue(text.endswith("<!-- bench-peers:end -->\n\nafter\n"))
        self.assertNotIn("stale table", text)
        self.assertEqual(text.count("**1 thread**"), 1)
        self.assertEqual(text[text.index("-->") + 4:text.rindex("<!--")], result.stdout)

    def test_a_page_without_markers_is_refused_and_left_alone(self):
        page = os.path.join(self.directory.name, "page.md")
        with open(page, "w", encoding="utf-8") as file:
            file.write("no markers\n")
        result = self.render("--write", page, self.write_round("round-1.jsonl", round_lines()))
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.count("\n"), 1)
        self.assertIn("<!-- bench-peers:begin -->", result.stderr)
        with open(page, encoding="utf-8") as file:
            self.assertEqual(file.read(), "no markers\n")

    def test_smoke_runs_are_labelled(self):
        result = self.render("--smoke", self.write_round("round-1.jsonl", round_lines()))
        self.assertIn("**Smoke run**", result.stdout)
        self.assertNotIn("Smoke", self.render(self.write_round("round-2.jsonl", round_lines())).stdout)

    def test_an_unknown_option_is_one_line_and_exit_2(self):
        result = self.render("--bogus", self.write_round("round-1.jsonl", round_lines()))
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.count("\n"), 1)
        self.assertIn("--bogus", result.stderr)

    def test_a_missing_result_file_is_one_line_and_exit_1(self):
        result = self.render(os.path.join(self.directory.name, "absent.jsonl"))
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.count("\n"), 1)
        self.assertIn("absent.jsonl", result.stderr)


if __name__ == "__main__":
    unittest.main()
