"""The byte counts ``collect`` and ``upload`` print."""

from __future__ import annotations

import pytest

from diagbundle.cli.sizes import human_size


@pytest.mark.parametrize(("n", "shown"), [
    (0, "0 B"), (999, "999 B"), (1000, "1.0 KB"), (1_234_567, "1.2 MB"), (999_949_999, "999.9 MB"),
    (5_600_000_000, "5.6 GB"), (4_200_000_000_000, "4200.0 GB"),
])
def test_human_size(n: int, shown: str) -> None:
    assert human_size(n) == shown
