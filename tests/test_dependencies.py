"""Dependencies that earn their place: every declared runtime dependency is imported by warta, S3's boto3
is an extra (`warta[s3]`) imported only when deploying there, with a clear message when it is missing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from cli_helpers import PROJECT

# Declared for what they install, not for a Python import.
NOT_IMPORTED = {"pagefind": "ships the pagefind binary the site search runs (pipeline/site/search.py)"}


def _declared() -> list[str]:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0] for r in project["dependencies"]]


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT / "pipeline").rglob("*.py"))


def test_every_declared_dependency_is_imported_by_warta() -> None:
    modules = metadata.packages_distributions()
    by_dist: dict[str, set[str]] = {}
    for module, dists in modules.items():
        for dist in dists:
            by_dist.setdefault(dist.lower().replace("_", "-"), set()).add(module)
    code = _sources()
    unused = []
    for name in _declared():
        key = name.lower().replace("_", "-")
        if key in NOT_IMPORTED:
            continue
        names = by_dist.get(key, set())
        assert names, f"{name} is declared but not installed: run make install"
        if not any(re.search(rf"^\s*(import|from) {re.escape(m)}\b", code, re.M) for m in names):
            unused.append(name)
    assert unused == [], f"declared in pyproject.toml but never imported: {unused}"


def test_boto3_is_the_s3_extra_not_a_dependency() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "boto3" not in _declared()
    assert any(r.startswith("boto3") for r in project["optional-dependencies"]["s3"])


def test_the_s3_deploy_without_boto3_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import importlib.abc, sys\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('boto3', 'botocore'):\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from pipeline.errors import ChannelError\n"
        "from pipeline.deploy import s3\n"
        "try:\n"
        "    s3.make_client(None, {})\n"
        "except ChannelError as exc:\n"
        "    print('REFUSED', exc)\n"
    )
    env = {**os.environ, "WARTA_LANG": "en", "PYTHONPATH": str(PROJECT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "REFUSED deploy: target s3 needs boto3" in result.stdout and "pip install 'warta[s3]'" in result.stdout


def test_the_lite_phone_number_package_parses_as_the_privacy_check_needs() -> None:
    import phonenumbers

    assert metadata.distribution("phonenumberslite")  # the light package provides the module
    found = [m.raw_string for m in phonenumbers.PhoneNumberMatcher("Hubungi 0812-2233-4455 atau (0274) 367123",
                                                                    "ID")]
    assert found == ["0812-2233-4455", "(0274) 367123"]
    mobile = phonenumbers.parse("0812-2233-4455", "ID")
    assert phonenumbers.number_type(mobile) == phonenumbers.PhoneNumberType.MOBILE
    assert phonenumbers.format_number(mobile, phonenumbers.PhoneNumberFormat.E164) == "+6281222334455"
