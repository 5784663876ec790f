"""The text of a post, per platform, from the approved title, summary and link (docs/channels.md).

Plain text only: nothing from content reaches a ``parse_mode``, HTML or Markdown of a platform. Hashtags
and mentions come only from the approved front matter (``tagar``, ``sebutan``). A text that does not fit
a platform's limit is a ``warta check`` finding (:func:`too_long`); nothing is cut at send time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.config import ChannelSection
from pipeline.i18n import DEFAULT_LANGUAGE, N_, LazyText, _, catalogue, normalise

URL_WEIGHT = 23  # X and Mastodon count every link as 23 characters


@dataclass(frozen=True)
class Limit:
    chars: int
    link_weight: int | None = None  # a link counts this many characters (None: its own length)
    hashtags: int | None = None
    mentions: int | None = None


LIMITS: dict[str, Limit] = {
    "x": Limit(280, URL_WEIGHT),
    "mastodon": Limit(500, URL_WEIGHT),
    "telegram": Limit(1024),  # a photo caption; a text message may hold 4096
    "telegram-text": Limit(4096),
    "instagram": Limit(2200, hashtags=30, mentions=20),
    "facebook": Limit(63206),
}


@dataclass(frozen=True)
class Content:
    """What a post may say: approved fields only."""

    title: str
    summary: str
    link: str
    tagar: tuple[str, ...] = ()
    sebutan: tuple[str, ...] = ()


def _clean(text: str) -> str:
    """One paragraph of plain text: control characters and line breaks inside a field become spaces."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def _tail(content: Content) -> str:
    tags = " ".join(f"#{t}" for t in content.tagar)
    mentions = " ".join(m if m.startswith("@") else f"@{m}" for m in content.sebutan)
    return " ".join(p for p in (tags, mentions) if p)


def compose(platform: str, content: Content, *, photo: bool = False) -> str:
    """The post text of ``platform`` (a channel type). X carries the title and the link only (its
    limit); Facebook gets the link as its own field and so not in the text."""
    title, summary, link = _clean(content.title), _clean(content.summary), content.link
    tail = _tail(content)
    if platform == "x":
        parts = [title, link, tail]
    elif platform == "facebook":
        parts = [title, summary, tail]
    else:
        parts = [title, summary, link, tail]
    return "\n\n".join(p for p in parts if p)


CORRECTION = N_("Information {number} withdrawn. Reason: {reason}")
CORRECTION_TITLE = N_("Information {number} withdrawn")


def in_language(language: str | None, message: LazyText, /, **values: str) -> str:
    """``message`` in the site's language (``site.language``), whatever language the operator's CLI
    speaks: what warta posts or sends to the office is read by the public and the officials."""
    lang = normalise(language or "") or DEFAULT_LANGUAGE
    text = catalogue(lang).gettext(message.msgid)
    return text.format(**values) if values else text


def correction(platform: str, number: str, alasan: str, link: str, language: str | None = None) -> str:
    """The short correction posted where a withdrawn post cannot be deleted: its number, the reason and
    the notice page; never the withdrawn text. warta's own words are in the site's language; the reason
    is the approved ``alasan_pencabutan``, unchanged."""
    return in_language(language, CORRECTION, number=number, reason=_clean(alasan)) + f"\n\n{link}"


def weighted_length(text: str, limit: Limit) -> int:
    if limit.link_weight is None:
        return len(text)
    links = re.findall(r"https?://\S+", text)
    return len(text) - sum(len(u) for u in links) + limit.link_weight * len(links)


def limit_of(channel: ChannelSection, *, photo: bool) -> Limit | None:
    if channel.type == "telegram":
        return LIMITS["telegram" if photo else "telegram-text"]
    return LIMITS.get(channel.type)


def too_long(channel: ChannelSection, text: str, content: Content, *, photo: bool) -> str | None:
    """Why ``text`` cannot go to ``channel`` as it is, or None when it fits."""
    limit = limit_of(channel, photo=photo)
    if limit is None:
        return None
    length = weighted_length(text, limit)
    if length > limit.chars:
        return _("the post would be {n} characters; {platform} takes {limit}: shorten the title or summary", n=length,
                 platform=channel.type, limit=limit.chars)
    if limit.hashtags is not None and len(content.tagar) > limit.hashtags:
        return _("{n} hashtags (tagar); {platform} takes {limit}", n=len(content.tagar), platform=channel.type,
                 limit=limit.hashtags)
    if limit.mentions is not None and len(content.sebutan) > limit.mentions:
        return _("{n} mentions (sebutan); {platform} takes {limit}", n=len(content.sebutan), platform=channel.type,
                 limit=limit.mentions)
    return None
