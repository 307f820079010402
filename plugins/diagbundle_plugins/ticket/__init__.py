"""The built-in ``ticket`` plugin: what support asks every request for, in the bundle.

Fields are :class:`diagbundle.TicketField` objects, the same kind a vendor
registers for its own IDs; see docs/ticket.md.
"""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, TicketField, hookimpl
from diagbundle_plugins.ticket.collector import check, collect, review
from diagbundle_plugins.ticket.fields import BUILT_IN


@hookimpl
def diagbundle_register_ticket_fields(register: Callable[[TicketField], None]) -> None:
    for field in BUILT_IN:
        register(field)


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("ticket", "What you tell support: the problem, steps, when, IDs", collect,
                       check=check, review=review, max_bytes=1 << 20))
