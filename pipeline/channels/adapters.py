"""The adapter of a channel, from its ``warta.yml`` entry and its token variables."""

from __future__ import annotations

from collections.abc import Mapping

from requests_oauthlib import OAuth1

from pipeline.channels.base import Adapter, CallFailed, Http, secret
from pipeline.channels.facebook import Facebook
from pipeline.channels.instagram import Instagram
from pipeline.channels.mastodon import Mastodon
from pipeline.channels.telegram import Telegram
from pipeline.channels.webhook import Webhook
from pipeline.channels.x import X
from pipeline.config import ChannelSection, OAuth1Env
from pipeline.i18n import _

SOCIAL_TYPES = ("facebook", "instagram", "x", "telegram", "mastodon", "webhook")


def make_adapter(name: str, channel: ChannelSection, environ: Mapping[str, str] | None = None,
                 language: str = "id") -> Adapter:
    """Raises :class:`CallFailed` (not retryable) when a token variable is missing."""
    values = [secret(channel, n, environ) for n in channel.secret_names]
    http = Http(name, channel.api, values)
    if channel.type == "mastodon":
        return Mastodon(http, values[0], channel.visibility, language)
    if channel.type == "telegram":
        return Telegram(http, values[0], str(channel.chat_id))
    if channel.type == "facebook":
        assert channel.page_id is not None
        return Facebook(http, values[0], channel.page_id)
    if channel.type == "instagram":
        assert channel.ig_user_id is not None
        return Instagram(http, values[0], channel.ig_user_id)
    if channel.type == "webhook":
        return Webhook(http, values[0])
    if channel.type == "x":
        assert isinstance(channel.token_env, OAuth1Env)
        return X(http, OAuth1(values[0], values[1], values[2], values[3]))
    raise CallFailed(_("channel {name}: type {type} has no posting adapter", name=name, type=channel.type),
                     retryable=False)
