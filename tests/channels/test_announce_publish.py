"""``warta publish`` on the channels of the SOP, with local servers standing in for the platforms: each
newly published release is posted exactly once per channel, the post links join the archive record, and a
run killed at any stage of announcing loses and duplicates nothing on re-run (docs/channels.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from approvals_helpers import PROJECT, Person, Site
from channel_servers import TOKEN, WEBHOOK_SECRET, Platforms, channel_office
from publish_helpers import (
    approved_release,
    change_release,
    isolated_env,
    publish,
    publish_json,
    records,
    release_text,
)

from pipeline.publish.hooks import ANNOUNCE_FAULT_POINTS

ENV = {"T_MASTODON": TOKEN, "T_TELEGRAM": TOKEN, "T_XK": "ck", "T_XS": "cs", "T_XT": "at", "T_XTS": "as"}
CHANNELS = ("mastodon", "telegram", "x")


def announce(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    """``warta announce`` as the CI account, in its own process."""
    env = {**site.env(site.cast["wahyu"], sign=False), "PYTHONPATH": str(PROJECT), **ENV}
    return subprocess.run([sys.executable, "-m", "pipeline", "announce", *args], cwd=site.root, env=env,
                          capture_output=True, text=True, timeout=300)


def _entries(site: Site, path: str) -> dict[str, dict[str, object]]:
    return {str(c["channel"]): c for c in records(site.root)[path]["channels"]}


def test_each_release_is_posted_once_per_channel_with_its_link_in_the_record(office: Site, platforms: Platforms) -> None:
    a = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    b = approved_release(office, "rapat-koordinasi", title="Rapat Koordinasi Pendamping")
    code, doc = publish_json(office, env=ENV)
    assert code == 0, doc
    for kind in CHANNELS:
        assert sorted(p.split("\n")[0] for p in platforms.posts(kind)) == ["Bantuan Bibit Cabai",
                                                                            "Rapat Koordinasi Pendamping"]
    entries = _entries(office, a)
    assert {entries[c]["state"] for c in CHANNELS} == {"sent"}
    assert str(entries["telegram"]["url"]).startswith("https://t.me/dinasuji/")
    assert str(entries["x"]["url"]).startswith("https://x.com/i/web/status/")
    assert entries["mastodon"]["digest"] == records(office.root)[a]["digest"]
    assert TOKEN not in (office.root / records(office.root)[b]["_file"]).read_text(encoding="utf-8")
    # nothing new: nothing posted again
    assert publish(office, env=ENV).returncode == 0
    assert all(len(platforms.posts(k)) == 2 for k in CHANNELS)


def test_a_failed_channel_never_holds_back_the_site_and_is_retried_later(office: Site, platforms: Platforms) -> None:
    a = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    platforms.script("telegram", (500, {}, {"ok": False, "error_code": 500, "description": "Internal"}))
    code, doc = publish_json(office, env=ENV)
    assert code == 1 and doc["held"] == [] and any("telegram" in e for e in doc["channel_errors"])
    assert (office.root / "_site" / "siaran-pers/2025/bantuan-bibit/index.html").is_file()
    entry = _entries(office, a)["telegram"]
    assert entry["state"] == "failed" and entry["retryable"] is True
    assert len(platforms.posts("mastodon")) == 1 and platforms.posts("telegram") == []
    # a later run after its back-off (here: --retry, with warta announce) sends it, and only it
    result = announce(office, "--retry", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(platforms.posts("telegram")) == 1 and len(platforms.posts("mastodon")) == 1
    assert _entries(office, a)["telegram"]["state"] == "sent"


def test_an_accepted_post_whose_answer_was_lost_is_uncertain_and_never_resent(office: Site, platforms: Platforms) -> None:
    a = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    platforms.script("telegram", "drop")
    code, doc = publish_json(office, env=ENV)
    assert code == 1 and any("uncertain" in e for e in doc["channel_errors"])
    assert _entries(office, a)["telegram"]["state"] == "uncertain"
    for _ in range(2):
        publish(office, env=ENV)
    assert len(platforms.posts("telegram")) == 1  # it went out once, and was never sent again


@pytest.mark.parametrize("point", [p for p in ANNOUNCE_FAULT_POINTS if p != "announce-resolved"] + ["record",
                                                                                                  "record-commit"])
def test_a_run_killed_while_announcing_loses_and_duplicates_nothing(office: Site, platforms: Platforms,
                                                                     point: str) -> None:
    paths = [approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai"),
             approved_release(office, "rapat-koordinasi", title="Rapat Koordinasi Pendamping")]
    killed = publish(office, env={**ENV, "WARTA_FAULT_AT": point}, process=True)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    publish(office, env=ENV)
    publish(office, env=ENV)
    for kind in CHANNELS:
        texts = [p.split("\n")[0] for p in platforms.posts(kind)]
        assert len(texts) == len(set(texts)), f"{kind} got a post twice: {texts}"
    for path in paths:
        for kind in CHANNELS:
            entry = _entries(office, path)[kind]
            assert entry["state"] in ("sent", "failed", "uncertain"), entry
            title = records(office.root)[path]["title"]
            posted = [p for p in platforms.posts(kind) if p.startswith(str(title))]
            # sent means it is there; uncertain is for a person; nothing is dropped silently
            if entry["state"] == "sent":
                assert len(posted) == 1
            else:
                assert len(posted) <= 1 and entry["state"] == "uncertain"


def test_a_withdrawal_deletes_its_posts_or_corrects_them_without_repeating_them(office: Site,
                                                                                platforms: Platforms) -> None:
    path = approved_release(office, "pasar-murah", title="Pasar Murah Menjelang Lebaran")
    assert publish(office, env=ENV).returncode == 0
    before = _entries(office, path)
    # Telegram refuses: the message is older than 48 hours (Bot API): a correction instead
    platforms.script("telegram", (400, {}, {"ok": False, "error_code": 400,
                                            "description": "Bad Request: message can't be deleted"}))
    change_release(office, path, release_text("Pasar Murah Menjelang Lebaran", status="dicabut",
                                              alasan_pencabutan="Jadwal dibatalkan"), branch="cabut")
    code, doc = publish_json(office, env=ENV)
    assert code == 0, doc
    entries = _entries(office, path)
    assert entries["mastodon"]["state"] == "deleted" and entries["x"]["state"] == "deleted"
    deletes = {r.path for r in platforms.requests if r.method == "DELETE"}
    assert deletes == {f"/api/v1/statuses/{before['mastodon']['post_id']}", f"/2/tweets/{before['x']['post_id']}"}
    assert entries["telegram"]["state"] == "corrected"
    correction = platforms.posts("telegram")[-1]
    assert "Jadwal dibatalkan" in correction and "Pasar Murah" not in correction
    assert records(office.root)[path]["number"] in correction
    # nothing more on a later run
    count = len(platforms.requests)
    assert publish(office, env=ENV).returncode == 0
    assert len(platforms.requests) == count


def test_a_person_resolves_an_uncertain_post_with_a_signed_decision(office: Site, platforms: Platforms) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    platforms.script("x", "drop")
    publish(office, env=ENV)
    assert _entries(office, path)["x"]["state"] == "uncertain"
    # someone not in people.yaml (an unsigned decision) changes nothing
    office.git("commit", "--allow-empty", "-q", "-m", "Kanal x\n\nWarta-Item: " + path + "\nWarta-Channel: x\n"
               f"Warta-Digest: {records(office.root)[path]['digest']}\nWarta-Resolve: not-sent\n", sign=False,
               person=office.cast["rina"])
    publish(office, env=ENV)
    assert _entries(office, path)["x"]["state"] == "uncertain" and len(platforms.posts("x")) == 1
    # the admin looked: it is there
    env = {**office.env(office.cast["rina"]), "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "pipeline", "announce", "--resolve", path, "x", "--sent",
                           "https://x.com/dinasuji/status/1601"], cwd=office.root, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    publish(office, env=ENV)
    entry = _entries(office, path)["x"]
    assert entry["state"] == "sent" and entry["url"] == "https://x.com/dinasuji/status/1601"
    assert entry["resolved_by"] == office.cast["rina"].email
    assert len(platforms.posts("x")) == 1


def test_the_link_report_lists_each_post_and_goes_to_the_lapor_tautan_channel(
        tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, platforms: Platforms) -> None:
    hook = f"  laporan: {{type: webhook, aksi: lapor_tautan, url: '{platforms.base}/hook', token_env: T_HOOK}}\n"
    office = channel_office(tmp_path, cast, platforms, aksi="[terbit_website, kirim_medsos, lapor_tautan]",
                            extra=hook)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    platforms.script("x", (403, {}, {"title": "Forbidden", "detail": "You are not allowed to create a Tweet with "
                                                                     "duplicate content."}))
    publish(office, env={**ENV, "T_HOOK": WEBHOOK_SECRET})
    reports = sorted((office.root / "_outbox" / "laporan-tautan").glob("*.md"))
    assert len(reports) == 1
    text = reports[0].read_text(encoding="utf-8")
    number = str(records(office.root)[path]["number"])
    entries = _entries(office, path)
    assert f"| {number} | Bantuan Bibit Cabai | telegram | terkirim | {entries['telegram']['url']} |" in text
    assert f"| {number} | Bantuan Bibit Cabai | mastodon | terkirim | {entries['mastodon']['url']} |" in text
    assert f"| {number} | Bantuan Bibit Cabai | x | gagal |" in text
    # the webhook got the report (Standard Webhooks signature checked by the server), not a post
    [message] = platforms.posts("webhook")
    assert message.startswith("Laporan tautan") and str(entries["telegram"]["url"]) in message


def test_a_post_over_a_platforms_limit_is_never_cut_and_the_site_goes_out(office: Site, platforms: Platforms) -> None:
    title = "Pengumuman " + "sangat panjang sekali " * 14
    path = approved_release(office, "panjang", title=title.strip())
    code, doc = publish_json(office, env=ENV)
    assert code == 1 and doc["held"] == []  # the website is not held back by one platform's limit
    assert (office.root / "_site" / "siaran-pers/2025/panjang/index.html").is_file()
    entry = _entries(office, path)["x"]
    assert entry["state"] == "failed" and entry["retryable"] is False and "280" in str(entry["error"])
    assert platforms.posts("x") == [] and not any(r.path.startswith("/2/") for r in platforms.requests)
    assert len(platforms.posts("mastodon")) == 0 or len(platforms.posts("mastodon")[0]) > 280  # never cut


def test_six_platforms_each_get_the_release_once_with_their_own_picture(
        tmp_path: Path, cast: dict[str, Person], monkeypatch: pytest.MonkeyPatch, platforms: Platforms) -> None:
    extra = (f"  facebook: {{type: facebook, url: '{platforms.base}/v21.0', page_id: '1234', token_env: T_FB}}\n"
             f"  instagram: {{type: instagram, url: '{platforms.base}/v21.0', ig_user_id: '5678', token_env: T_FB}}\n"
             f"  portal: {{type: webhook, url: '{platforms.base}/hook', token_env: T_HOOK}}\n")
    office = channel_office(tmp_path, cast, platforms, extra=extra)
    for key, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai", photo="orientation_landscape_1.jpg")
    code, doc = publish_json(office, env={**ENV, "T_FB": TOKEN, "T_HOOK": WEBHOOK_SECRET})
    assert code == 0, doc["channel_errors"]
    for kind in ("mastodon", "telegram", "x", "facebook", "instagram", "webhook"):
        assert len(platforms.posts(kind)) == 1, kind
    site_url = "https://dinas.example.go.id/"
    photo = next(r for r in platforms.requests if r.path == "/v21.0/1234/photos").form()
    assert photo["url"][0].startswith(site_url + "media/") and "-og-" in photo["url"][0]
    container = next(r for r in platforms.requests if r.path == "/v21.0/5678/media" and r.method == "POST").form()
    assert "-instagram-square-" in container["image_url"][0]
    assert container["alt_text"] == ["Foto kegiatan di balai kalurahan"]
    # the X picture is uploaded (the file of the built site), the Telegram photo goes by its address
    upload = next(r for r in platforms.requests if r.path == "/2/media/upload")
    assert upload.body.count(b"\xff\xd8") >= 1
    telegram = next(r for r in platforms.requests if r.path.endswith("/sendPhoto")).form()
    assert telegram["photo"][0].startswith(site_url + "media/")
    entries = {c["channel"]: c for c in records(office.root)[path]["channels"]}
    assert entries["facebook"]["url"] == "https://www.facebook.com/1234/posts/1"
    assert entries["instagram"]["url"] == "https://www.instagram.com/p/P1/"
    assert entries["portal"]["state"] == "sent"


def test_a_run_killed_after_recording_a_resolution_sends_the_post_once(office: Site, platforms: Platforms) -> None:
    path = approved_release(office, "bantuan-bibit", title="Bantuan Bibit Cabai")
    platforms.script("x", (504, {}, {"title": "Gateway Timeout"}))  # uncertain: yet nothing went out
    publish(office, env=ENV)
    assert _entries(office, path)["x"]["state"] == "uncertain" and platforms.posts("x") == []
    env = {**office.env(office.cast["rina"]), "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "pipeline", "announce", "--resolve", path, "x", "--not-sent"],
                          cwd=office.root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    killed = publish(office, env={**ENV, "WARTA_FAULT_AT": "announce-resolved"}, process=True)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    publish(office, env=ENV)
    publish(office, env=ENV)
    assert len(platforms.posts("x")) == 1
    assert _entries(office, path)["x"]["state"] == "sent"
