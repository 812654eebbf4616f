"""Expectations files, the format of `bnaxis run --expectations` (docs/protocol.md, "Expectations"): known failures
(`fail`: run, a failure is expected) and skips (`skip`: not run), each with a reason; the first entry whose id or
glob matches a case applies. Read as strictly as the runner reads them."""

import json
import os
import re

MAX_FILE_BYTES = 1 << 20
MAX_ID_LENGTH = 200
KEYS = {"id", "status", "reason", "url"}


class ExpectationsError(Exception):
    """The file is not a usable expectations file; one line naming the file, the entry and what was expected."""


class Expectation:
    def __init__(self, pattern, status, reason, url):
        self.pattern, self.status, self.reason, self.url = pattern, status, reason, url
        self.is_wildcard = "*" in pattern or "?" in pattern
        # Glob.IsMatch: * any run of characters, ? one character, everything else literal, the whole id.
        self._regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)

    def matches(self, case_id):
        return self._regex.fullmatch(case_id) is not None


def _no_repeated_keys(file):
    def pairs_hook(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ExpectationsError(f"{file}: key '{key}' appears twice: expected each key once")
            seen.add(key)
        return dict(pairs)
    return pairs_hook


def load(path):
    """The entries of an expectations file, in file order."""
    file = f"expectations file '{path}'"
    if os.path.isdir(path):
        raise ExpectationsError(f"{file} is a directory: expected a JSON file")
    if not os.path.isfile(path):
        raise ExpectationsError(f"{file} not found" if not os.path.exists(path) else f"{file} is not a regular file: expected a JSON file")
    size = os.path.getsize(path)
    if size == 0 or size > MAX_FILE_BYTES:
        raise ExpectationsError(f"{file} is {size} bytes: expected a JSON file of 1 to {MAX_FILE_BYTES} bytes (1 MiB)")
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_repeated_keys(file))
    except UnicodeDecodeError:
        raise ExpectationsError(f"{file} is not valid UTF-8: expected a UTF-8 JSON file") from None
    except ValueError as error:
        raise ExpectationsError(f"{file} is not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list) or set(document) - {"expectations", "$schema"}:
        raise ExpectationsError(f"{file}: expected an object with an 'expectations' array (and optionally '$schema')")
    entries = []
    for i, entry in enumerate(document["expectations"]):
        where = f"{file}, entry {i}"
        if not isinstance(entry, dict):
            raise ExpectationsError(f"{where} is {json.dumps(entry)[:80]}: expected an object with id, status and reason (and optionally url)")
        unknown = sorted(set(entry) - KEYS)
        if unknown:
            raise ExpectationsError(f"{where}: unknown key '{unknown[0]}': expected id, status, reason and optionally url")
        case_id, status, reason, url = entry.get("id"), entry.get("status"), entry.get("reason"), entry.get("url")
        if not isinstance(case_id, str) or not case_id or len(case_id) > MAX_ID_LENGTH:
            raise ExpectationsError(f"{where}: 'id' is {json.dumps(case_id)[:80]}: expected a case id or glob of 1 to {MAX_ID_LENGTH} characters")
        if status not in ("fail", "skip"):
            raise ExpectationsError(f"{where}: 'status' is {json.dumps(status)[:80]}: expected \"fail\" or \"skip\"")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(f"{where}: 'reason' is {json.dumps(reason)[:80]}: expected a reason that is not blank")
        if url is not None and not isinstance(url, str):
            raise ExpectationsError(f"{where}: 'url' is {json.dumps(url)[:80]}: expected a string")
        entries.append(Expectation(case_id, status, reason, url))
    return entries


def match(entries, case_id):
    """The first entry that matches the id, or None."""
    return next((e for e in entries if e.matches(case_id)), None)


def stale(entries, case_ids):
    """The entries that match no case."""
    return [e for e in entries if not any(e.matches(i) for i in case_ids)]
