"""Each platform adapter against a local server speaking the platform's documented API: success, 429 with
Retry-After (short: waited for; long: the channel is deferred), 5xx, timeouts, an accepted post whose answer
is lost (uncertain), duplicate-content refusals and expired tokens; tokens never leave the channel's host
and never appear in an error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from channel_servers import IG, PAGE, TOKEN, WEBHOOK_SECRET, Platforms

from pipeline.channels.adapters import make_adapter
from pipeline.channels.base import CallFailed, Post
from pipeline.config import ChannelSection

X_ENV = {"consumer_key": "XK", "consumer_secret": "XS", "access_token": "XT", "access_token_secret": "XTS"}
ENV = {"TOKEN": TOKEN, "XK": "ck", "XS": "cs", "XT": TOKEN, "XTS": "ts", "HOOK": WEBHOOK_SECRET}
PLATFORMS = ["mastodon", "telegram", "facebook", "instagram", "x", "webhook"]


def channel(kind: str, base: str, **extra: object) -> ChannelSection:
    fields: dict[str, object] = {"type": kind, "token_env": "TOKEN"}
    if kind in ("facebook", "instagram"):
        fields["url"] = f"{base}/v21.0"
    else:
        fields["url"] = base + ("/hook" if kind == "webhook" else "")
    fields.update({"telegram": {"chat_id": "@dinasuji"}, "facebook": {"page_id": PAGE},
                   "instagram": {"ig_user_id": IG}, "x": {"token_env": X_ENV},
                   "webhook": {"token_env": "HOOK"}}.get(kind, {}))
    fields.update(extra)
    return ChannelSection.model_validate(fields)


def post(text: str = "Bantuan Bibit Cabai\n\nhttps://dinas.example.go.id/siaran-pers/2025/bantuan-bibit/",
         image: Path | None = None) -> Post:
    return Post(key="warta-1-abc-test", number="400.14.5.6/1/UJI/2025", change="new", text=text,
                link="https://dinas.example.go.id/siaran-pers/2025/bantuan-bibit/", title="Bantuan Bibit Cabai",
                image_url="https://dinas.example.go.id/media/a/og.jpg", image_file=image, image_alt="Foto")


def adapter(kind: str, platforms: Platforms, env: dict[str, str] | None = None, **extra: object):  # type: ignore[no-untyped-def]
    made = make_adapter(kind, channel(kind, platforms.base, **extra), env or ENV)
    made.http.deadline = 2.0  # type: ignore[union-attr]
    made.http.sleep = lambda s: None  # type: ignore[union-attr]  # waits are asserted, not slept
    return made


ROUTE = {"mastodon": "mastodon", "telegram": "telegram", "facebook": "facebook", "instagram": "instagram",
         "x": "x", "webhook": "webhook"}


@pytest.mark.parametrize("kind", PLATFORMS)
def test_a_post_is_sent_once_and_its_link_comes_from_the_returned_id(kind: str, platforms: Platforms) -> None:
    sent = adapter(kind, platforms).post(post())
    assert len(platforms.posts(kind)) == 1
    expected = {"mastodon": f"{platforms.base}/@dinas/101", "telegram": "https://t.me/dinasuji/1",
                "facebook": f"https://www.facebook.com/{PAGE}/posts/1", "instagram": "https://www.instagram.com/p/P1/",
                "x": "https://x.com/i/web/status/1601", "webhook": None}[kind]
    assert sent.url == expected
    assert all(TOKEN not in r.path for r in platforms.requests if kind != "telegram")


@pytest.mark.parametrize("kind", ["mastodon", "facebook", "x", "webhook"])
def test_a_short_retry_after_is_waited_for_and_the_post_goes_out_once(kind: str, platforms: Platforms) -> None:
    platforms.script(ROUTE[kind], (429, {"Retry-After": "2"}, {"error": "slow down"}))
    waits: list[float] = []
    made = adapter(kind, platforms)
    made.http.sleep = waits.append
    made.post(post())
    assert waits == [2.0] and len(platforms.posts(kind)) == 1


def test_telegram_retry_after_in_the_answer_is_honoured(platforms: Platforms) -> None:
    platforms.script("telegram", (429, {}, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                                            "parameters": {"retry_after": 3}}))
    waits: list[float] = []
    made = adapter("telegram", platforms)
    made.http.sleep = waits.append
    made.post(post())
    assert waits == [3.0] and len(platforms.posts("telegram")) == 1


@pytest.mark.parametrize("kind", PLATFORMS)
def test_a_wait_over_a_minute_defers_the_channel(kind: str, platforms: Platforms) -> None:
    route = ROUTE[kind]
    answer = ((429, {}, {"ok": False, "error_code": 429, "parameters": {"retry_after": 600}}) if kind == "telegram"
              else (429, {"Retry-After": "600"}, {"error": "slow down"}))
    platforms.script(route, answer, answer, answer)
    with pytest.raises(CallFailed) as info:
        adapter(kind, platforms).post(post())
    assert info.value.retryable and not info.value.uncertain
    assert info.value.wait is not None and info.value.wait >= 60
    assert platforms.posts(kind) == []


def test_x_rate_limit_reset_without_retry_after_defers(platforms: Platforms) -> None:
    reset = int(dt.datetime.now().timestamp()) + 900
    platforms.script("x", (429, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}, {"title": "Too Many"}))
    with pytest.raises(CallFailed) as info:
        adapter("x", platforms).post(post())
    assert info.value.retryable and info.value.wait is not None and info.value.wait > 800


@pytest.mark.parametrize("kind", ["mastodon", "facebook", "x", "webhook", "telegram"])
def test_a_server_error_is_retryable_and_a_gateway_error_uncertain(kind: str, platforms: Platforms) -> None:
    platforms.script(ROUTE[kind], (500, {}, {"error": "boom"}))
    with pytest.raises(CallFailed) as info:
        adapter(kind, platforms).post(post())
    assert info.value.retryable and not info.value.uncertain
    platforms.script(ROUTE[kind], (504, {}, {"error": "gateway"}))
    with pytest.raises(CallFailed) as info:
        adapter(kind, platforms).post(post())
    assert info.value.uncertain and not info.value.retryable


@pytest.mark.parametrize("kind", PLATFORMS)
def test_an_accepted_post_whose_answer_is_lost_is_uncertain(kind: str, platforms: Platforms) -> None:
    route = {"instagram": "instagram"}.get(kind, ROUTE[kind])
    if kind == "instagram":  # the limit, the container, its status: then the publish call drops
        platforms.script(route, None, None, None, "drop")
    else:
        platforms.script(route, "drop")
    with pytest.raises(CallFailed) as info:
        adapter(kind, platforms).post(post())
    assert info.value.uncertain and not info.value.retryable
    assert len(platforms.posts(kind)) == 1  # it did go out: sending again would duplicate it


@pytest.mark.parametrize("kind", ["mastodon", "telegram", "x", "webhook"])
def test_no_answer_within_the_deadline_is_uncertain(kind: str, platforms: Platforms) -> None:
    platforms.script(ROUTE[kind], "hang")
    with pytest.raises(CallFailed) as info:
        adapter(kind, platforms).post(post())
    assert info.value.uncertain


@pytest.mark.parametrize("kind", ["x", "facebook"])
def test_a_duplicate_refusal_is_not_retried(kind: str, platforms: Platforms) -> None:
    made = adapter(kind, platforms)
    made.post(post())
    with pytest.raises(CallFailed) as info:
        made.post(post())
    assert info.value.duplicate and not info.value.retryable and not info.value.uncertain
    assert "--resolve" in str(info.value)


@pytest.mark.parametrize("kind", ["mastodon", "telegram", "facebook", "instagram", "x"])
def test_an_expired_token_fails_without_retry_and_is_never_printed(kind: str, platforms: Platforms) -> None:
    env = {**ENV, "TOKEN": "expired-TOKEN-value-999", "XT": "expired-TOKEN-value-999", "XK": "", "XS": "s", "XTS": "t"}
    if kind == "x":
        env["XK"] = "ck"
        platforms.script("x", (401, {}, {"title": "Unauthorized", "detail": "expired-TOKEN-value-999 invalid"}))
    with pytest.raises(CallFailed) as info:
        adapter(kind, platforms, env).post(post())
    assert not info.value.retryable and not info.value.uncertain
    assert "expired" in str(info.value) or "invalid" in str(info.value)
    assert "expired-TOKEN-value-999" not in str(info.value)


def test_a_missing_token_variable_is_named(platforms: Platforms) -> None:
    with pytest.raises(CallFailed, match="TOKEN"):
        make_adapter("m", channel("mastodon", platforms.base), {})


def test_a_redirect_is_not_followed_and_the_token_goes_nowhere_else(platforms: Platforms) -> None:
    platforms.script("mastodon", (302, {"Location": "https://elsewhere.example/steal"}, {}))
    with pytest.raises(CallFailed, match="redirect"):
        adapter("mastodon", platforms).post(post())
    made = adapter("mastodon", platforms)
    with pytest.raises(CallFailed, match="refusing"):
        made.http.call("POST", "http://127.0.0.2:9/api/v1/statuses")


def test_mastodon_settles_an_uncertain_post_with_its_idempotency_key(platforms: Platforms) -> None:
    platforms.script("mastodon", "drop")
    made = adapter("mastodon", platforms)
    with pytest.raises(CallFailed):
        made.post(post())
    settled = made.settle(post(), 120.0)
    assert settled is not None and settled.url == f"{platforms.base}/@dinas/101"
    assert len(platforms.posts("mastodon")) == 1
    # after the hour the server forgets the key: a resend could duplicate the post, so a person decides
    assert made.settle(post(), 2 * 3600.0) is None
    keys = {r.headers.get("idempotency-key") for r in platforms.requests if r.path == "/api/v1/statuses"}
    assert keys == {"warta-1-abc-test"}


def test_instagram_settles_from_the_accounts_media_and_reads_its_quota(platforms: Platforms) -> None:
    platforms.script("instagram", None, None, None, "drop")
    made = adapter("instagram", platforms)
    with pytest.raises(CallFailed):
        made.post(post())
    settled = made.settle(post(), None)
    assert settled is not None and settled.post_id == "1791"
    assert made.settle(post(text="another text"), None) is None
    assert any(r.path.endswith("/content_publishing_limit") for r in platforms.requests)


def test_mastodon_and_x_upload_the_channel_picture(platforms: Platforms, tmp_path: Path) -> None:
    photo = tmp_path / "x.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0fakejpeg")
    adapter("mastodon", platforms).post(post(image=photo))
    adapter("x", platforms).post(post(image=photo))
    statuses = [r for r in platforms.requests if r.path == "/api/v1/statuses"]
    assert b"media_ids%5B%5D=900" in statuses[0].body
    tweets = [r for r in platforms.requests if r.path == "/2/tweets"]
    assert b'"media_ids": ["77"]' in tweets[0].body


def test_telegram_never_sets_a_parse_mode(platforms: Platforms) -> None:
    adapter("telegram", platforms).post(post(text="<b>Judul</b> *tebal*"))
    sent = [r for r in platforms.requests if r.path.startswith("/bot")]
    assert b"parse_mode" not in sent[0].body and platforms.posts("telegram") == ["<b>Judul</b> *tebal*"]


def test_deletion_where_the_api_allows_it(platforms: Platforms) -> None:
    assert adapter("mastodon", platforms).delete("101")
    assert adapter("x", platforms).delete("1601")
    assert adapter("facebook", platforms).delete(f"{PAGE}_1")
    assert adapter("telegram", platforms).delete("1")
    assert not adapter("instagram", platforms).delete("1791")
