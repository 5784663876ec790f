"""``benchmarks/measure.py`` counts the whole process tree: a grandchild's CPU time, and what a command
leaves running when it returns (a background process in its own session, reparented to the benchmark as
subreaper), which is waited for before the next measurement. No timed assertion: only CPU time a process
is made to spend, and the order of events."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "benchmarks"))

import measure  # noqa: E402

BURN = ("import os, sys, time\n"
        "while sum(os.times()[:2]) < float(sys.argv[1]):\n"
        "    pass\n"
        "open(sys.argv[2], 'w').write('done')\n")


def _script(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_what_a_command_leaves_running_is_waited_for_and_its_cpu_counted(tmp_path: Path) -> None:
    burn = _script(tmp_path, "burn.py", BURN)
    left = tmp_path / "left.txt"
    top = _script(tmp_path, "top.py", (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, {str(burn)!r}, '0.4', {str(left)!r}], start_new_session=True,\n"
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"))
    assert measure.SUBREAPER  # Linux: this process adopts the orphans of what it measures
    run = measure.measure([sys.executable, str(top)], tmp_path)
    assert run.code == 0
    assert left.read_text(encoding="utf-8") == "done"  # it had finished when measure returned
    assert run.after_cpu >= 0.4  # its CPU time, which no figure held before
    assert run.all_cpu == run.cpu + run.after_cpu
    assert run.cpu < 0.4  # the command itself only started it


def test_a_grandchilds_cpu_is_in_the_commands(tmp_path: Path) -> None:
    burn = _script(tmp_path, "burn.py", BURN)
    mid = _script(tmp_path, "mid.py", (
        "import subprocess, sys\n"
        f"subprocess.run([sys.executable, {str(burn)!r}, '0.3', {str(tmp_path / 'x.txt')!r}], check=True)\n"))
    top = _script(tmp_path, "top.py",
                  f"import subprocess, sys\nsubprocess.run([sys.executable, {str(mid)!r}], check=True)\n")
    run = measure.measure([sys.executable, str(top)], tmp_path)
    assert run.code == 0 and run.cpu >= 0.3 and run.after_cpu == 0


def test_an_estimate_without_memory_shows_no_figure() -> None:
    assert measure.mb([float("nan")]) == "-"
    assert measure.mb([float("nan"), 120.4, 98.0]) == "120 MB"


def test_a_measured_warta_runs_from_byte_code_even_under_a_shell_that_forbids_it(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    """A shell's PYTHONDONTWRITEBYTECODE made every measured command compile warta from source (1.3-2 s
    a run): the measured environment drops it, and the checkout is compiled once beforehand."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    checkout = tmp_path / "checkout"
    (checkout / "pipeline").mkdir(parents=True)
    (checkout / "pipeline" / "__init__.py").write_text("VALUE = 7\n", encoding="utf-8")
    (checkout / "pipeline" / "stage.py").write_text("def run():\n    return 3\n", encoding="utf-8")
    env = measure.installed_env(checkout, {"PATH": "/usr/bin", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C"})
    assert env == {"PATH": "/usr/bin", "LANG": "C", "PYTHONPATH": str(checkout)}
    assert "PYTHONDONTWRITEBYTECODE" not in measure.installed_env(checkout)  # this process's own environment
    measure.compile_checkout(sys.executable, checkout)
    compiled = sorted(p.name.split(".")[0] for p in (checkout / "pipeline" / "__pycache__").glob("*.pyc"))
    assert compiled == ["__init__", "stage"]
