"""markdown-it-py is loaded on the first rendering, not with the dialect's API (pipeline/markup_dialect.py):
the commands that render no body (status, verify, a build whose bodies are cached) start without it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys
import pipeline.markup, pipeline.content, pipeline.approvals.revisions, pipeline.rendering, pipeline.itemcache
before = sorted(m for m in sys.modules if m.split(".")[0] == "markdown_it")
body = "Isi **tebal**.\\n\\n![Foto bibit](foto bibit.jpg)\\n\\n[Surat](surat edaran.pdf)"
rendered = pipeline.markup.render_markdown(body)
after = "markdown_it" in sys.modules
print(json.dumps({"before": before, "after": after, "html": rendered.html, "images": rendered.images,
                  "links": rendered.links}))
"""


def test_the_dialects_api_imports_no_markdown_library_until_a_body_is_rendered() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=PROJECT, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["before"] == []
    assert found["after"] is True
    # the dialect as before: emphasis, an image as its token, an address with a space kept as written
    assert "<strong>tebal</strong>" in found["html"]
    assert found["images"] == [["foto bibit.jpg", "Foto bibit"]]
    assert found["links"] == ["surat edaran.pdf"]
