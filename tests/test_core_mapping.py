"""The pseudonym mapping stays on this machine, and JSON stays JSON after redaction."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from diagbundle import Collector, Context, hookimpl
from diagbundle.testing import build_bundle

EMAIL = "alice.liddell@wonderland.example"


class JsonPlugin:
    """Adds JSON whose strings hold escapes right before a secret."""

    @hookimpl
    def diagbundle_register_collectors(self, register: Callable[[Collector], None]) -> None:
        def collect(ctx: Context) -> None:
            ctx.add_json("data.json", {"note": f"line one\n{EMAIL}", "tab": f"\t{EMAIL}"})

        register(Collector("jsonish", "JSON with escapes", collect))


def test_mapping_is_saved_outside_the_bundle_and_printed_back(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(f"login by {EMAIL}\nagain {EMAIL}\n")
    out = tmp_path / "b.zip"
    done = subprocess.run(
        [sys.executable, "-m", "diagbundle", "collect", "--only", "attachments", "--attach", str(log),
         "-o", str(out), "--json"],
        capture_output=True, text=True, check=True,
    )
    bundle_id = json.loads(done.stdout)["bundle_id"]
    with zipfile.ZipFile(out) as zf:
        everything = b"".join(zf.read(n) for n in zf.namelist())
        assert zf.read("attachments/app.log").decode().count("<email-1>") == 2
    assert EMAIL.encode() not in everything

    saved = Path(os.environ["XDG_DATA_HOME"]) / "diagbundle"
    files = list(saved.rglob(f"{bundle_id}.json"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600

    for ref in (bundle_id, str(out)):  # by id, or by the bundle file itself
        shown = subprocess.run([sys.executable, "-m", "diagbundle", "mapping", ref],
                               capture_output=True, text=True, check=True)
        assert shown.stdout.splitlines() == [f"<email-1>\t{EMAIL}"]


def test_mapping_of_a_file_that_is_not_a_bundle_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    done = subprocess.run([sys.executable, "-m", "diagbundle", "mapping", str(junk)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "not a diagbundle bundle" in done.stderr


def test_api_can_leave_the_mapping_out(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[JsonPlugin()], only="jsonish", keep_mapping=False)
    assert bundle.result.mapping_path is None


def test_json_content_stays_valid_after_redaction(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[JsonPlugin()], only="jsonish")
    data = bundle.json("jsonish/data.json")  # raises if redaction broke an escape
    assert data == {"note": "line one\n<email-1>", "tab": "\t<email-1>"}
    assert bundle.result.mapping_path is not None
    assert json.loads(bundle.result.mapping_path.read_text())["mapping"] == {"<email-1>": EMAIL}
