"""A vendor's own ticket fields: one required and validated, one optional."""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import TicketField, hookimpl

__version__ = "1.0"


@hookimpl
def diagbundle_register_ticket_fields(register: Callable[[TicketField], None]) -> None:
    register(TicketField("gpt-id", "Custom GPT ID", pattern=r"g-[A-Za-z0-9]{9}", required=True,
                         prompt=True, identifying=True))
    register(TicketField("project-id", "Project ID", identifying=True))
