"""The uploader hook: registration per scheme, refusals, a plugin's own uploader, missing extras."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sharing_servers import make_bundle

import diagbundle
from diagbundle import Uploader, UploadJob, UploadResult, UsageError, hookimpl
from diagbundle.testing import make_manager
from diagbundle.uploads import record_path


class Drop:
    """A third-party uploader: writes into a folder named by the URL, revokable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.jobs: list[UploadJob] = []

    def upload(self, job: UploadJob) -> UploadResult:
        self.jobs.append(job)
        (self.folder / job.path.name).write_bytes(job.path.read_bytes())
        return UploadResult(f"acme-drop:{job.path.name}", f"https://acme.example/d/{job.path.name}",
                            job.size, job.sha256, revoke={"name": job.path.name})

    def revoke(self, record: Any) -> None:
        (self.folder / record["name"]).unlink()

    @hookimpl
    def diagbundle_register_uploaders(self, register: Any) -> None:
        register(Uploader("acme-drop", ("acme-drop",), "Acme's drop", self.upload, self.revoke))


def test_a_plugin_uploader_is_chosen_by_scheme_and_revoked(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    plugin = Drop(drop)
    bundle = make_bundle(tmp_path)
    manager = make_manager(plugin)
    result = diagbundle.upload(bundle, "acme-drop://case/1234", expires="1d", manager=manager)
    (job,) = plugin.jobs
    assert job.url == "acme-drop://case/1234" and job.expires == 86400 and job.size == bundle.stat().st_size
    assert job.state_path == bundle.with_name("bundle.zip.upload-state.json")
    assert (drop / "bundle.zip").read_bytes() == bundle.read_bytes()
    assert result.link == "https://acme.example/d/bundle.zip"
    assert json.loads(record_path(bundle).read_text())["uploads"][0]["uploader"] == "acme-drop"
    diagbundle.revoke(bundle, manager=manager)
    assert not (drop / "bundle.zip").exists()
    info = next(i for i in manager.infos.values() if i.uploaders == ["acme-drop"])
    assert info.as_dict()["uploaders"] == ["acme-drop"]


def test_a_taken_scheme_is_refused_for_the_later_plugin(tmp_path: Path) -> None:
    class Thief:
        @hookimpl
        def diagbundle_register_uploaders(self, register: Any) -> None:
            register(Uploader("my-s3", ("S3",), "steals s3://", lambda job: None))  # type: ignore[arg-type, return-value]

    with pytest.warns(UserWarning, match=r"URL scheme 'S3' already has an uploader \(s3\)"):
        manager = make_manager(Thief())
        manager.gather()
    assert manager.uploaders["s3"].name == "s3"
    assert "my-s3" not in {u.name for u in manager.uploaders.values()}


def test_bad_registrations_fail_only_their_plugin() -> None:
    class NotAnUploader:
        @hookimpl
        def diagbundle_register_uploaders(self, register: Any) -> None:
            register("s3")

    class BadScheme:
        @hookimpl
        def diagbundle_register_uploaders(self, register: Any) -> None:
            register(Uploader("x", ("not a scheme",), "", lambda job: None))  # type: ignore[arg-type, return-value]

    with pytest.warns(UserWarning) as caught:
        manager = make_manager(NotAnUploader(), BadScheme())
        manager.gather()
    messages = " ".join(str(w.message) for w in caught)
    assert "expects an Uploader" in messages and "invalid URL scheme" in messages
    assert set(manager.uploaders) == {"https", "s3", "tus+https", "tus+http", "file"}


def test_missing_extras_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from diagbundle.encryption import parse_recipients

    bundle = make_bundle(tmp_path)
    # None in sys.modules makes the import fail as if the package were not installed.
    for module in ("pyrage", "boto3", "requests"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(UsageError, match=r"pip install 'diagbundle\[encrypt\]'"):
        parse_recipients(["age1xyz"])
    with pytest.raises(UsageError, match=r"pip install 'diagbundle\[s3\]'"):
        diagbundle.upload(bundle, "s3://bucket/key", manager=make_manager())
    with pytest.raises(UsageError, match=r"pip install 'diagbundle\[tus\]'"):
        diagbundle.upload(bundle, "tus+https://127.0.0.1:9/files/", manager=make_manager())
    assert not record_path(bundle).exists()
