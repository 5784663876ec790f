"""Post texts: plain text from the approved title, summary and link, hashtags and mentions only from the
front matter, per-platform limits counted as the platforms count them, corrections that never repeat the
withdrawn text."""

from __future__ import annotations

from pipeline.channels.text import LIMITS, Content, compose, correction, too_long, weighted_length
from pipeline.config import ChannelSection

LINK = "https://dinas.example.go.id/siaran-pers/2025/bantuan-bibit/"


def test_each_platform_gets_the_approved_fields_as_plain_text() -> None:
    content = Content("Bantuan Bibit\nCabai", "Ringkasan\u202e singkat.", LINK, ("PertanianBantul",), ("@dpmk",))
    assert compose("mastodon", content) == (f"Bantuan Bibit Cabai\n\nRingkasan singkat.\n\n{LINK}\n\n"
                                            "#PertanianBantul @dpmk")
    assert compose("x", content) == f"Bantuan Bibit Cabai\n\n{LINK}\n\n#PertanianBantul @dpmk"
    assert LINK not in compose("facebook", content)  # Facebook takes the link as its own field (the card)
    assert compose("telegram", Content("<b>Judul</b>", "", LINK)) == f"<b>Judul</b>\n\n{LINK}"


def test_no_hashtag_or_mention_that_the_front_matter_does_not_name() -> None:
    text = compose("instagram", Content("Panen #raya @siapa", "Ringkasan.", LINK))
    assert text.count("#") == 1 and text.count("@") == 1  # only what the approved title itself says


def test_links_count_as_the_platforms_count_them() -> None:
    long_link = "https://dinas.example.go.id/" + "a" * 200
    assert weighted_length(f"judul {long_link}", LIMITS["x"]) == len("judul ") + 23
    assert weighted_length(f"judul {long_link}", LIMITS["facebook"]) == len("judul ") + len(long_link)


def test_a_correction_names_the_number_and_reason_never_the_withdrawn_text() -> None:
    text = correction("x", "400.14.5.6/3/UJI/2025", "Jadwal\nberubah", LINK)
    assert text == f"Informasi 400.14.5.6/3/UJI/2025 dicabut. Alasan: Jadwal berubah\n\n{LINK}"


def test_too_long_is_a_reason_naming_the_limit() -> None:

    x = ChannelSection.model_validate({"type": "x", "token_env": {
        "consumer_key": "A", "consumer_secret": "B", "access_token": "C", "access_token_secret": "D"}})
    content = Content("J" * 300, "", LINK)
    why = too_long(x, compose("x", content), content, photo=False)
    assert why is not None and "280" in why
    assert too_long(x, compose("x", Content("Judul", "", LINK)), Content("Judul", "", LINK), photo=False) is None
