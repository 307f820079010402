"""Screenshots from files: metadata removed, masks filled, bad input refused in one line.

These run with ``--ocr off`` (or without an engine) so they stay fast; the
OCR pipeline has its own slow tests in test_screenshots_ocr.py.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageCms, PngImagePlugin
from screenshot_helpers import fill_ratio, images_in, run_cli

from diagbundle import Collector, Context, hookimpl
from diagbundle.testing import build_bundle

CANARY = "CANARY-META-7q9z"
XMP = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{CANARY}-xmp"/>'
       f"</rdf:RDF></x:xmpmeta>")


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = f"{CANARY}-make"
    exif[0x0110] = "Pixel 9"
    exif[0x0131] = f"{CANARY}-software"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return exif


def _icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def _picture(size: tuple[int, int] = (320, 200)) -> Image.Image:
    img = Image.new("RGB", size, (200, 220, 240))
    img.paste((10, 120, 30), (40, 40, 120, 100))
    return img


def _jpeg_with_everything(path: Path) -> None:
    _picture().save(path, "JPEG", exif=_exif(), xmp=XMP.encode(), icc_profile=_icc(),
                    comment=f"{CANARY}-comment".encode(), quality=95)
    if shutil.which("exiftool"):
        thumb = path.with_name("thumb.jpg")
        _picture((64, 40)).save(thumb, "JPEG")
        subprocess.run(["exiftool", "-q", "-overwrite_original", f"-ThumbnailImage<={thumb}",
                        f"-IPTC:By-line={CANARY}-iptc", f"-IPTC:Keywords={CANARY}-kw", str(path)], check=True)


def _png_with_everything(path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", f"{CANARY}-author")
    info.add_text("Comment", f"{CANARY}-ztxt", zip=True)
    info.add_itxt("Description", f"{CANARY}-itxt ünïcode", lang="en")
    info.add_itxt("XML:com.adobe.xmp", XMP)
    _picture().save(path, "PNG", pnginfo=info, exif=_exif(), icc_profile=_icc())


def _exiftool_groups(path: Path) -> dict[str, Any]:
    done = subprocess.run(["exiftool", "-j", "-G1", "-a", "-u", str(path)], capture_output=True, text=True,
                          check=True)
    return dict(json.loads(done.stdout)[0])


#: exiftool groups that describe the file itself, not who made it or where.
_STRUCTURAL = ("ExifTool", "System", "File", "JFIF", "PNG", "Composite", "RIFF")


def _assert_clean(path: Path) -> None:
    data = path.read_bytes()
    assert CANARY.encode() not in data
    img = Image.open(path)
    assert not img.getexif()
    assert set(img.info) <= {"dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density"}
    assert not getattr(img, "text", {})
    if shutil.which("exiftool"):
        tags = _exiftool_groups(path)
        left = {k for k in tags if k != "SourceFile" and not k.startswith(_STRUCTURAL)}
        assert left == set(), left
        assert not any("GPS" in k or "Thumbnail" in k for k in tags)


@pytest.mark.parametrize("name, make", [("photo.jpg", _jpeg_with_everything),
                                        ("shot.png", _png_with_everything)])
def test_metadata_is_removed_and_listed(tmp_path: Path, name: str, make: Callable[[Path], None]) -> None:
    src = tmp_path / name
    make(src)
    before = Image.open(src)
    assert before.getexif().get_ifd(0x8825)  # the input really carries GPS
    if shutil.which("exiftool"):
        tags = _exiftool_groups(src)
        assert any(k.startswith("XMP") for k in tags) and any(k.startswith("GPS") for k in tags)
        if name.endswith(".jpg"):
            assert "IFD1:ThumbnailImage" in tags and any(k.startswith("IPTC") for k in tags)
    bundle = build_bundle(tmp_path, only="screenshots", screenshot=[str(src)], ocr="off")
    arc = f"screenshots/{Path(name).stem}{'.jpg' if name.endswith('.jpg') else '.png'}"
    out = tmp_path / "out" / arc
    out.parent.mkdir(parents=True)
    out.write_bytes(bundle.zip.read(arc))
    _assert_clean(out)
    assert Image.open(out).size == before.size
    report = bundle.json("screenshots/screenshots.json")["images"][0]
    removed = set(report["metadata_removed"])
    assert {"exif", "exif-gps", "exif-camera", "xmp", "icc-profile"} <= removed
    if name.endswith(".jpg"):
        assert {"comment"} <= removed
        if shutil.which("exiftool"):
            assert {"exif-thumbnail", "iptc"} <= removed
    else:
        assert {"png-text:Author", "png-text:Comment", "png-text:Description"} <= removed
    summary = bundle.text("summary.md")
    assert "metadata removed: " in summary and "exif-gps" in summary
    assert bundle.file(arc)["scrubbed"] is True


def test_webp_and_tiff_metadata_removed(tmp_path: Path) -> None:
    _picture().save(tmp_path / "a.webp", "WEBP", exif=_exif(), xmp=XMP.encode(), lossless=True)
    _picture().save(tmp_path / "b.tiff", "TIFF", tiffinfo={270: f"{CANARY}-desc", 315: f"{CANARY}-artist"})
    bundle = build_bundle(tmp_path, only="screenshots", screenshot=[str(tmp_path / "a.webp"),
                                                                    str(tmp_path / "b.tiff")], ocr="off")
    for arc in ("screenshots/a.png", "screenshots/b.png"):
        out = tmp_path / Path(arc).name
        out.write_bytes(bundle.zip.read(arc))
        _assert_clean(out)
        assert Image.open(out).getpixel((50, 50)) == (10, 120, 30)  # lossless formats stay exact
    images = bundle.json("screenshots/screenshots.json")["images"]
    assert {"exif-gps", "xmp"} <= set(images[0]["metadata_removed"])
    assert "tiff-tags" in images[1]["metadata_removed"]


def test_format_step_strips_images_other_collectors_add(tmp_path: Path) -> None:
    """Any plugin's ``ctx.add_image`` goes through the image format step."""
    src = tmp_path / "x.jpg"
    _jpeg_with_everything(src)

    class Other:
        @hookimpl
        def diagbundle_register_collectors(self, register: Callable[[Collector], None]) -> None:
            def collect(ctx: Context) -> None:
                ctx.add_image("pic.jpg", src.read_bytes())
                ctx.add_image("pic.png", src)

            register(Collector("other", "adds an image", collect))

    bundle = build_bundle(tmp_path, plugins=[Other()], only="other")
    for arc, media in (("other/pic.jpg", "image/jpeg"), ("other/pic.png", "image/png")):
        out = tmp_path / Path(arc).name
        out.write_bytes(bundle.zip.read(arc))
        _assert_clean(out)
        entry = bundle.file(arc)
        assert entry["media_type"] == media and entry["scrubbed"] is True
        assert entry["redactions"].get("image-exif-gps") == 1 and entry["redactions"].get("image-xmp") == 1


