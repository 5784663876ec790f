"""``benchmarks/publish.py --published``: a kept site where a project's copy goes is refused, not deleted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "publish.py"), *args], capture_output=True,
                          text=True, timeout=120)


def test_a_kept_site_in_the_copys_place_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    kept = tmp_path / "5" / "site-0"  # where --keep leaves the first project's site
    kept.mkdir(parents=True)
    (kept / "warta.yml").write_text("site: {}\n", encoding="utf-8")
    for published in (kept, tmp_path / "5"):
        proc = run("--n", "5", "--workdir", str(tmp_path), "--published", str(published))
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "--published" in proc.stderr and "move it out" in proc.stderr and "Traceback" not in proc.stderr
    assert (kept / "warta.yml").read_text(encoding="utf-8") == "site: {}\n"


def test_a_site_kept_elsewhere_is_not_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "published"
    elsewhere.mkdir()
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    try:
        import publish
    finally:
        sys.path.remove(str(PROJECT / "benchmarks"))
    assert publish.published_clash(elsewhere, tmp_path / "5", 2) is None
    assert publish.published_clash(tmp_path / "5" / "site-1", tmp_path / "5", 2) is not None
    assert publish.published_clash(tmp_path / "5" / "site-2", tmp_path / "5", 2) is None  # no third project
