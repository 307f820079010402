"""The incremental JSON reader under the HAR sanitizer: same values as ``json.loads``, any chunking."""

from __future__ import annotations

import functools
import io
import json
from collections import Counter
from typing import Any

import pytest
from diagbundle_plugins.har import stream
from diagbundle_plugins.har.jsonreader import JsonError, JsonReader
from diagbundle_plugins.har.stream import sanitize_har
from har_helpers import CASES
from hypothesis import given, settings
from hypothesis import strategies as st

from diagbundle import Redactor

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def read_all(data: bytes, read_size: int) -> list[Any]:
    """Every item of a top-level array, read one value at a time."""
    reader = JsonReader(io.BytesIO(data), read_size=read_size)
    reader.expect("[", "an array")
    values = [reader.value() for _ in reader.items()]
    reader.end()
    return values


@settings(max_examples=200, deadline=None)
@given(st.lists(json_values, max_size=6), st.integers(min_value=1, max_value=64), st.booleans())
def test_values_match_json_loads_at_any_read_size(items: list[Any], read_size: int, spaced: bool) -> None:
    data = json.dumps(items, indent=1 if spaced else None, ensure_ascii=False).encode()
    assert read_all(data, read_size) == json.loads(data)


@pytest.mark.parametrize("read_size", [1, 2, 3, 5, 8])
def test_numbers_cut_by_a_read_are_read_whole(read_size: int) -> None:
    assert read_all(b"[12345678, -0.5e-10, 1e300, 7]", read_size) == [12345678, -0.5e-10, 1e300, 7]


def test_members_and_nesting() -> None:
    reader = JsonReader(io.BytesIO(b' {"a": [1, {"b": 2}], "c" : "d"} '), read_size=3)
    reader.expect("{", "an object")
    seen = {key: reader.value() for key in reader.members()}
    reader.end()
    assert seen == {"a": [1, {"b": 2}], "c": "d"}


@pytest.mark.parametrize("cut", range(1, 40))
def test_every_truncation_is_reported_as_truncated(cut: int) -> None:
    data = b'[{"name": "x\\u00e9", "v": [1, 2.5, true, null]}, "tail"]'[:cut]
    with pytest.raises(JsonError) as err:
        read_all(data, 4)
    assert err.value.truncated


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"[NaN]", "NaN"), (b"[Infinity]", "Infinity"), (b"[1] [2]", "extra data"),
     (b'[{"a" 1}]', "Expecting ':'"), (b'["a\x01b"]', "control character"), (b"[1 2]", "',' or ']'"),
     (b'[{1: 2}]', "property name")],
)
def test_invalid_json_is_an_error_not_truncation(data: bytes, message: str) -> None:
    with pytest.raises(JsonError, match=message) as err:
        read_all(data, 2)
    assert not err.value.truncated


def test_error_position_counts_from_the_start_of_the_document() -> None:
    data = b"[" + b'"padding",' * 1000 + b"oops]"
    with pytest.raises(JsonError, match=f"at character {len(data) - 5}"):
        read_all(data, 64)


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(UnicodeDecodeError):
        read_all(b'["\xff"]', 2)


@pytest.mark.parametrize("read_size", [7, 4096])
def test_sanitized_har_does_not_depend_on_read_size(read_size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (CASES / "diagbundle-canary.har").read_bytes()

    def run() -> bytes:
        return b"".join(sanitize_har(io.BytesIO(data), Redactor(key=b"k" * 32), Counter()))

    reference = run()
    monkeypatch.setattr(stream, "JsonReader", functools.partial(JsonReader, read_size=read_size))
    assert run() == reference


@pytest.mark.parametrize("c_encoder", [True, False])
@settings(max_examples=100, deadline=None)
@given(value=json_values)
def test_output_encoder_writes_what_json_dumps_writes(c_encoder: bool, value: Any) -> None:
    """The HAR writer's encoders (one reused C encoder, or the public path) equal ``json.dumps``."""
    import json.encoder

    saved = getattr(json.encoder, "c_make_encoder", None)
    if not c_encoder:
        setattr(json.encoder, "c_make_encoder", None)  # noqa: B010 - private, untyped attribute
    try:
        compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
        reusable = stream._c_encoder(compact, json.encoder.encode_basestring)
        assert (reusable is not None) == (c_encoder and saved is not None)
        for ascii_only in (False, True):
            encode = stream._encoder(ensure_ascii=ascii_only)
            assert encode(value) == json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"))
    finally:
        setattr(json.encoder, "c_make_encoder", saved)  # noqa: B010
