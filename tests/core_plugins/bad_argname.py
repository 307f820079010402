"""A hookimpl asking for an argument the hookspec does not have: pluggy refuses it at register()."""

from __future__ import annotations

from typing import Any

from diagbundle import hookimpl


@hookimpl
def diagbundle_register_collectors(register: Any, colour_scheme: Any) -> None:
    raise AssertionError("never called: registration is refused")
