"""Media benchmark: ``build_media`` against ``vipsthumbnail`` on the same photos, widths and formats.

Run from the repository root:

    .venv/bin/python benchmarks/media.py                 # print the table
    .venv/bin/python benchmarks/media.py --write-docs    # and rewrite "Media" in docs/benchmarks.md

Both sides make, for every readable photo in ``../shared/testdata/photos``, the site widths of the default
``media`` settings (480, 960, 1600; never upscaled) in WebP (quality 80) and progressive, Huffman-optimised
JPEG (quality 82), without metadata, with the EXIF orientation applied. ``vipsthumbnail`` runs once per
photo, width and format (it writes one file per call) with as many calls at a time as ``build_media`` has
worker processes; each call uses libvips' own threads too. Each side runs ``--rounds`` times from a cold
cache and the fastest round counts. DESIGN section 9's budget: ``build_media`` at no less than 0.8x
``vipsthumbnail``'s throughput, and a re-run with nothing changed encodes nothing.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import MediaSection  # noqa: E402
from pipeline.media import MediaJob, build_media, inspect_source  # noqa: E402
from pipeline.media.derivatives import site_sizes  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "testdata" / "photos"
BUDGET = 0.8


@dataclass
class Row:
    name: str
    seconds: float
    megapixels: float
    images: int
    outputs: int
    out_bytes: int

    @property
    def mp_per_s(self) -> float:
        return self.megapixels / self.seconds

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds


Photo = tuple[Path, float, list[int], str]  # path, megapixels, distinct output widths, format


def photo_set(settings: MediaSection) -> list[Photo]:
    """Readable photos (damaged test files are left out: nothing to compare) with the widths made of each."""
    out = []
    for path in sorted(PHOTOS.iterdir()):
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"):
            continue
        info = inspect_source(path, settings, path.name, decode_pixels=True)
        if info.ok:
            widths = [w for w, _ in site_sizes(info.width, info.height, settings.widths)]
            out.append((path, info.megapixels, widths, info.format or ""))
    return out


def dir_bytes(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def run_warta(photos: list[Photo], settings: MediaSection, work: Path, workers: int,
              channels: bool, suffix: str = "") -> tuple[Row, Row]:
    jobs = [MediaJob(p[0], f"photos/{p[0].name}", ("bench.md",), (0.5, 0.5), channels) for p in photos]
    out, cache = work / "out", work / "cache"
    shutil.rmtree(work, ignore_errors=True)
    start = time.perf_counter()
    result = build_media(jobs, out, cache, settings, workers=workers)
    cold = time.perf_counter() - start
    if result.errors:
        raise SystemExit("\n".join(f.format() for f in result.errors))
    n_out, n_bytes = dir_bytes(out / "media")
    start = time.perf_counter()
    again = build_media(jobs, out, cache, settings, workers=workers)
    warm = time.perf_counter() - start
    if again.encoded:
        raise SystemExit(f"re-run encoded {again.encoded} files; expected none")
    mp = sum(p[1] for p in photos)
    label = "build_media" + (" + channel pictures" if channels else "") + suffix
    return (Row(label, cold, mp, len(photos), n_out, n_bytes),
            Row(label + ", re-run (nothing changed)", warm, mp, len(photos), again.encoded, 0))


def run_vips(photos: list[Photo], settings: MediaSection, work: Path, workers: int, suffix: str = "") -> Row:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    webp = f"[Q={settings.webp_quality},strip]"
    jpeg = f"[Q={settings.jpeg_quality},strip,optimize_coding,interlace]"
    commands = []
    for i, (path, _, widths, _) in enumerate(photos):
        for width in widths:  # the distinct widths build_media makes: no duplicates for small photos
            for ext, options in (("webp", webp), ("jpg", jpeg)):
                target = work / f"{i}-{width}.{ext}{options}"
                commands.append(["vipsthumbnail", str(path), "--size", f"{width}x>", "-o", str(target)])
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for proc in pool.map(lambda c: subprocess.run(c, capture_output=True, check=False), commands):
            if proc.returncode:
                raise SystemExit(f"vipsthumbnail failed: {proc.stderr.decode(errors='replace')}")
    seconds = time.perf_counter() - start
    n_out, n_bytes = dir_bytes(work)
    return Row(f"vipsthumbnail ({workers} calls at a time){suffix}", seconds, sum(p[1] for p in photos),
               len(photos), n_out, n_bytes)


def best(rows: list[Row]) -> Row:
    return min(rows, key=lambda r: r.seconds)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    vips = subprocess.run(["vipsthumbnail", "--version"], capture_output=True, text=True).stdout.strip()
    import PIL
    import pillow_heif

    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, Pillow {PIL.__version__}, "
            f"pillow-heif {pillow_heif.__version__}, {vips}; load average {load:.1f} when it finished "
            "(the machine is shared, so figures vary by about a third between runs)")


def table(rows: list[Row], baselines: dict[str, Row]) -> str:
    lines = [
        "| run | photos | source MP | files out | MB out | seconds | MP/s | photos/s | vs vipsthumbnail |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        base = baselines.get(r.name)
        ratio = f"{r.mp_per_s / base.mp_per_s:.2f}x" if base else "-"
        lines.append(
            f"| {r.name} | {r.images} | {r.megapixels:.1f} | {r.outputs} | {r.out_bytes / 1e6:.1f} | "
            f"{r.seconds:.2f} | {r.mp_per_s:.1f} | {r.images_per_s:.1f} | {ratio} |"
        )
    return "\n".join(lines)


def write_section(text: str) -> Path:
    """Replace (or add) only the '## Media' section of docs/benchmarks.md."""
    doc = ROOT / "docs" / "benchmarks.md"
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Media\n.*?(?=^## |\Z)", re.S | re.M)
    section = text.rstrip() + "\n\n"
    if pattern.search(current):
        current = pattern.sub(lambda _: section, current, count=1)
    else:
        current = current.rstrip() + "\n\n" + section
    doc.write_text(current.rstrip() + "\n", encoding="utf-8")
    return doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--write-docs", action="store_true",
                        help="rewrite the Media section of docs/benchmarks.md")
    args = parser.parse_args()
    if not shutil.which("vipsthumbnail"):
        raise SystemExit("vipsthumbnail not found: apt-get install -y libvips-tools")

    settings = MediaSection()
    photos = photo_set(settings)
    jpegs = [p for p in photos if p[3] == "JPEG"]
    with tempfile.TemporaryDirectory(prefix="warta-media-bench-") as tmp:
        work = Path(tmp)
        vips, warta, warm, vips_jpeg, warta_jpeg = [], [], [], [], []
        for _ in range(args.rounds):  # interleaved, so a slow moment of the machine hits both sides
            vips.append(run_vips(photos, settings, work / "vips", args.workers))
            cold_row, warm_row = run_warta(photos, settings, work / "warta", args.workers, channels=False)
            warta.append(cold_row)
            warm.append(warm_row)
            vips_jpeg.append(run_vips(jpegs, settings, work / "vips", args.workers, ", JPEG sources only"))
            warta_jpeg.append(run_warta(jpegs, settings, work / "warta", args.workers, channels=False,
                                        suffix=", JPEG sources only")[0])
        full, _ = run_warta(photos, settings, work / "full", args.workers, channels=True)
    baseline, ours = best(vips), best(warta)
    baseline_jpeg, ours_jpeg = best(vips_jpeg), best(warta_jpeg)
    ratio = ours.mp_per_s / baseline.mp_per_s
    ratio_jpeg = ours_jpeg.mp_per_s / baseline_jpeg.mp_per_s
    worst = min(ratio, ratio_jpeg)
    verdict = "within budget" if worst >= BUDGET else "BELOW BUDGET"
    sizes = [p[1] for p in photos]
    report = "\n".join([
        "## Media",
        "",
        f"Measured {datetime.date.today().isoformat()} with `benchmarks/media.py` (best of {args.rounds} "
        f"rounds, {args.workers} workers) on {machine()}.",
        "",
        f"Photos: the {len(photos)} readable photos of `../shared/testdata/photos` ({sum(sizes):.1f} "
        f"megapixels, {min(sizes):.2f} to {max(sizes):.1f} MP each: phone JPEGs, one iPhone HEIC, small "
        f"camera JPEGs), and the {len(jpegs)} JPEGs alone. Outputs: widths "
        f"{', '.join(map(str, settings.widths))} (never upscaled, so small photos get fewer) in WebP "
        f"q{settings.webp_quality} and progressive JPEG q{settings.jpeg_quality}, metadata stripped, "
        "orientation applied. vipsthumbnail writes one file per call, so it decodes each photo once per "
        "output (with JPEG shrink-on-load); build_media decodes each photo once for all its outputs.",
        "",
        table([baseline, ours, baseline_jpeg, ours_jpeg, best(warm), full],
              {baseline.name: baseline, ours.name: baseline, baseline_jpeg.name: baseline_jpeg,
               ours_jpeg.name: baseline_jpeg, full.name: baseline}),
        "",
        f"Budget (DESIGN section 9): at least {BUDGET}x vipsthumbnail's throughput. Result: **{ratio:.2f}x "
        f"on all photos, {ratio_jpeg:.2f}x on the JPEGs alone: {verdict}**. A re-run with nothing changed "
        f"encoded 0 files in {best(warm).seconds:.2f} s (it hashes every source, reads the cached inspection "
        "and re-links the cached files).",
    ])
    print(report)
    if args.write_docs:
        print(f"\nwritten to {write_section(report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
