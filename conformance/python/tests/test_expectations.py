"""Expectations files are read as strictly as `bnaxis run --expectations` reads them; ids are globs of * and ?."""

import json

import pytest

from bnaxis_harness.expectations import Expectation, ExpectationsError, load, match


@pytest.mark.parametrize("pattern, case_id, matches", [
    ("keep.r4.*", "keep.r4.k1.train.f32", True),
    ("keep.r?.k1.train.f32", "keep.r4.k1.train.f32", True),
    ("keep.r4", "keep.r4.k1.train.f32", False),        # the whole id
    ("keep.r[4].*", "keep.r4.k1.train.f32", False),    # brackets are literal, never a character class
    ("Keep.*", "keep.r4", False),                      # case-sensitive
])
def test_globs(pattern, case_id, matches):
    assert Expectation(pattern, "fail", "r", None).matches(case_id) is matches


def test_the_first_matching_entry_applies(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"expectations": [{"id": "keep.*", "status": "skip", "reason": "a"},
                                                 {"id": "keep.r4.*", "status": "fail", "reason": "b"}]}))
    assert match(load(str(path)), "keep.r4.k1").reason == "a"


@pytest.mark.parametrize("text, message", [
    ('{"expectations": [1]}', "entry 0 is 1: expected an object"),
    ('{"expectations": [{"id": "a", "id": "b", "status": "fail", "reason": "r"}]}', "key 'id' appears twice"),
    ('{"expectations": [{"id": "a", "status": "maybe", "reason": "r"}]}', "'status' is \"maybe\""),
    ('{"expectations": [{"id": "a", "status": "fail", "reason": " "}]}', "not blank"),
    ('{"expectations": [{"id": "a", "status": "fail", "reason": "r", "note": 1}]}', "unknown key 'note'"),
    ('{"cases": []}', "expected an object with an 'expectations' array"),
    ('not json', "is not valid JSON"),
])
def test_bad_files_are_refused_in_one_line(tmp_path, text, message):
    path = tmp_path / "e.json"
    path.write_text(text)
    with pytest.raises(ExpectationsError) as raised:
        load(str(path))
    assert message in str(raised.value) and "\n" not in str(raised.value)
