"""The golden fixtures (docs/fixtures.md): fixtures/manifest.json and one JSON file per case, each checked against
its SHA-256 in the manifest before use."""

import base64
import hashlib
import json
import os

import numpy as np

MANIFEST = "manifest.json"
ENVIRONMENT_VARIABLE = "BNAXIS_FIXTURES"


class FixtureError(Exception):
    """The fixtures cannot be used; the message is one line naming the file and what was expected."""


def find(given=None):
    """The fixture directory: the one given (option or BNAXIS_FIXTURES), else the nearest fixtures/ above the
    current directory, else above this package's source (a repository checkout), else the copy bundled in the
    package (when it was built with one)."""
    given = given or os.environ.get(ENVIRONMENT_VARIABLE)
    if given:
        if not os.path.isfile(os.path.join(given, MANIFEST)):
            raise FixtureError(f"fixtures '{given}' holds no {MANIFEST}: expected a fixture directory such as the repository's fixtures/")
        return os.path.abspath(given)
    here = os.path.dirname(os.path.abspath(__file__))
    for start in (os.getcwd(), here):
        directory = start
        while True:
            candidate = os.path.join(directory, "fixtures")
            if os.path.isfile(os.path.join(candidate, MANIFEST)):
                return candidate
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    bundled = os.path.join(here, "fixtures")
    if os.path.isfile(os.path.join(bundled, MANIFEST)):
        return bundled
    raise FixtureError("no fixtures/manifest.json above the current directory or the package: pass --bnaxis-fixtures DIR "
                       f"or set {ENVIRONMENT_VARIABLE}")


def _float64s(text):
    return np.frombuffer(base64.b64decode(text, validate=True), dtype="<f8").astype(np.float64)


class Expected:
    """One expected output: its name (steps[k].y in a sequence), shape, dtype, and per element the float64
    reference and the tolerance (docs/tolerance.md)."""

    def __init__(self, name, tensor):
        self.name = name
        self.dtype = tensor["dtype"]
        self.shape = tuple(tensor["shape"])
        self.reference = _float64s(tensor["reference"])
        self.tolerance = _float64s(tensor["tolerance"])


class FixtureCase:
    """A case file split in two: what the implementation is sent (`run_case`, the file without its expectations)
    and what it is graded against (`expected`, or `expected_error` for an invalid case)."""

    def __init__(self, entry, document):
        self.entry = entry
        self.id = document["id"]
        self.kind = document["kind"]
        self.dtype = document["dtype"]
        self.expected_error = document.get("error")
        if self.kind == "sequence":
            self.expected = [Expected(f"steps[{k}].{name}", tensor)
                             for k, step in enumerate(document["steps"]) for name, tensor in step["expected"].items()]
        else:
            self.expected = [Expected(name, tensor) for name, tensor in document.get("expected", {}).items()]
        run_case = {k: v for k, v in document.items() if k not in ("expected", "error")}
        if "steps" in run_case:
            run_case["steps"] = [{k: v for k, v in step.items() if k != "expected"} for step in run_case["steps"]]
        self.run_case = run_case


class FixtureSet:
    """A fixture directory: its manifest entries in order, and each case read and verified on demand."""

    def __init__(self, directory):
        self.directory = directory
        path = os.path.join(directory, MANIFEST)
        try:
            with open(path, "rb") as file:
                raw = file.read()
            manifest = json.loads(raw)
            self.entries = list(manifest["cases"])
            self.suite_version = manifest.get("suite_version", "?")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise FixtureError(f"{path} cannot be read as a fixture manifest: {error}") from None
        self.manifest_sha256 = hashlib.sha256(raw).hexdigest()
        self.by_id = {entry["id"]: entry for entry in self.entries}

    def read(self, case_id):
        entry = self.by_id[case_id]
        path = os.path.join(self.directory, *entry["path"].split("/"))
        try:
            with open(path, "rb") as file:
                raw = file.read()
        except OSError as error:
            raise FixtureError(f"case {case_id}: {error}") from None
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry["sha256"]:
            raise FixtureError(f"case {case_id}: {entry['path']} has SHA-256 {digest}: expected {entry['sha256']} "
                               "from the manifest (the file was changed)")
        return FixtureCase(entry, json.loads(raw))
