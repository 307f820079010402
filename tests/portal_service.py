"""A desktop portal for the tests: org.freedesktop.portal.Screenshot on a private session bus.

Run as ``python portal_service.py MODE IMAGE LOG``: it owns
``org.freedesktop.portal.Desktop`` on ``DBUS_SESSION_BUS_ADDRESS`` and
implements what the portal documentation specifies for a screenshot:
``Properties.Get(org.freedesktop.portal.Screenshot, version)``, and
``Screenshot(s parent_window, a{sv} options) -> o handle`` whose handle is
``/org/freedesktop/portal/desktop/request/SENDER/TOKEN`` (TOKEN from the
``handle_token`` option), answered by a ``Response(u, a{sv})`` signal on
that object. MODE ``ok`` copies IMAGE to a new file (as a portal saves
into ~/Pictures) and answers 0 with its ``file://`` URI; ``cancel``
answers 1 (the user closed the dialog). Each call is logged to LOG as a
JSON line, so the test can check the conversation. Prints ``ready`` once
the name is owned.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    message_bus,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import DBusNameFlags
from jeepney.io.blocking import Proxy, open_dbus_connection

PORTAL = "org.freedesktop.portal.Desktop"
SCREENSHOT = "org.freedesktop.portal.Screenshot"


def main() -> None:
    mode, image, log = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    conn = open_dbus_connection(bus="SESSION")
    (owned,) = Proxy(message_bus, conn).RequestName(PORTAL, DBusNameFlags.do_not_queue)
    assert owned == 1, f"could not own {PORTAL}: {owned}"
    print("ready", flush=True)
    saved = 0
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        fields = msg.header.fields
        call = (fields.get(HeaderFields.interface), fields.get(HeaderFields.member))
        sender = fields[HeaderFields.sender]
        with log.open("a") as fh:
            fh.write(json.dumps({"call": list(call), "path": fields.get(HeaderFields.path),
                                 "body": _plain(msg.body)}) + "\n")
        if call == ("org.freedesktop.DBus.Properties", "Get") and tuple(msg.body) == (SCREENSHOT, "version"):
            conn.send(new_method_return(msg, "v", (("u", 2),)))
        elif call == (SCREENSHOT, "Screenshot"):
            _, options = msg.body
            token = options["handle_token"][1]
            handle = f"/org/freedesktop/portal/desktop/request/{sender[1:].replace('.', '_')}/{token}"
            conn.send(new_method_return(msg, "o", (handle,)))
            if mode == "ok":
                saved += 1
                out = image.parent / f"Screenshot from the portal {saved}.png"
                shutil.copyfile(image, out)
                code, results = 0, {"uri": ("s", "file://" + quote(str(out)))}
            else:
                code, results = 1, {}
            signal = new_signal(DBusAddress(handle, interface="org.freedesktop.portal.Request"),
                                "Response", "ua{sv}", (code, results))
            signal.header.fields[HeaderFields.destination] = sender
            conn.send(signal)
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"no {call}",)))


def _plain(value: object) -> object:
    """D-Bus values as JSON: variants (signature, value) are kept as two-item lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


if __name__ == "__main__":
    main()
