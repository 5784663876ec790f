"""Attacks on the posting ledger (docs/channels.md): a post is sent at most once unless a person decided,
for that very attempt, that it did not go out."""

from __future__ import annotations

import subprocess
import sys

from approvals_helpers import PROJECT, Site
from channel_servers import TOKEN, Platforms
from publish_helpers import approved_release, publish, records

ENV = {"T_MASTODON": TOKEN, "T_TELEGRAM": TOKEN, "T_XK": "ck", "T_XS": "cs", "T_XT": "at", "T_XTS": "as"}


def _entry(site: Site, path: str, channel: str) -> dict[str, object]:
    return next(c for c in records(site.root)[path]["channels"] if c["channel"] == channel)


def _resolve(site: Site, path: str, channel: str, *args: str) -> None:
    env = {**site.env(site.cast["rina"]), "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "pipeline", "announce", "--resolve", path, channel, *args],
                          cwd=site.root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_not_sent_decision_resolves_one_attempt_and_is_never_replayed_on_a_later_uncertain_one(
        office: Site, platforms: Platforms) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    platforms.script("telegram", "drop")  # the post goes out, the answer is lost
    publish(office, env=ENV)
    assert _entry(office, path, "telegram")["state"] == "uncertain"
    assert len(platforms.posts("telegram")) == 1
    # a person looks (wrongly or not) and says it is not there: warta sends it again, once
    _resolve(office, path, "telegram", "--not-sent")
    publish(office, env=ENV)  # writes the decision into the ledger
    assert _entry(office, path, "telegram")["state"] == "not_sent"
    platforms.script("telegram", "drop")  # the post goes out again, and its answer is lost as well
    publish(office, env=ENV)
    assert len(platforms.posts("telegram")) == 2
    assert _entry(office, path, "telegram")["state"] == "uncertain"
    # the earlier decision was about the earlier attempt: it must not send the post a third time
    publish(office, env=ENV)
    publish(office, env=ENV)
    assert len(platforms.posts("telegram")) == 2, "an old not-sent decision was replayed on a new uncertain attempt"
    assert _entry(office, path, "telegram")["state"] == "uncertain"
