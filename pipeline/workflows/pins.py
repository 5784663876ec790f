"""The actions warta's workflows use, each pinned by the full commit SHA of a release tag.

A tag can be moved by whoever controls the action's repository; a commit SHA cannot. Every ``uses:`` line
warta writes is ``owner/name@<sha> # <tag>``: the comment keeps the version readable (and lets Dependabot
or Renovate propose updates). Each SHA was read from the action repository's tag (``git rev-parse
<tag>^{commit}``), never typed from memory; ``tests/workflows/test_workflows_rules.py`` checks the shape and that every
pinned action is one of these. To update: read the new tag's commit the same way, change it here, and
re-run ``warta init`` on a scratch folder to compare.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pin:
    action: str
    sha: str
    tag: str

    def uses(self) -> str:
        """The value of a ``uses:`` line, with the tag as a comment. Gitea resolves it on GitHub; Forgejo on
        its mirror (data.forgejo.org), which holds the same commits."""
        return f"{self.action}@{self.sha} # {self.tag}"


PINS: dict[str, Pin] = {p.action.split("/", 1)[1]: p for p in (
    Pin("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    Pin("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    Pin("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    Pin("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    Pin("actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    Pin("actions/upload-pages-artifact", "fc324d3547104276b827a68afc52ff2a11cc49c9", "v5.0.0"),
    Pin("actions/deploy-pages", "cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", "v5.0.0"),
)}

# The Python the site workflows run warta on; ``warta init --lock`` hashes wheels for exactly this.
PYTHON_VERSION = "3.11"
