"""A ``diagbundle_`` hook no hookspec declares (a typo): refused at check_pending()."""

from __future__ import annotations

from typing import Any

from diagbundle import hookimpl


@hookimpl
def diagbundle_register_colectors(register: Any) -> None:
    raise AssertionError("never called: no such hook")
