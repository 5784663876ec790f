"""Test offices whose warta.yml names a forge stand-in (tests/forges/servers.py), with the CI files warta's
writer makes for that forge in the trusted root commit, as `warta init` puts them there."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from approvals_helpers import Person, Site, make_site, people_yaml, release
from identity_helpers import pipeline_block
from publish_helpers import PUBLISH_YML

from pipeline.config import parse_config
from pipeline.people import parse_people
from pipeline.workflows.writer import Forge, site_ci

sys.path.append(str(Path(__file__).resolve().parents[1] / "forges"))  # the stand-ins' module, last on the path

REPOSITORY = "dinas/situs"
IDS = {"rina": 101, "dwi": 201, "hendro": 301, "wahyu": 401}
PR = 7
T0 = int(time.time()) - 3600
ID_FIELD = {"github": "github_id", "gitea": "gitea_id", "forgejo": "gitea_id", "gitlab": "gitlab_id"}


def user(handle: str) -> tuple[int, str]:
    return IDS[handle], f"{handle}-gh"


def site_files(forge: Forge, url: str, cast: dict[str, Person], ci_public: str | None = None, *,
               pages: bool = False, register_branch: str | None = None) -> dict[str, str]:
    """warta.yml naming the forge, people.yaml with the forge's ids (and the publishing identity), and the
    CI files for that forge; ``register_branch``: the register on that branch (archive.register_branch)."""
    warta = PUBLISH_YML.replace("  main_branch: main\n", f"  main_branch: main\n  forge:\n    type: {forge}\n"
                                f"    url: {url}\n    repository: {REPOSITORY}\n")
    if pages:
        warta = warta.replace("deploy:\n  target: local\n", "deploy:\n  target: pages\n")
    if register_branch:
        warta = warta.replace("archive:\n", f"archive:\n  register_branch: {register_branch}\n", 1)
    people = people_yaml(cast)
    for handle, number in IDS.items():
        line = f"    email: {cast[handle].email}\n"
        people = people.replace(line, f"{line}    {ID_FIELD[forge]}: {number}\n")
    if ci_public:
        people += pipeline_block(ci_public)
    made = site_ci(parse_config(warta), parse_people(people), ["kepala_dinas"], forge=forge)
    return {"warta.yml": warta, "sop/people.yaml": people, "requirements.txt": "warta\n", **made.files}


PROTECTED_ORIGIN = """#!/bin/sh
# The forge's branch rules, in the bare origin: main takes only the pull request's merge (the harness sets
# WARTA_HARNESS_MERGE for that one push; no CI credential can push main), and the register branch and its
# review branch only fast-forward (no force push, no deletion).
zero=0000000000000000000000000000000000000000
while read -r old new ref; do
  case "$ref" in
    refs/heads/main)
      if [ "$WARTA_HARNESS_MERGE" != "1" ]; then echo "refused: main takes only merges of pull requests" >&2; exit 1; fi ;;
    refs/heads/{branch}|refs/heads/{branch}-ulasan)
      if [ "$new" = "$zero" ]; then echo "refused: {branch} cannot be deleted" >&2; exit 1; fi
      if [ "$old" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new"; then
        echo "refused: {branch} only fast-forwards" >&2; exit 1
      fi ;;
  esac
done
exit 0
"""


def protect_origin(origin: Path, branch: str) -> None:
    """Install :data:`PROTECTED_ORIGIN` as the origin's ``pre-receive`` hook."""
    hook = origin / "hooks" / "pre-receive"
    hook.write_text(PROTECTED_ORIGIN.replace("{branch}", branch), encoding="utf-8")
    hook.chmod(0o755)


def forge_office(tmp_path: Path, cast: dict[str, Person], files: dict[str, str]) -> tuple[Site, Path, str, str]:
    """The office, its bare origin, and a release on a branch pushed as the pull request's head: (site,
    origin, the release's path, the head commit)."""
    site = make_site(tmp_path, cast, extra=files)
    (tmp_path / "home" / "isolated").write_text("[user]\n\tname = Runner\n\temail = runner@example.go.id\n")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(site.root), str(origin)], check=True, capture_output=True)
    site.git("remote", "add", "origin", str(origin))
    path = release(site)
    head = site.head()
    site.git("push", "-q", "origin", f"HEAD:refs/pull/{PR}/head")
    return site, origin, path, head
