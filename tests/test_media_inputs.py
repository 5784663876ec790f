"""Source photos: recognised by content, limits, damage and bombs, on real files and on files made here."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from pipeline.config import MediaSection
from pipeline.media import MediaJob, build_media, inspect_source
from pipeline.media.formats import sniff_format
from pipeline.media.inputs import jpeg_damage

PHOTOS = Path(__file__).parents[1].parent / "shared/testdata/photos"
SMALL = MediaSection(widths=[64], jpeg_quality=50, webp_quality=40)


def _copy(src: Path, dest: Path) -> Path:
    dest.write_bytes(src.read_bytes())
    return dest


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but whose data is a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def test_formats_are_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    jpeg_named_png = _copy(PHOTOS / "gps_DSCN0010.jpg", tmp_path / "foto.png")
    heic_named_jpg = _copy(PHOTOS / "mobile_iphone_13_pro_max.HEIC", tmp_path / "foto.jpg")
    png_named_webp = tmp_path / "gambar.webp"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(png_named_webp, "PNG")
    webp_named_jpeg = tmp_path / "gambar.jpeg"
    Image.new("RGB", (40, 30), (10, 200, 10)).save(webp_named_jpeg, "WEBP")

    found = {p.name: inspect_source(p, SMALL, p.name) for p in
             (jpeg_named_png, heic_named_jpg, png_named_webp, webp_named_jpeg)}

    assert {name: info.format for name, info in found.items()} == {
        "foto.png": "JPEG", "foto.jpg": "HEIF", "gambar.webp": "PNG", "gambar.jpeg": "WEBP"}
    assert all(info.ok for info in found.values())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "text or markup"),
        (b"GIF89a\x01\x00\x01\x00", "GIF"),
        (b"%PDF-1.7\n", "PDF"),
        (b"", "empty"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "AVIF"),
    ],
)
def test_other_content_is_refused_with_what_it_is(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "foto.jpg"
    path.write_bytes(content)

    info = inspect_source(path, SMALL, "content/media/foto.jpg", used_by=["content/berita/2025/a.md"])

    assert not info.ok
    message = info.findings[0].format()
    assert message.startswith("content/media/foto.jpg: error: is not a JPEG, PNG, WebP or HEIC photo")
    assert expected in message
    assert message.endswith("(used by content/berita/2025/a.md)")


def test_sniff_needs_the_magic_not_the_suffix() -> None:
    assert sniff_format(b"\xff\xd8\xff\xe0" + b"\x00" * 28) == "JPEG"
    assert sniff_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "HEIF"
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "HEIF"
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif") is None
    assert sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


def test_heic_from_a_phone_decodes(tmp_path: Path) -> None:
    source = PHOTOS / "mobile_iphone_13_pro_max.HEIC"

    info = inspect_source(source, SMALL, "foto.heic")  # the build below decodes it
    result = build_media([MediaJob(source, "foto.heic")], tmp_path / "site", tmp_path / "cache", SMALL,
                         workers=1)

    assert info.ok and info.format == "HEIF"
    assert (info.width, info.height) == (3024, 4032)
    assert result.failed == set()
    out = Image.open(tmp_path / "site" / result.images["foto.heic"].site("jpeg")[0].url_path)
    assert out.size == (64, round(4032 * 64 / 3024))
    # Real picture content, not a grey or black fill.
    assert min(ImageStat.Stat(out.convert("RGB")).stddev) > 20


def test_corrupted_jpeg_is_an_error_naming_file_and_release(tmp_path: Path) -> None:
    info = inspect_source(PHOTOS / "corrupted.jpg", SMALL, "content/media/rusak.jpg",
                          used_by=["content/siaran-pers/2025/bibit.md"])

    assert not info.ok
    text = info.findings[0].format()
    assert text.startswith("content/media/rusak.jpg: error: is damaged: corrupt image data")
    assert "content/siaran-pers/2025/bibit.md" in text


@pytest.mark.parametrize("fraction", [0.02, 0.3, 0.6, 0.97, 0.9995])
def test_truncated_photos_are_errors(tmp_path: Path, fraction: float) -> None:
    data = (PHOTOS / "mobile_jolla.jpg").read_bytes()
    path = tmp_path / "potong.jpg"
    path.write_bytes(data[: int(len(data) * fraction)])

    info = inspect_source(path, SMALL, "potong.jpg")

    assert not info.ok
    assert "truncated" in info.findings[0].message or "damaged" in info.findings[0].message


@pytest.mark.parametrize("name", ["invalid_image00971.jpg", "invalid_image01088.jpg", "corrupted.jpg",
                                  "tests_42_IndexError.jpg"])
def test_damaged_files_from_the_wild_never_crash(tmp_path: Path, name: str) -> None:
    info = inspect_source(PHOTOS / name, SMALL, name, decode_pixels=True)
    result = build_media([MediaJob(PHOTOS / name, name, ("rilis.md",))], tmp_path / "site", tmp_path / "c",
                         SMALL, workers=1)

    # Either a faithful decode with its derivatives, or one clear error and nothing published.
    if info.ok:
        assert result.failed == set() and result.images[name].site("webp")
    else:
        assert result.failed == {name}
        assert [f.path for f in result.errors] == [name]
        assert "rilis.md" in result.errors[0].message


def test_bomb_header_is_refused_without_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bom.png"
    bomb.write_bytes(_png_header_only(200_000, 200_000))  # 40 gigapixels, 120 GB decoded: 200 bytes on disk

    info = inspect_source(bomb, SMALL, "bom.png", used_by=["rilis.md"], decode_pixels=True)
    result = build_media([MediaJob(bomb, "bom.png", ("rilis.md",))], tmp_path / "site", tmp_path / "c", SMALL,
                         workers=1)

    assert not info.ok
    assert "refused without decoding" in info.findings[0].message
    assert "media.max_pixels" in info.findings[0].message
    assert result.failed == {"bom.png"}
    assert not (tmp_path / "site" / "media").exists()


def test_pixel_limit_is_the_configured_one_not_pillows(tmp_path: Path) -> None:
    # 70 MP: under Pillow's own 89 MP warning threshold, over warta's default 60 MP limit.
    bomb = tmp_path / "besar.png"
    bomb.write_bytes(_png_header_only(10_000, 7_000))
    tight = MediaSection(max_pixels=1_000_000)

    default_limit = inspect_source(bomb, MediaSection(), "besar.png")
    real_photo = inspect_source(PHOTOS / "tests_42_IndexError.jpg", tight, "besar.jpg")

    assert not default_limit.ok and "70.0 megapixels" in default_limit.findings[0].message
    assert not real_photo.ok and "4032x3024" in real_photo.findings[0].message
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # the process-wide default is left as it was


def test_file_size_limit(tmp_path: Path) -> None:
    info = inspect_source(PHOTOS / "mobile_jolla.jpg", MediaSection(max_bytes=100_000), "besar.jpg")

    assert not info.ok
    assert "media.max_bytes" in info.findings[0].message


def test_missing_file(tmp_path: Path) -> None:
    info = inspect_source(tmp_path / "tidak-ada.jpg", SMALL, "content/media/tidak-ada.jpg", used_by=["a.md"])

    assert info.findings[0].format() == "content/media/tidak-ada.jpg: error: file not found (used by a.md)"


def test_broken_photo_does_not_stop_the_others(tmp_path: Path) -> None:
    jobs = [MediaJob(PHOTOS / "corrupted.jpg", "rusak.jpg", ("a.md", "b.md")),
            MediaJob(PHOTOS / "gps_DSCN0012.jpg", "baik.jpg", ("c.md",))]

    result = build_media(jobs, tmp_path / "site", tmp_path / "c", SMALL, workers=1)

    assert result.failed == {"rusak.jpg"}
    assert set(result.images) == {"baik.jpg"}
    assert [f.format().split(": error: ")[0] for f in result.errors] == ["rusak.jpg"]
    assert result.errors[0].message.endswith("(used by a.md, b.md)")
    with pytest.raises(Exception, match="rusak.jpg: error: is damaged"):
        result.raise_for_errors()


# --- the JPEG structure walk, on JPEGs made here -------------------------------------------------


def _jpeg(width: int, height: int, rng: random.Random, **options: object) -> bytes:
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def test_structure_walk_accepts_every_kind_of_valid_jpeg() -> None:
    rng = random.Random(5)
    for _ in range(60):
        options: dict[str, object] = {
            "quality": rng.randint(30, 95),
            "progressive": rng.random() < 0.5,
            "subsampling": rng.choice([0, 1, 2]),
        }
        if rng.random() < 0.7:
            key = rng.choice(["restart_marker_blocks", "restart_marker_rows"])
            options[key] = rng.randint(1, 6)
        data = _jpeg(rng.randint(1, 120), rng.randint(1, 120), rng, **options)
        assert jpeg_damage(data) is None, options


def test_structure_walk_finds_damage_that_pillow_decodes_silently() -> None:
    rng = random.Random(7)
    good = _jpeg(96, 96, rng, quality=90, restart_marker_blocks=2)
    first_rst = good.index(b"\xff\xd0")
    wrong_order = good[:first_rst] + b"\xff\xd3" + good[first_rst + 2:]
    last_rst = max(good.rindex(bytes([0xFF, 0xD0 + k])) for k in range(8))
    lost_interval = good[:last_rst] + good[good.rindex(b"\xff\xd9"):]  # the last interval is gone

    for damaged in (wrong_order, lost_interval):
        Image.open(io.BytesIO(damaged)).load()  # Pillow raises nothing
        assert jpeg_damage(damaged) is not None
    assert jpeg_damage(good) is None


def test_damaged_and_truncated_png_are_errors(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((64, 48), 60).save(buffer, "PNG")
    data = buffer.getvalue()
    idat = data.index(b"IDAT")
    flipped = data[: idat + 20] + bytes([data[idat + 20] ^ 0xFF]) + data[idat + 21:]
    (tmp_path / "flip.png").write_bytes(flipped)
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])

    for name in ("flip.png", "cut.png"):
        info = inspect_source(tmp_path / name, SMALL, name)
        assert not info.ok, name
        assert info.findings[0].message.startswith("is damaged"), info.findings[0].message
    (tmp_path / "ok.png").write_bytes(data)
    assert inspect_source(tmp_path / "ok.png", SMALL, "ok.png").ok