# -- conversions ----------------------------------------------------------------


def _bundle_image(tmp_path: Path, name: str, **options: Any) -> tuple[Image.Image, dict[str, Any]]:
    """The one image of a bundle made from ``tmp_path / name``, and its report."""
    folder = tmp_path / f"bundle-{Path(name).stem}"
    folder.mkdir()
    bundle = build_bundle(folder, only="screenshots", screenshot=[str(tmp_path / name)], ocr="off", **options)
    [img] = images_in(bundle.result.path).values()
    return img, bundle.json("screenshots/screenshots.json")["images"][0]


def test_animated_gif_keeps_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (60, 40), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    img, report = _bundle_image(tmp_path, "a.gif")
    assert img.getpixel((5, 5)) == (255, 0, 0)
    assert "animated: first of 3 frames kept" in report["notes"]


def test_sixteen_bit_cmyk_and_transparency(tmp_path: Path) -> None:
    row = struct.pack("<20H", *[40000] * 20) + struct.pack("<20H", *[0] * 20)
    grey = Image.frombytes("I;16", (40, 30), row * 30)
    assert grey.getpixel((5, 5)) == 40000
    grey.save(tmp_path / "g.png")
    img, report = _bundle_image(tmp_path, "g.png")
    assert img.mode == "RGB" and abs(img.getpixel((5, 5))[0] - 40000 // 257) <= 1
    assert img.getpixel((30, 5)) == (0, 0, 0)
    assert "16-bit grey reduced to 8 bits" in report["notes"]

    Image.new("CMYK", (40, 30), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=100)
    img, report = _bundle_image(tmp_path, "c.jpg")
    r, g, b = img.getpixel((5, 5))
    assert r > 200 and g < 60 and b < 60
    assert "CMYK converted to RGB" in report["notes"]

    hidden = Image.new("RGBA", (40, 30), (255, 0, 0, 0))  # red pixels nobody sees
    hidden.save(tmp_path / "t.png")
    img, report = _bundle_image(tmp_path, "t.png")
    assert img.getpixel((5, 5)) == (255, 255, 255)
    assert "transparency flattened onto white" in report["notes"]


def test_huge_image_is_downscaled_and_masks_follow(tmp_path: Path) -> None:
    img = Image.new("RGB", (9000, 1000), "white")
    img.save(tmp_path / "wide.png", compress_level=1)
    out, report = _bundle_image(tmp_path, "wide.png", mask=["1:4500,500,900,100"])
    assert out.size == (8192, 910)
    assert report["original_size"] == [9000, 1000]
    assert any(n.startswith("downscaled from 9000x1000 to 8192x910") for n in report["notes"])
    # 4500/9000*8192 = 4096; the box is rounded outwards.
    assert fill_ratio(out, (4096, 455, 4915, 546)) == 1.0
    assert out.getpixel((4090, 450)) == (255, 255, 255)


def test_exif_orientation_is_applied_before_it_is_dropped(tmp_path: Path) -> None:
    img = Image.new("RGB", (60, 20), "white")
    img.paste((255, 0, 0), (0, 0, 10, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    img.save(tmp_path / "r.jpg", exif=exif, quality=100)
    out, report = _bundle_image(tmp_path, "r.jpg")
    assert out.size == (20, 60)
    assert "rotated upright from its EXIF orientation" in report["notes"]
    r, g, _ = out.getpixel((10, 3))
    assert r > 200 and g < 60


# -- masks ------------------------------------------------------------------------


def test_masks_by_position_by_name_and_for_every_image(tmp_path: Path) -> None:
    for name in ("one.png", "two.png"):
        Image.new("RGB", (100, 80), (250, 250, 250)).save(tmp_path / name)
    bundle = build_bundle(tmp_path, only="screenshots", ocr="off",
                          screenshot=[str(tmp_path / "one.png"), str(tmp_path / "two.png")],
                          mask=["1:10,10,20,20", "two.png:50,40,30,30", "0,70,100,10"])
    images = images_in(bundle.result.path)
    one, two = images["screenshots/one.png"], images["screenshots/two.png"]
    assert fill_ratio(one, (10, 10, 30, 30)) == 1.0 and fill_ratio(two, (10, 10, 30, 30)) == 0.0
    assert fill_ratio(two, (50, 40, 80, 70)) == 1.0 and fill_ratio(one, (50, 40, 80, 70)) == 0.0
    assert fill_ratio(one, (0, 70, 100, 80)) == 1.0 and fill_ratio(two, (0, 70, 100, 80)) == 1.0
    report = bundle.json("screenshots/screenshots.json")["images"]
    assert [len(i["masks"]) for i in report] == [2, 2]
    assert "2 --mask box(es) filled" in bundle.text("summary.md")


# -- bad input: one line, exit 2, nothing written ------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height``: a decompression bomb's calling card."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
            + b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _truncated_png() -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buf, "PNG")
    return buf.getvalue()[: len(buf.getvalue()) // 2]


@pytest.mark.parametrize("content, message", [
    (b"hello, I am a text file\n", "not an image diagbundle reads"),
    (_truncated_png(), "truncated or corrupt"),
    (_png_header_only(10_000, 7_000), "above the 64 MP limit"),
    (_png_header_only(30_000, 30_000), "decompression bomb"),  # Pillow's own limit, first
    (_png_header_only(60_000, 10), "not the shape of a screenshot"),
])
def test_bad_images_fail_in_one_line_and_write_nothing(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "bad.png").write_bytes(content)
    done = run_cli("collect", "--screenshot", "bad.png", "--ocr", "off", "-o", "out.zip", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("diagbundle: error: --screenshot bad.png: "), done.stderr
    assert message in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.png"]


@pytest.mark.parametrize("args, message", [
    (["--screenshot", "missing.png"], "--screenshot missing.png: no such file"),
    (["--screenshot", "ok.png", "--mask", "1:10,10"], "expected [IMAGE:]X,Y,W,H"),
    (["--screenshot", "ok.png", "--mask", "3:0,0,5,5"], "there are only 1 image(s)"),
    (["--screenshot", "ok.png", "--mask", "other.png:0,0,5,5"], "no image called 'other.png'"),
    (["--screenshot", "ok.png", "--mask", "1:500,500,5,5"], "outside the ok.png image (50x40)"),
    (["--screenshot", "ok.png", "--capture-delay", "2"], "--capture-delay needs --capture-screen"),
    (["--screenshot", "ok.png", "--ocr", "magic"], "--ocr magic: choose one of"),
    (["--mask", "0,0,5,5"], "--mask needs an image"),
])
def test_bad_options_fail_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    Image.new("RGB", (50, 40)).save(tmp_path / "ok.png")
    done = run_cli("collect", "--only", "screenshots", *args, "-o", "out.zip", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert not (tmp_path / "out.zip").exists()


# -- no OCR engine -----------------------------------------------------------------

_NO_OCR = """
import sys
sys.modules["rapidocr"] = None  # an import of a None entry fails: the package is absent
sys.modules["pytesseract"] = None
from diagbundle.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_the_ocr_extra_images_go_in_with_a_plain_warning(tmp_path: Path) -> None:
    Image.new("RGB", (50, 40), (1, 2, 3)).save(tmp_path / "s.png")
    done = subprocess.run([sys.executable, "-c", _NO_OCR, "collect", "--only", "screenshots",
                           "--screenshot", "s.png", "--mask", "0,0,10,10", "-o", "out.zip", "-y"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "not checked for text: install diagbundle[ocr]" in done.stderr
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        summary = zf.read("summary.md").decode()
        report = json.loads(zf.read("screenshots/screenshots.json"))
        img = Image.open(io.BytesIO(zf.read("screenshots/s.png")))
        assert "**not checked for text: install diagbundle[ocr]**" in summary
        assert report["ocr"] == {"checked": False, "reason": "rapidocr: rapidocr is not installed; "
                                 "tesseract: pytesseract is not installed", "hint": "install diagbundle[ocr]"}
        assert img.getpixel((5, 5)) == (0, 0, 0) and img.getpixel((20, 20)) == (1, 2, 3)


def test_an_attached_image_goes_through_the_format_step(tmp_path: Path) -> None:
    src = tmp_path / "pic.png"
    _png_with_everything(src)
    bundle = build_bundle(tmp_path, only="attachments", attach=[str(src)], attach_binary=True)
    out = tmp_path / "out.png"
    out.write_bytes(bundle.zip.read("attachments/pic.png"))
    _assert_clean(out)
    entry = bundle.file("attachments/pic.png")
    assert entry["format"] == "image-png" and entry["redactions"]["image-png-text"] == 3


def test_heic_is_read_with_the_heic_extra_and_refused_plainly_without(tmp_path: Path) -> None:
    try:
        import pillow_heif
    except ImportError:
        pytest.skip("pillow-heif is not installed (pip install diagbundle[heic])")
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x010F] = f"{CANARY}-heic"
    _picture().save(tmp_path / "phone.heic", exif=exif.tobytes(), quality=95)
    img, report = _bundle_image(tmp_path, "phone.heic")
    assert img.size == (320, 200) and report["source_format"] == "HEIF"
    assert "exif" in report["metadata_removed"]
    done = subprocess.run([sys.executable, "-c", 'import sys; sys.modules["pillow_heif"] = None\n'
                           "from diagbundle.cli import main; sys.exit(main(sys.argv[1:]))",
                           "collect", "--screenshot", "phone.heic", "--ocr", "off", "-o", "out.zip"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == ("diagbundle: error: --screenshot phone.heic: HEIC/HEIF image: "
                           "install diagbundle[heic] to read it\n")


def test_diagbundle_redact_cleans_an_image_too(tmp_path: Path) -> None:
    _png_with_everything(tmp_path / "shot.png")
    done = subprocess.run([sys.executable, "-m", "diagbundle", "redact", "shot.png"], cwd=tmp_path,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    (tmp_path / "clean.png").write_bytes(done.stdout)
    _assert_clean(tmp_path / "clean.png")
    assert b"(image-png)" in done.stderr and b"image-exif-gps 1" in done.stderr
