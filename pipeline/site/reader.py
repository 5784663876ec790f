"""The Pelican reader for warta content.

It does not parse front matter: :mod:`pipeline.content` has already read and validated every file, and
the build has rendered each body (:mod:`pipeline.rendering`). The reader looks the file up and hands
Pelican the metadata and HTML. A file the build did not choose (not approved, exempt, failed image,
embargoed) is skipped.
"""

from __future__ import annotations

from typing import Any

from markupsafe import escape
from pelican.readers import BaseReader

from pipeline.site.model import SharedState


class WartaReader(BaseReader):  # type: ignore[misc]  # Pelican is untyped
    enabled = True
    # Registered through the READERS setting only: an empty list keeps Pelican from picking this class
    # up for every build in the process (it registers BaseReader subclasses by their extensions).
    file_extensions: list[str] = []

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        state: SharedState = self.settings["WARTA"]
        payload = state.payloads.get(source_path)
        if payload is None:
            return "", {"status": "skip"}
        item = payload.item
        meta = item.meta
        metadata: dict[str, Any] = {
            "title": meta.title,
            "slug": item.slug,
            "url": item.url_path,
            "save_as": item.url_path + "index.html",
            "lang": meta.lang or self.settings["DEFAULT_LANG"],
            "status": "hidden" if payload.withdrawn else "published",
            "template": "dicabut" if payload.withdrawn else "item",
            "kind": item.kind,
            "warta": payload,
        }
        if item.published is not None:
            metadata["date"] = item.published  # the item's own date: its page, its cards and feeds show it
        if payload.updated is not None:
            metadata["modified"] = item.aware(payload.updated)  # the date of its last change (feeds: updated)
        if meta.summary and not payload.withdrawn:  # a withdrawal never repeats the withdrawn text
            metadata["summary"] = str(escape(meta.summary))
        return payload.body, metadata  # made now: only the feeds' few entries are read
