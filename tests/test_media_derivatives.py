"""Derivatives: exact sizes, never upscaled, upright (checked on pixels), focal point, and the markup."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from pipeline.config import Board, MediaSection
from pipeline.media import MediaJob, build_media, picture_html

PHOTOS = Path(__file__).parents[1].parent / "shared/testdata/photos"

# What DOMAIN.md "Image sizes" promises for each channel, written out here rather than imported.
PROMISED = {
    "og": (1200, 630),
    "instagram-portrait": (1080, 1350),
    "instagram-square": (1080, 1080),
    "x": (1200, 675),
    "youtube": (1280, 720),
    "videotron-alun-alun": (1600, 800),
    "videotron-lebar": (1920, 480),
}


def test_every_derivative_has_the_promised_size_and_format(tmp_path: Path) -> None:
    settings = MediaSection(widths=[480, 960], jpeg_quality=60, webp_quality=50, videotron=[
        Board(name="alun-alun", width=1600, height=800), Board(name="lebar", width=1920, height=480)])
    source = PHOTOS / "mobile_jolla.jpg"  # 3264 x 2448: large enough for every channel picture
    result = build_media([MediaJob(source, "jolla.jpg", ("a.md",), (0.5, 0.5), True)], tmp_path / "site",
                         tmp_path / "cache", settings, workers=1)

    images = result.images["jolla.jpg"]
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for item in images.derivatives:
        with Image.open(tmp_path / "site" / item.url_path) as out:
            assert (out.width, out.height) == (item.width, item.height), item
            found[(item.preset, out.format or "")] = out.size
    expected = {(preset, "JPEG"): size for preset, size in PROMISED.items()}
    for width in (480, 960):
        height = round(2448 * width / 3264)
        expected[(f"w{width}", "JPEG")] = (width, height)
        expected[(f"w{width}", "WEBP")] = (width, height)
    assert found == expected
    assert result.findings == []


def test_site_widths_are_never_upscaled(tmp_path: Path) -> None:
    settings = MediaSection(widths=[320, 960, 1600], jpeg_quality=60, webp_quality=50)
    result = build_media([MediaJob(PHOTOS / "gps_DSCN0021.jpg", "kecil.jpg")], tmp_path / "site",
                         tmp_path / "cache", settings, workers=1)

    sizes = sorted({(d.width, d.height) for d in result.images["kecil.jpg"].derivatives})
    assert sizes == [(320, 240), (640, 480)]  # the source is 640 x 480


def test_small_source_channel_pictures_are_exact_and_warned_about(tmp_path: Path) -> None:
    settings = MediaSection(widths=[160], jpeg_quality=60, webp_quality=50)
    result = build_media([MediaJob(PHOTOS / "gps_DSCN0025.jpg", "kecil.jpg", ("rilis.md",), (0.5, 0.5), True)],
                         tmp_path / "site", tmp_path / "cache", settings, workers=1)

    images = result.images["kecil.jpg"]
    for preset, size in PROMISED.items():
        if preset.startswith("videotron"):
            continue
        item = images.channel(preset)
        assert item is not None
        assert Image.open(tmp_path / "site" / item.url_path).size == size
    assert [f.severity for f in result.findings] == ["warning"]
    assert "640x480" in result.findings[0].message and "rilis.md" in result.findings[0].message


def _site_jpeg(tmp_path: Path, names: list[str]) -> dict[str, Image.Image]:
    settings = MediaSection(widths=[160], jpeg_quality=90, webp_quality=50)
    jobs = [MediaJob(PHOTOS / f"orientation_{n}.jpg", n) for n in names]
    result = build_media(jobs, tmp_path / "site", tmp_path / "cache", settings, workers=1)
    return {n: Image.open(tmp_path / "site" / result.images[n].site("jpeg")[0].url_path).convert("RGB")
            for n in names}


def _difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def _mean(image: Image.Image, box: tuple[float, float, float, float]) -> list[float]:
    w, h = image.size
    region = image.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    return list(ImageStat.Stat(region).mean)


def test_landscape_orientations_come_out_upright(tmp_path: Path) -> None:
    # The same scene stored four ways (EXIF Orientation 1, 3, 6, 8); only 1 is stored upright.
    out = _site_jpeg(tmp_path, ["landscape_1", "landscape_3", "landscape_6", "landscape_8"])
    upright = out["landscape_1"]

    for name in ("landscape_3", "landscape_6", "landscape_8"):
        assert out[name].size == upright.size == (160, 120)
        assert _difference(out[name], upright) < 8, name  # the digit painted on each differs a little
        assert _difference(out[name], upright.rotate(180)) > 30, name
        assert _difference(out[name], upright.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) > 30, name
    # And the upright one really is upright: bright sky above, dark pool and red flowers below.
    assert sum(_mean(upright, (0, 0, 1, 0.2))) > sum(_mean(upright, (0, 0.8, 1, 1))) + 150


def test_portrait_orientations_come_out_upright(tmp_path: Path) -> None:
    # Orientation 5 (transposed) and 6 (rotated): neither is stored upright, so check the scene itself.
    out = _site_jpeg(tmp_path, ["portrait_5", "portrait_6"])

    for name, image in out.items():
        assert image.width < image.height, name
        top = _mean(image, (0, 0, 1, 0.25))
        bottom = _mean(image, (0, 0.75, 1, 1))
        # Grass at the bottom (green well above blue), pale sky at the top.
        assert (bottom[1] - bottom[2]) > (top[1] - top[2]) + 25, name
        # Trees on the left, open sky on the right of the top of the picture.
        assert sum(_mean(image, (0.5, 0, 1, 0.25))) > sum(_mean(image, (0, 0, 0.5, 0.25))) + 45, name
    assert _difference(out["portrait_5"], out["portrait_6"]) < 8


def _striped(tmp_path: Path) -> Path:
    """2000 x 1000: a red band on the left fifth, grey elsewhere."""
    image = Image.new("RGB", (2000, 1000), (128, 128, 128))
    image.paste((220, 20, 20), (0, 0, 400, 1000))
    path = tmp_path / "garis.png"
    image.save(path)
    return path


@pytest.mark.parametrize(("focus", "red_at_left"), [((0.1, 0.5), True), ((0.5, 0.5), False),
                                                    ((0.9, 0.5), False)])
def test_crops_follow_the_focal_point(tmp_path: Path, focus: tuple[float, float], red_at_left: bool) -> None:
    settings = MediaSection(widths=[100], jpeg_quality=90)
    result = build_media([MediaJob(_striped(tmp_path), "garis.png", (), focus, True)], tmp_path / "site",
                         tmp_path / "cache", settings, workers=1)

    square = result.images["garis.png"].channel("instagram-square")
    assert square is not None
    image = Image.open(tmp_path / "site" / square.url_path).convert("RGB")
    r, g, _ = image.getpixel((40, 540))  # type: ignore[misc]
    assert (r > 180 and g < 60) is red_at_left


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_picture_markup(tmp_path: Path) -> None:
    settings = MediaSection(widths=[240, 480, 960], jpeg_quality=60, webp_quality=50)
    result = build_media([MediaJob(PHOTOS / "orientation_landscape_1.jpg", "air.jpg")], tmp_path / "site",
                         tmp_path / "cache", settings, workers=1)
    images = result.images["air.jpg"]  # 600 x 450: widths 240, 480 and 600

    parser = _Tags()
    parser.feed(picture_html(images, 'Air terjun "Sri Gethuk" <Gunungkidul>', caption="Foto: Dinas & warga"))
    tags = dict(parser.tags)

    assert [t for t, _ in parser.tags] == ["figure", "picture", "source", "img", "figcaption"]
    assert tags["source"]["type"] == "image/webp"
    for tag, suffix in (("source", ".webp"), ("img", ".jpg")):
        entries = [e.split(" ") for e in (tags[tag]["srcset"] or "").split(", ")]
        assert [w for _, w in entries] == ["240w", "480w", "600w"]
        for url, _ in entries:
            assert url.endswith(suffix) and (tmp_path / "site" / url.lstrip("/")).is_file()
        assert tags[tag]["sizes"] == "(max-width: 960px) 100vw, 960px"
    img = tags["img"]
    src = tmp_path / "site" / (img["src"] or "").lstrip("/")
    assert Image.open(src).size == (int(img["width"] or 0), int(img["height"] or 0)) == (600, 450)
    assert img["alt"] == 'Air terjun "Sri Gethuk" <Gunungkidul>'
    assert img["loading"] == "lazy" and "fetchpriority" not in img
    assert "Foto: Dinas & warga" in parser.text

    above_fold = _Tags()
    above_fold.feed(picture_html(images, "air", lazy=False, base_url="https://dinas.example/situs/"))
    first = dict(above_fold.tags)
    assert [t for t, _ in above_fold.tags] == ["picture", "source", "img"]
    assert "loading" not in first["img"] and first["img"]["fetchpriority"] == "high"
    assert (first["img"]["src"] or "").startswith("https://dinas.example/situs/media/")
