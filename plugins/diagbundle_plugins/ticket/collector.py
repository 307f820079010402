"""The ``ticket`` collector: what the user told support, in ``ticket/ticket.json`` and atop summary.md.

Values come from the options (``--problem``, ``--email``, a vendor's
``--gpt-id`` ...), ``@FILE`` for long texts, and, on a terminal, a short
skippable dialogue for what is missing. Identifying values (e-mail, case
and org IDs: typed on purpose so support finds the account) stay readable
in ticket.json and in the ticket section of summary.md, and only there;
free text goes through the redactor like everything else. ticket.json is
made last (``add_late``), so it lists the request IDs that HAR files and
logs turned out to hold next to the ones the user gave.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from diagbundle import Context, Prompt, TicketField, UsageError
from diagbundle_plugins.ticket import ids
from diagbundle_plugins.ticket.fields import NETWORK_TYPES
from diagbundle_plugins.ticket.when import parse_when

#: A long text given as @FILE is cut here (a ticket is not a log: attach logs with --attach).
MAX_TEXT = 64 << 10


def _value(field: TicketField, raw: Any) -> Any:
    if raw in (None, "", []):
        return None
    if field.repeatable:
        return [_one(field, str(v)) for v in raw]
    return _one(field, str(raw))


def _one(field: TicketField, text: str) -> str:
    if field.text_file and text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_bytes()[:MAX_TEXT].decode("utf-8", "replace")
        except OSError as err:
            raise UsageError(f"--{field.name} @{path}: {err.strerror or err}") from None
    text = text.strip()
    if field.pattern is not None and not re.fullmatch(field.pattern, text):
        raise UsageError(f"--{field.name} {text!r}: not a valid {field.label.lower()}")
    return text


def check(ctx: Context) -> str | None:
    """Read and check every field now, so a bad value stops the run before anything is written."""
    values: dict[str, Any] = {}
    for field in ctx.ticket_fields:
        value = _value(field, ctx.options.get(field.dest))
        if value is not None:
            values[field.name] = value
    if "when" in values:
        values["when"] = parse_when(values["when"])
    ctx.state["values"] = values
    return None


def review(ctx: Context, prompt: Prompt) -> None:
    """Ask for what is missing (Enter skips), and confirm the network type."""
    values: dict[str, Any] = ctx.state["values"]
    asked = [f for f in ctx.ticket_fields if (f.prompt or f.required) and f.name not in values]
    if asked and prompt.interactive:
        prompt.say("A few details for support (press Enter to skip any):")
    for field in asked:
        while prompt.interactive:
            answer = prompt.text(f"  {field.label}", "")
            if not answer:
                break
            try:
                value = _one(field, answer)
                values[field.name] = parse_when(value) if field.name == "when" else value
                break
            except UsageError as err:
                prompt.say(f"  {err}")
    guess = ctx.shared.get("network.type")
    if "network" not in values and guess in NETWORK_TYPES:
        evidence = ctx.shared.get("network.evidence", "")
        if evidence:
            prompt.say(f"  The network looks {guess}: {evidence}")
        values["network"] = prompt.choose("  Network you were on", NETWORK_TYPES, guess)
        values["network_source"] = "confirmed" if prompt.interactive else "guessed by the network collector"


def collect(ctx: Context) -> None:
    missing = [f.name for f in ctx.ticket_fields if f.required and f.name not in ctx.state["values"]]
    if missing and ctx.options.get("yes"):
        raise UsageError(f"--{missing[0]} is required")
    attached = [Path(p) for p in ctx.options.get("attach") or [] if Path(p).is_file()]
    ctx.state["log_ids"] = ids.find_in_files(attached)
    ctx.add_late("ticket.json", lambda: _ticket(ctx), media_type="application/json", keep=lambda: _keep(ctx))


def _keep(ctx: Context) -> list[str]:
    """The identifying values: readable in the ticket, pseudonymised everywhere else."""
    kept: list[str] = []
    values = ctx.state["values"]
    for field in ctx.ticket_fields:
        value = values.get(field.name)
        if field.identifying and value is not None:
            kept += value if isinstance(value, list) else [value]
    return kept


def _ticket(ctx: Context) -> str:
    import json

    values: dict[str, Any] = ctx.state["values"]
    missing = [f.name for f in ctx.ticket_fields if f.required and f.name not in values]
    if missing:
        raise UsageError(f"--{missing[0]} is required")
    given = list(values.get("request-id", []))
    found = [{"id": v, "source": s} for s, v in [*ctx.shared.get("request_ids", []), *ctx.state["log_ids"]]
             if v not in given]
    labels = {f.name: f.label for f in ctx.ticket_fields}
    document = {**{k: v for k, v in values.items() if k != "request-id"},
                "request_ids": {"given": given, "found": _unique(found)}}
    _summary(ctx, values, labels, given, _unique(found))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _unique(found: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for item in found:
        seen.setdefault(item["id"], item)
    return list(seen.values())


def _summary(ctx: Context, values: dict[str, Any], labels: dict[str, str], given: list[str],
             found: list[dict[str, str]]) -> None:
    keep = _keep(ctx)
    if not values and not found:
        ctx.summary("No ticket details were given (see `diagbundle collect --help`: --problem, --steps ...).",
                    first=True)
        return
    for name, value in values.items():
        if name in ("request-id", "network_source"):
            continue
        label = labels.get(name, name)
        if name == "when":
            zone = f" ({value['zone']})" if value.get("zone") else ""
            ctx.summary(f"- **{label}**: {value['local']}{zone}, {value['utc']} (given as "
                        f"\"{value['as_given']}\")", first=True, keep=keep)
        elif isinstance(value, str) and "\n" in value:
            ctx.summary(f"- **{label}**:", first=True, keep=keep)
            ctx.summary("\n".join(f"  > {line}" for line in value.splitlines()), first=True, keep=keep)
        else:
            source = values.get("network_source") if name == "network" else None
            note = f" ({source})" if source else ""
            ctx.summary(f"- **{label}**: {value}{note}", first=True, keep=keep)
    if given or found:
        shown = [f"`{v}`" for v in given] + [f"`{f['id']}` (in {f['source']})" for f in found[:20]]
        more = f" and {len(found) - 20} more in ticket.json" if len(found) > 20 else ""
        ctx.summary(f"- **Request IDs**: {', '.join(shown)}{more}", first=True, keep=keep)
