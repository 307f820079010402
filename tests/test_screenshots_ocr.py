"""OCR redaction for real: rendered secrets are masked, ordinary text stays readable.

A dozen images with fake keys, e-mail addresses, a JWT and passwords at
several sizes, colours and backgrounds, beside ordinary support text, go
through ``diagbundle collect`` in one run (one model load). Each output is
checked twice: the pixels where each secret was drawn must be the solid
fill, and a second OCR engine (tesseract when rapidocr masked, and the
other way round) must not read any secret, fuzzily, while it still reads
the ordinary lines.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from screenshot_helpers import (
    BOLD,
    MONO,
    ORDINARY,
    PASSWORD,
    SECRET_LINES,
    Scene,
    fill_ratio,
    fold,
    images_in,
    need_fonts,
    need_rapidocr,
    need_tesseract,
    readable,
    render,
    run_cli,
    tesseract_text,
)

pytestmark = pytest.mark.slow

S = SECRET_LINES
N = [(t, None) for t in ORDINARY]  # normal lines


def scenes() -> dict[str, Scene]:
    """Twelve screens: themes, sizes and fonts a support case sends."""
    return {
        "light.png": render([N[0], S[0], S[4], N[1], S[5], N[2]], canvas=(1920, 1080)),
        "terminal.png": render([S[1], N[0], S[2], S[6]], font=MONO, size=16, fg="#d4d4d4", bg="#1e1e1e"),
        "banner.png": render([S[3], N[3]], font=BOLD, size=28, fg="#1a3cb4", bg="#fff6c8"),
        "small.png": render([N[1], S[7], S[0]], size=14, fg="#444444"),
        "green.png": render([S[5], N[2], S[1]], font=MONO, size=24, fg="#33ff66", bg="#0c0c0c"),
        "blue.png": render([N[0], S[4], S[2]], size=18, fg="white", bg="#1f5fbf"),
        "big.png": render([S[6], N[3]], size=36, fg="#b01010"),
        "grey.png": render([S[7], N[1], S[3]], size=16, fg="#333333", bg="#f0f0f0"),
        "mixed.png": render([N[2], S[0], N[3], S[5]], font=BOLD, size=20, fg="#202020", bg="#e8f4ff"),
        "shot.webp": render([S[2], N[0]], size=22),
        "form.png": render([("Sign in to continue", None), ("Password", "Password"),
                            (PASSWORD + "x9", PASSWORD + "x9")], size=20),
        "tiny.png": render([N[3], S[0], S[4]], font=MONO, size=12),
    }


def _check(bundle: Path, made: dict[str, Scene], reread_with: str) -> None:
    outputs = images_in(bundle)
    for name, scene in made.items():
        out = outputs[f"screenshots/{Path(name).stem}.png"]
        assert out.size == scene.image.size
        text = (tesseract_text(out, enlarge=scene.size < 20) if reread_with == "tesseract"
                else _rapidocr_text(out))
        for p in scene.planted:
            if p.secret is None:
                assert fill_ratio(out, p.box) < 0.3, f"{name}: ordinary line masked: {p.text!r}"
                assert fold(p.text) in fold(text), f"{name}: ordinary line no longer readable: {p.text!r}"
            else:
                assert fill_ratio(out, p.value_box) > 0.97, f"{name}: not masked: {p.text!r}"
                assert not readable(p.secret, text), f"{name}: still readable: {p.text!r}"


_reader = None


def _rapidocr_text(img: object) -> str:
    global _reader
    from diagbundle_plugins.screenshots.ocr import load_engine

    _reader = _reader or load_engine("rapidocr")
    return "\n".join(line.text for line in _reader.read(img))  # type: ignore[arg-type]


def _write(tmp_path: Path, made: dict[str, Scene]) -> list[str]:
    args = []
    for name, scene in made.items():
        scene.image.save(tmp_path / name, **({"lossless": True} if name.endswith(".webp") else {}))
        args += ["--screenshot", name]
    return args


def test_rapidocr_masks_every_secret_and_tesseract_cannot_read_them(tmp_path: Path) -> None:
    need_fonts()
    need_rapidocr()
    need_tesseract()
    made = scenes()
    # The second engine reads the secrets before the pipeline: the check below can fail.
    before = sum(readable(p.secret, tesseract_text(s.image, enlarge=s.size < 20))
                 for s in made.values() for p in s.planted if p.secret)
    assert before >= 18
    done = run_cli("collect", "--only", "screenshots", *_write(tmp_path, made), "--ocr", "rapidocr",
                   "-o", "out.zip", "-y", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _check(tmp_path / "out.zip", made, "tesseract")
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        sidecar = zf.read("screenshots/screenshots.json").decode()
        report = json.loads(sidecar)
        summary = zf.read("summary.md").decode()
        manifest = json.loads(zf.read("manifest.json"))
    assert report["ocr"]["name"] == "rapidocr" and report["ocr"]["version"].startswith("rapidocr 3.")
    light = next(i for i in report["images"] if i["file"] == "screenshots/light.png")
    rules = {r["rule"] for r in light["rules"]}
    assert {"stripe-key", "email", "password"} <= rules
    assert len(light["ocr_masks"]) == 3 and light["ocr_lines_read"] == 6
    assert "[REDACTED" not in sidecar  # rule names and boxes only, nothing the redactor would catch
    assert "text checked with rapidocr" in summary and "3 text line(s) masked" in summary
    # The masked lines are counted like any redaction: per file in the manifest, in the totals.
    counts = next(f for f in manifest["files"] if f["path"] == "screenshots/light.png")["redactions"]
    assert counts["ocr-stripe-key"] == 1 and counts["ocr-email"] == 1 and counts["ocr-password"] == 1
    assert "ocr-stripe-key" in summary


def test_tesseract_as_the_masking_engine(tmp_path: Path) -> None:
    need_fonts()
    need_rapidocr()
    need_tesseract()
    made = {k: v for k, v in scenes().items() if k in ("light.png", "grey.png")}
    done = run_cli("collect", "--only", "screenshots", *_write(tmp_path, made), "--ocr", "tesseract",
                   "-o", "out.zip", "-y", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _check(tmp_path / "out.zip", made, "rapidocr")
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert json.loads(zf.read("screenshots/screenshots.json"))["ocr"]["name"] == "tesseract"


def test_ocr_runs_with_the_network_cut_off(tmp_path: Path) -> None:
    """rapidocr's model configuration is pinned to the files in its wheel: no download is tried."""
    need_fonts()
    need_rapidocr()
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a network namespace here (unshare -n)")
    made = {"light.png": scenes()["light.png"]}
    done = run_cli("collect", "--only", "screenshots", *_write(tmp_path, made), "--ocr", "rapidocr",
                   "-o", "out.zip", "-y", cwd=tmp_path, prefix=(unshare, "-n"),
                   env={"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    out = images_in(tmp_path / "out.zip")["screenshots/light.png"]
    for p in made["light.png"].planted:
        if p.secret:
            assert fill_ratio(out, p.value_box) > 0.97, p.text
    # onnxruntime keeps a device id under the cache dir; no model may have been fetched there.
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".onnx", ".ttf", ".txt")]
