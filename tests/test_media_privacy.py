"""No published file carries a location or the device: read back with Pillow and with exifread."""

from __future__ import annotations

import io
from pathlib import Path

import exifread
import pytest
from PIL import Image, ImageCms

from pipeline.config import Board, MediaSection
from pipeline.media import MediaJob, build_media, gps_warnings
from pipeline.media.privacy import metadata_blocks

PHOTOS = Path(__file__).parents[1].parent / "shared/testdata/photos"
SETTINGS = MediaSection(widths=[120, 480], jpeg_quality=60, webp_quality=50,
                        videotron=[Board(name="papan", width=320, height=160)])
# Photos with GPS positions, maker notes and device details (the README of the test photos says which).
SOURCES = ["gps_DSCN0010.jpg", "Canon_40D.jpg", "mobile_HMD_Nokia_8.3_5G.jpg", "mobile_iphone_13_pro_max.HEIC"]
SMALL_ONES = {"gps_DSCN0010.jpg", "Canon_40D.jpg"}
DEVICE_STRINGS = [b"NIKON", b"COOLPIX", b"Canon EOS", b"HMD Global", b"Nokia 8.3", b"iPhone", b"Apple"]


def _exif_tags(data: bytes) -> dict[str, object]:
    tags: dict[str, object] = exifread.process_file(io.BytesIO(data), details=True)
    return tags


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("privacy")
    # Channel pictures (the exact-size crops) from the small photos; the big phone photos give site widths.
    jobs = [MediaJob(PHOTOS / name, f"content/media/{name}", ("rilis.md",), (0.5, 0.5), name in SMALL_ONES)
            for name in SOURCES]
    result = build_media(jobs, root / "site", root / "cache", SETTINGS, workers=1)
    assert result.failed == set()
    files = sorted((root / "site" / "media").rglob("*.*"))
    # two site widths in two formats (one width for the 100 px wide Canon), six channel pictures each
    # for the Nikon and the Canon
    assert len(files) == 4 + 4 + (4 + 6) + (2 + 6)
    return files


def test_the_sources_do_carry_what_must_not_be_published() -> None:
    # Guards the test below: both readers see GPS and maker notes in the sources.
    nikon = _exif_tags((PHOTOS / "gps_DSCN0010.jpg").read_bytes())
    iphone = _exif_tags((PHOTOS / "mobile_iphone_13_pro_max.HEIC").read_bytes())
    assert any(k.startswith("GPS GPSLatitude") for k in nikon)
    assert any("MakerNote" in k for k in nikon) and any("MakerNote" in k for k in iphone)
    assert Image.open(PHOTOS / "mobile_HMD_Nokia_8.3_5G.jpg").getexif().get_ifd(0x8825)


def test_no_output_carries_location_device_or_metadata_blocks(published: list[Path]) -> None:
    for path in published:
        data = path.read_bytes()
        image = Image.open(io.BytesIO(data))
        assert image.format in ("JPEG", "WEBP"), path.name
        assert len(image.getexif()) == 0, path.name
        assert "exif" not in image.info and "xmp" not in image.info, path.name
        assert _exif_tags(data) == {}, path.name
        for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"Photoshop 3.0", b"GPS"):
            assert marker not in data, (path.name, marker)
        for device in DEVICE_STRINGS:
            assert device not in data, (path.name, device)
        assert metadata_blocks(data) == [], path.name


def test_gps_warning_for_a_source_with_a_position(tmp_path: Path) -> None:
    source = PHOTOS / "gps_DSCN0010.jpg"
    tags = _exif_tags(source.read_bytes())
    latitude = tags["GPS GPSLatitude"].values  # type: ignore[attr-defined]
    expected_lat = float(latitude[0]) + float(latitude[1]) / 60 + float(latitude[2]) / 3600

    warnings = gps_warnings(source, "content/media/sawah.jpg", "content/berita/2025/panen.md")

    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.severity == "warning"
    assert warning.format().startswith("content/media/sawah.jpg: warning: photo carries its location")
    assert f"{expected_lat:.4f}" in warning.message
    assert "content/berita/2025/panen.md" in warning.message


def test_gps_warnings_for_phone_photos_and_none_without_position(published: list[Path]) -> None:
    assert gps_warnings(PHOTOS / "mobile_HMD_Nokia_8.3_5G.jpg", "nokia.jpg", "a.md")
    assert gps_warnings(PHOTOS / "orientation_landscape_1.jpg", "air-terjun.jpg", "a.md") == []
    # Canon_40D has a GPS block holding only its version number: no position, nothing to warn about.
    assert gps_warnings(PHOTOS / "Canon_40D.jpg", "canon.jpg", "a.md") == []
    for path in published:
        assert gps_warnings(path, path.name, "a.md") == [], path.name


def test_display_p3_colours_are_converted_to_srgb(tmp_path: Path) -> None:
    p3 = Image.open(PHOTOS / "mobile_iphone_13_pro_max.HEIC").info["icc_profile"]
    colour = (20, 170, 60)
    source = tmp_path / "p3.png"
    Image.new("RGB", (64, 48), colour).save(source, icc_profile=p3)
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), colour), ImageCms.ImageCmsProfile(io.BytesIO(p3)),
        ImageCms.createProfile("sRGB"), renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB",
    )
    assert expected is not None
    want = expected.getpixel((0, 0))
    assert isinstance(want, tuple)

    result = build_media([MediaJob(source, "p3.png")], tmp_path / "site", tmp_path / "c",
                         MediaSection(widths=[32], jpeg_quality=95, webp_quality=95), workers=1)

    for item in result.images["p3.png"].site("webp") + result.images["p3.png"].site("jpeg"):
        out = Image.open(tmp_path / "site" / item.url_path)
        assert out.info.get("icc_profile") is None  # sRGB is what browsers assume for an untagged file
        got = out.convert("RGB").getpixel((16, 12))
        assert isinstance(got, tuple)
        assert all(abs(g - w) <= 4 for g, w in zip(got, want, strict=True)), (got, want)
        assert any(abs(g - c) > 10 for g, c in zip(got, colour, strict=True))  # it was converted


def test_an_unusable_colour_profile_is_kept_and_reported(tmp_path: Path) -> None:
    broken = b"\x00\x00\x02\x00not a real colour profile" + b"\x00" * 100
    source = tmp_path / "aneh.png"
    Image.new("RGB", (40, 30), (90, 120, 150)).save(source, icc_profile=broken)

    result = build_media([MediaJob(source, "aneh.png", ("a.md",))], tmp_path / "site", tmp_path / "c",
                         MediaSection(widths=[32]), workers=1)

    assert result.failed == set()
    assert [f.severity for f in result.findings] == ["warning"]
    assert "colour profile" in result.findings[0].message
    for item in result.images["aneh.png"].derivatives:
        assert Image.open(tmp_path / "site" / item.url_path).info.get("icc_profile") == broken


def test_metadata_check_sees_what_pillow_would_write(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "NIKON"
    tagged = io.BytesIO()
    Image.new("RGB", (8, 8)).save(tagged, "JPEG", exif=exif, comment=b"lokasi")
    tagged_webp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(tagged_webp, "WEBP", exif=exif)

    assert len(metadata_blocks(tagged.getvalue())) == 2
    assert metadata_blocks(tagged_webp.getvalue()) == ["WebP chunk b'EXIF'"]
