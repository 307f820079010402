"""The screen on Wayland, through the xdg desktop portal's Screenshot interface, over D-Bus.

A Wayland compositor lets no program read the screen; the desktop portal
(``org.freedesktop.portal.Desktop``, GNOME, KDE, wlroots desktops with
xdg-desktop-portal-wlr) takes the screenshot on its behalf, after asking
the user where the desktop wants that. The conversation is the portal's
Request/Response pattern: we choose a ``handle_token``, subscribe to the
``Response`` signal of the request object that token names *before* the
call (so a fast answer is not missed), call ``Screenshot``, and wait for
``Response(u code, a{sv} results)``: 0 with ``results["uri"]`` a
``file://`` URI of the image, 1 when the user cancelled, 2 on failure.

D-Bus is spoken with ``jeepney`` (the ``capture`` extra): pure Python, no
compiled part and no GLib main loop, which is all a single blocking call
needs.
"""

from __future__ import annotations

import os
import secrets
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

PORTAL = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SCREENSHOT = "org.freedesktop.portal.Screenshot"
REQUEST = "org.freedesktop.portal.Request"
REQUEST_PATH = "/org/freedesktop/portal/desktop/request"
#: A method call (the portal may be started by D-Bus activation on the first one).
CALL_TIMEOUT = 25.0
#: The user may have to answer the desktop's dialog before the answer comes.
RESPONSE_TIMEOUT = 120.0
CANCELLED = 1


class PortalError(Exception):
    """The portal cannot be used or did not deliver; ``str()`` is the one-line reason."""


@dataclass(frozen=True)
class Shot:
    """What the portal answered: the image's bytes and where the portal left its own copy."""

    data: bytes
    path: Path


def bus_address() -> str | None:
    """The session bus: ``DBUS_SESSION_BUS_ADDRESS``, else the systemd user bus, else ``None``."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime, "bus").is_socket():
        return f"unix:path={runtime}/bus"
    return None


def request_path(unique_name: str, token: str) -> str:
    """The object a request with ``token`` will have (the portal spec: sender without ':', '.' as '_')."""
    return f"{REQUEST_PATH}/{unique_name.lstrip(':').replace('.', '_')}/{token}"


def _connect() -> Any:
    try:
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:
        raise PortalError("jeepney is not installed (install diagbundle[capture])") from None
    address = bus_address()
    if address is None:
        raise PortalError("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
    try:
        return open_dbus_connection(bus=address)
    except (OSError, RuntimeError, ValueError, TimeoutError) as err:
        raise PortalError(f"cannot connect to the D-Bus session bus: {err}") from None


def _call(conn: Any, message: Any) -> tuple[Any, ...]:
    """Send a method call and return its reply's body; a D-Bus error becomes :class:`PortalError`."""
    from jeepney import HeaderFields, MessageType

    try:
        reply = conn.send_and_get_reply(message, timeout=CALL_TIMEOUT)
    except TimeoutError:
        raise PortalError(f"no reply from {PORTAL} in {CALL_TIMEOUT:g} s") from None
    if reply.header.message_type == MessageType.error:
        name = reply.header.fields.get(HeaderFields.error_name, "error")
        detail = f": {reply.body[0]}" if reply.body and isinstance(reply.body[0], str) else ""
        raise PortalError(f"{name}{detail}")
    return tuple(reply.body)


def check() -> None:
    """Raise :class:`PortalError` unless a portal with the Screenshot interface answers on the bus."""
    from jeepney import DBusAddress, Properties

    with closing(_connect()) as conn:
        portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL, interface=SCREENSHOT)
        try:
            # Asking its version starts a D-Bus-activatable portal and fails where no portal,
            # or no Screenshot backend, is there.
            _call(conn, Properties(portal).get("version"))
        except PortalError as why:
            raise PortalError(f"no desktop portal with the Screenshot interface on the session bus ({why})") \
                from None


def screenshot(timeout: float = RESPONSE_TIMEOUT) -> Shot:
    """Ask the portal for a screenshot of the whole screen; raises :class:`PortalError`."""
    from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
    from jeepney.io.blocking import Proxy

    with closing(_connect()) as conn:
        token = "diagbundle_" + secrets.token_hex(8)
        expected = request_path(conn.unique_name, token)
        # Every request object of ours: portals older than 0.9 picked their own handle path.
        rule = MatchRule(type="signal", interface=REQUEST, member="Response",
                         path_namespace=expected.rsplit("/", 1)[0])
        try:
            Proxy(message_bus, conn, timeout=CALL_TIMEOUT).AddMatch(rule)
        except Exception as err:  # jeepney's DBusErrorResponse, or a timeout
            raise PortalError(f"cannot subscribe to the portal's answer: {err}") from None
        with conn.filter(rule, bufsize=8) as responses:
            portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL, interface=SCREENSHOT)
            options = {"handle_token": ("s", token), "interactive": ("b", False), "modal": ("b", True)}
            (handle,) = _call(conn, new_method_call(portal, "Screenshot", "sa{sv}", ("", options)))
            return _response(conn, responses, {expected, str(handle)}, timeout)


def _response(conn: Any, responses: Any, paths: set[str], timeout: float) -> Shot:
    from jeepney import HeaderFields

    deadline = time.monotonic() + timeout
    while True:
        try:
            signal = conn.recv_until_filtered(responses, timeout=max(deadline - time.monotonic(), 0))
        except TimeoutError:
            raise PortalError(f"the desktop portal did not answer in {timeout:g} s") from None
        if signal.header.fields.get(HeaderFields.path) in paths:
            break
    code, results = signal.body
    if code == CANCELLED:
        raise PortalError("the screenshot was cancelled in the desktop's dialog")
    if code != 0:
        raise PortalError(f"the desktop portal could not take the screenshot (response {code})")
    uri = results.get("uri", ("s", ""))[1]
    parsed = urlparse(str(uri))
    if parsed.scheme != "file" or not parsed.path:
        raise PortalError(f"the desktop portal answered with no file to read ({uri!r})")
    path = Path(unquote(parsed.path))
    try:
        return Shot(path.read_bytes(), path)
    except OSError as err:
        raise PortalError(f"cannot read the portal's screenshot {path}: {err.strerror or err}") from None
