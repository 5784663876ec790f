"""Any machine: no warta module imports a POSIX-only module at import time, and `init`, `check`, `build`
and `status` run with those modules hidden, as on Windows (a meta-path blocker in a fresh interpreter).

Runs on Linux, macOS and Windows (the CI workflow runs this file on all three)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from cli_helpers import PROJECT

# Modules that exist only on POSIX systems (Windows has none of them).
POSIX_ONLY = ("fcntl", "grp", "pwd", "resource", "termios", "tty", "pty", "syslog", "crypt", "spwd", "nis",
              "posix_ipc")

BLOCKER = textwrap.dedent(f"""\
    import importlib.abc, sys
    HIDDEN = {POSIX_ONLY!r}
    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HIDDEN:
                raise ModuleNotFoundError(f"No module named {{name!r}} (hidden: POSIX-only)", name=name)
            return None
    for name in list(sys.modules):
        if name.split(".")[0] in HIDDEN:
            del sys.modules[name]
    sys.meta_path.insert(0, Blocker())
    """)


def hidden_python(code: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    (home / "gitconfig").write_text("[user]\n\tname = Operator Uji\n\temail = operator@example.go.id\n"
                                    "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=str(home / "gitconfig"), GIT_CONFIG_NOSYSTEM="1", WARTA_LANG="en",
               PYTHONPATH=str(PROJECT))
    return subprocess.run([sys.executable, "-c", BLOCKER + code], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=900)


def test_the_blocker_hides_posix_only_modules(tmp_path: Path) -> None:
    result = hidden_python("import fcntl\n", tmp_path, tmp_path)
    assert result.returncode != 0 and "hidden: POSIX-only" in result.stderr


def test_every_module_imports_with_posix_only_modules_hidden(tmp_path: Path) -> None:
    code = textwrap.dedent("""\
        import importlib, pkgutil, json, pipeline
        failed = {}
        found = pkgutil.walk_packages(pipeline.__path__, "pipeline.")
        names = sorted(m.name for m in found if m.name != "pipeline.__main__")  # __main__ runs the CLI
        for name in names:
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed[name] = f"{type(exc).__name__}: {exc}"
        print(json.dumps({"imported": len(names), "failed": failed}))
        """)
    result = hidden_python(code, tmp_path, tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert doc["failed"] == {}
    assert doc["imported"] > 80  # every module of the package, not a few


def test_init_check_build_status_run_with_posix_only_modules_hidden(tmp_path: Path) -> None:
    code = textwrap.dedent("""\
        import os, sys
        from pipeline.cli import main
        codes = {}
        codes["init"] = main(["init", "situs", "--example"])
        os.chdir("situs")
        for command in (["check"], ["build"], ["status", "--all"], ["status", "--json"]):
            codes[command[0] + (" " + command[1] if len(command) > 1 else "")] = main(command)
        hidden = sorted(m for m in sys.modules if m.split(".")[0] in HIDDEN)
        print("CODES", codes, "HIDDEN-IMPORTED", hidden)
        """)
    result = hidden_python(code, tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("CODES"))
    assert line == ("CODES {'init': 0, 'check': 0, 'build': 0, 'status --all': 0, 'status --json': 0} "
                    "HIDDEN-IMPORTED []")
    assert (tmp_path / "situs" / "_preview" / "index.html").is_file()
