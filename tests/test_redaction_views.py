"""Decoded views: the quick decoding of escaped-quote-only lines is the general decoding."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diagbundle.redaction import views

# Pieces that make the quick path's preconditions true or false: escaped
# quotes, escaped backslashes, other escapes, look-alikes that decode nothing.
PIECES = ['\\"', "\\", "\\\\", "\\n", "\\u003d", '"', "a", "7", " ", ":", "{", "}", "%3D", "%2",
          "%zz", "&amp;", "&x", "&#61;", "& ", "\x1b[0m", "\ufeff"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_quotes_only_decodes_as_the_general_path(parts: list[str]) -> None:
    text = "".join(parts)
    quick = views._quotes_only(text)
    if quick is not None:
        assert quick == views._decode_any(text)


def test_a_har_body_line_takes_the_quick_path_and_maps_back() -> None:
    line = ('{"text":"{\\"token\\":\\"abc\\",\\"next\\":\\"https://x.test/p?a=1&b=2\\"}"}')
    assert views._quotes_only(line) is not None
    view = views.view(line)
    assert view is not None
    start = view.text.index('"abc"')
    orig = view.original(start, start + 5)
    assert line[orig[0]:orig[1]] == '\\"abc\\"'


def test_lines_with_other_escapes_take_the_general_path() -> None:
    for line in ['{"a":"\\\\\\"x"}', '"\\u003d\\"x\\""', '"%3D\\"x\\""', '"&amp;\\"x\\""']:
        assert views._quotes_only(line) is None
        assert views._decode_once(line) == views._decode_any(line)
