"""Plants the same secrets in every way a collector can put text in a bundle.

Invariant 1: none of :data:`SECRETS` may appear in any byte of the bundle,
whichever ``add_*`` path carried it, in file names, the summary, the failure
reasons or the manifest's command line and options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from diagbundle import CliOption, Collector, Context, hookimpl

EMAIL = "alice.leak@example.com"
PASSWORD = "hunter2LeakyValue"
SECRETS = (EMAIL, PASSWORD)
LINE = f"user {EMAIL} logged in with password={PASSWORD} (café)\n"


def _pieces(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def collect(ctx: Context) -> None:
    ctx.add_text("text.txt", LINE)
    ctx.add_json("data.json", {"password": PASSWORD, "users": [{"email": EMAIL}], "note": LINE})
    raw = (LINE * 3).encode()
    for size in (1, 2, 3, 7, 64):
        ctx.add_stream(f"bytes-{size}.log", _pieces(raw, size))
    ctx.add_stream("str.log", [LINE[:10], LINE[10:25], LINE[25:], LINE])
    ctx.add_text(f"notes-for-{EMAIL}.txt", "a file named after a user\n")
    if ctx.options.get("leaky_file"):  # read later, while the zip is written: it must still exist
        ctx.add_file("app.log", ctx.options["leaky_file"])
    ctx.summary(f"- collected for {EMAIL}, password={PASSWORD}")
    ctx.add_text("option.txt", f"{ctx.options.get('leaky_note')}\n")


def collect_and_fail(ctx: Context) -> None:
    raise ValueError(f"login failed for {EMAIL} with password={PASSWORD}")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("leaky", "Plants secrets everywhere", collect))
    register(Collector("leaky-fail", "Fails with a secret in its message", collect_and_fail))


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(CliOption(("--leaky-note",), "leaky_note", "a note that may hold a secret"))
    register(CliOption(("--leaky-file",), "leaky_file", "a file to add by path"))
