"""``channels:`` of ``warta.yml``: the announcement channels, their API addresses and secret variables."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.addresses import is_api_address
from pipeline.config.kinds import Kind
from pipeline.i18n import _
from pipeline.schema import Strict

_ANNOUNCED_KINDS: tuple[Kind, ...] = ("siaran-pers", "berita", "pengumuman")

ChannelType = Literal["outbox", "webhook", "telegram", "mastodon", "facebook", "instagram", "x", "videotron"]
CHANNEL_AKSI = ("kirim_medsos", "tayang_videotron", "lapor_tautan")
"""The SOP pipeline steps (``aksi`` of sop/*.yaml) a channel can serve; ``lapor_tautan`` channels receive
the link report (seed 003 steps 10-11)."""

# Variables warta itself holds: a channel's token_env may never name one of them (the channel's host would
# receive the publishing identity's key or a deploy credential).
RESERVED_ENV = frozenset({
    "WARTA_SIGNING_KEY", "WARTA_DEPLOY_SSH_KEY", "WARTA_DEPLOY_SSH_KNOWN_HOSTS", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "GITEA_TOKEN", "GITLAB_TOKEN", "FORGEJO_TOKEN",
    "CI_JOB_TOKEN", "WARTA_DEPLOY_KEY", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "WARTA_FAULT_AT",
    "WARTA_NOW",
})
_ENV_NAME = r"^[A-Z][A-Z0-9_]*$"
_PUBLIC_API = {
    "facebook": "https://graph.facebook.com/v25.0", "instagram": "https://graph.facebook.com/v25.0",
    "x": "https://api.x.com", "telegram": "https://api.telegram.org",
}


class OAuth1Env(Strict):
    """X's OAuth 1.0a user-context keys: four environment variable names (its OAuth 2.0 refresh tokens
    rotate on every use, which a stateless CI run cannot keep)."""

    consumer_key: str = Field(pattern=_ENV_NAME)
    consumer_secret: str = Field(pattern=_ENV_NAME)
    access_token: str = Field(pattern=_ENV_NAME)
    access_token_secret: str = Field(pattern=_ENV_NAME)

    def names(self) -> tuple[str, ...]:
        return (self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret)


class ChannelSection(Strict):
    """One announcement channel (docs/channels.md). Secrets come from environment variables named here,
    never from the file."""

    type: ChannelType
    enabled: bool = True
    aksi: Literal["kirim_medsos", "tayang_videotron", "lapor_tautan"] | None = Field(
        None, description="The SOP pipeline step this channel serves; default tayang_videotron for videotron "
                          "(and an outbox named videotron), kirim_medsos for every other type.")
    kinds: list[Kind] = Field(default_factory=lambda: list(_ANNOUNCED_KINDS))
    url: str | None = Field(None, description="API base (default the platform's public one); the webhook's "
                                              "address. https, or http on 127.0.0.1 for tests.")
    token_env: str | OAuth1Env | None = Field(None, description="Variable holding the token (the webhook's "
                                                                "whsec_ secret); for x, the four OAuth 1.0a names.")
    folder: str | None = None
    chat_id: str | int | None = Field(None, description="telegram: @channelusername or the numeric chat id.")
    page_id: str | None = Field(None, pattern=r"^[0-9]+$", description="facebook: the Page id.")
    ig_user_id: str | None = Field(None, pattern=r"^[0-9]+$", description="instagram: the professional "
                                                                          "account's user id.")
    visibility: Literal["public", "unlisted", "private"] = "public"
    rsync_destination: str | None = Field(None, description="videotron: user@host:/path (or ssh://user@host:port/path) "
                                                            "of the player's folder; the SSH key is in token_env.")
    known_hosts: str | None = Field(None, description="videotron over rsync: the player's host key line "
                                                      "(ssh-keyscan); public, so it is governed here.")
    token_expires: dt.date | None = Field(None, description="When the token expires (Instagram's long-lived "
                                                            "tokens: 60 days); warned about 14 days before.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not is_api_address(value):
            raise ValueError(_("must be an https:// address without query or user name (http only on 127.0.0.1)"))
        return value.rstrip("/") if value else value

    @field_validator("token_env")
    @classmethod
    def _token_env(cls, value: str | OAuth1Env | None) -> str | OAuth1Env | None:
        names = value.names() if isinstance(value, OAuth1Env) else (value,) if value else ()
        for name in names:
            if not re.match(_ENV_NAME, name):
                raise ValueError(_("{name!r} is not an environment variable name (A-Z, 0-9, _)", name=name))
            if name in RESERVED_ENV:
                raise ValueError(_("names {name}, a variable warta itself holds (signing key, deploy or forge "
                                   "credentials); give the channel its own variable",
                                   name=name))
        return value

    @model_validator(mode="after")
    def _fields(self) -> ChannelSection:
        if self.aksi is None:
            videotron = self.type == "videotron"
            object.__setattr__(self, "aksi", "tayang_videotron" if videotron else "kirim_medsos")
        needs = {"telegram": ("chat_id", "token_env"), "facebook": ("page_id", "token_env"),
                 "instagram": ("ig_user_id", "token_env"), "mastodon": ("url", "token_env"),
                 "webhook": ("url", "token_env"), "x": ("token_env",)}.get(self.type, ())
        missing = [n for n in needs if getattr(self, n) is None]
        if self.enabled and missing:
            raise ValueError(_("a {type} channel needs {missing}", type=self.type, missing=' and '.join(missing)))
        if self.type == "x" and self.token_env is not None and not isinstance(self.token_env, OAuth1Env):
            raise ValueError(_("an x channel's token_env names four variables: {consumer_key, consumer_secret, "
                               "access_token, access_token_secret} (OAuth 1.0a user context)"))
        if self.type != "x" and isinstance(self.token_env, OAuth1Env):
            raise ValueError(_("a {type} channel's token_env is one variable name", type=self.type))
        if self.rsync_destination is not None and self.type != "videotron":
            raise ValueError(_("rsync_destination belongs to a videotron channel"))
        if self.aksi == "lapor_tautan" and self.type not in ("telegram", "webhook", "outbox"):
            raise ValueError(_("the link report (aksi lapor_tautan) goes to a telegram, webhook or outbox channel"))
        return self

    @property
    def api(self) -> str:
        """The API base: ``url``, else the platform's public one."""
        return self.url or _PUBLIC_API.get(self.type, "")

    @property
    def secret_names(self) -> tuple[str, ...]:
        if isinstance(self.token_env, OAuth1Env):
            return self.token_env.names()
        return (self.token_env,) if self.token_env else ()

    def serves(self, aksi: str) -> bool:
        return self.enabled and self.aksi == aksi
