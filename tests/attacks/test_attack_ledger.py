"""Attacks on the posting ledger (docs/channels.md): a post is sent at most once unless a person decided,
for that very attempt, that it did not go out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, Site
from channel_servers import IG, TOKEN, Platforms
from publish_helpers import approved_release, publish, records, release_text

from pipeline.channels.adapters import make_adapter
from pipeline.channels.base import CallFailed, Post
from pipeline.config import ChannelSection

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


def test_telegram_gets_content_as_plain_text_never_as_markup(office: Site, platforms: Platforms) -> None:
    title = 'Rapat <a href="https://penipu.example/">klik</a> *Penting* [hadiah](https://penipu.example/)'
    approved_release(office, "rapat-markup", text=release_text(title, summary="<b>Ringkasan</b> _miring_"))
    publish(office, env=ENV)
    sent = [r for r in platforms.requests if r.path.endswith(("/sendMessage", "/sendPhoto"))]
    assert len(sent) == 1
    form = sent[0].form()
    assert "parse_mode" not in form  # Telegram reads the text as plain text
    text = (form.get("text") or form.get("caption") or [""])[0]
    assert title in text and "<b>Ringkasan</b> _miring_" in text  # the approved words, nothing cut or escaped


def test_a_change_merged_without_approval_is_never_announced_and_the_approved_text_stays(
        office: Site, platforms: Platforms) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    publish(office, env=ENV)
    # an operator with push access changes the title on main and adds a release nobody approved
    office.write(path, release_text("Bantuan Bibit Dibatalkan"))
    office.write("content/siaran-pers/2025/belum-disetujui.md", release_text("Rilis Yang Belum Disetujui"))
    office.commit("Ubah judul tanpa persetujuan", office.cast["rina"])
    for _ in range(2):
        publish(office, env=ENV)
    for kind in ("mastodon", "telegram", "x"):
        texts = platforms.posts(kind)
        assert len(texts) == 1 and texts[0].startswith("Bantuan Bibit Cabai"), texts
    assert records(office.root)[path]["title"] == "Bantuan Bibit Cabai"
    assert "content/siaran-pers/2025/belum-disetujui.md" not in records(office.root)


def test_a_text_over_a_platforms_limit_is_never_cut_at_send_time(office: Site, platforms: Platforms) -> None:
    title = "Pengumuman " + " ".join(f"kalurahan{n}" for n in range(40))  # far over X's 280 characters
    approved_release(office, "judul-panjang", text=release_text(title))
    publish(office, env=ENV)
    for kind in ("mastodon", "telegram", "x"):
        for text in platforms.posts(kind):
            assert title in text, f"{kind} got a cut text: {text[:80]}…"


def test_mastodon_never_resends_an_attempt_whose_age_cannot_be_trusted(platforms: Platforms) -> None:
    """An attempt stamped "in the future" (the dead run's clock was ahead, or the test clock WARTA_NOW) has an
    unknown age: it may be older than the hour the server keeps its Idempotency-Key, so a resend could
    make a second post; a person decides."""
    section = ChannelSection.model_validate({"type": "mastodon", "url": platforms.base, "token_env": "T"})
    made = make_adapter("mastodon", section, {"T": TOKEN})
    post = Post(key="warta-1-abc-mastodon", number="1", change="new", text="Bantuan Bibit Cabai", link="https://x/")
    assert made.settle(post, -3600.0) is None
    assert made.settle(post, None) is None
    assert platforms.posts("mastodon") == []


def test_the_channels_an_item_goes_to_are_the_ones_its_approved_kanal_names(office: Site,
                                                                            platforms: Platforms) -> None:
    text = release_text("Bantuan Bibit Cabai").replace("---\n", "---\nkanal: [telegram]\n", 1)
    path = approved_release(office, "bantuan-bibit", text=text)
    publish(office, env=ENV)
    assert len(platforms.posts("telegram")) == 1
    assert platforms.posts("mastodon") == platforms.posts("x") == []
    # an operator widens kanal on main without an approval: nothing more goes out
    office.write(path, text.replace("kanal: [telegram]", "kanal: [telegram, mastodon, x]"))
    office.commit("Tambah kanal", office.cast["rina"])
    publish(office, env=ENV)
    assert len(platforms.posts("telegram")) == 1
    assert platforms.posts("mastodon") == platforms.posts("x") == []


@pytest.mark.parametrize("answer", [
    (500, {}, {"error": {"code": 2, "message": "An unexpected error has occurred. Please retry your request later."}}),
    (400, {}, {"error": {"code": 4, "message": "Application request limit reached", "error_subcode": 2207051}}),
])
def test_an_instagram_publish_step_that_answers_an_error_is_uncertain_never_retried(
        platforms: Platforms, tmp_path: Path, answer: tuple[int, dict[str, str], object]) -> None:
    """Instagram is known to publish a container and still answer media_publish with an error: a retry
    would post it twice. Before media_publish nothing is public, so errors there may be retried."""
    section = ChannelSection.model_validate({"type": "instagram", "url": f"{platforms.base}/v21.0", "ig_user_id": IG,
                                             "token_env": "T"})
    made = make_adapter("instagram", section, {"T": TOKEN})
    made.http.sleep = lambda s: None  # type: ignore[union-attr]
    post = Post(key="warta-1-abc-instagram", number="1", change="new", text="Bantuan Bibit Cabai", link="https://x/",
                image_url="https://dinas.example.go.id/media/a/sq.jpg")
    platforms.script("instagram", None, None, None, answer)  # quota, container, status: fine; then publish fails
    with pytest.raises(CallFailed) as info:
        made.post(post)
    assert info.value.uncertain and not info.value.retryable
    assert sum(r.path.endswith("/media_publish") for r in platforms.requests) == 1
