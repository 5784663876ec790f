"""Personal data in text: NIK / Nomor KK and personal mobile numbers (UU 27/2022; SOP 004 step A2).

SOP Pengelolaan Web PPID asks that uploaded content "memperhatikan prinsip keamanan informasi dan
kebijakan privasi". The most common leak on regional websites is a citizen's NIK or KK number, or a
private mobile number, in a list or a photo caption. Office (fixed-line) numbers are allowed.

:func:`item_findings` checks everything an item publishes (DESIGN section 4, rule 14): the body, every
text of its front matter (title, summary, captions, alt texts, lampiran titles, contacts, tags, the
slug, ...) and the names of the files it uses. The office's own numbers are allowed
(``privacy.allowed_numbers`` in ``warta.yml``, a person's ``phone`` in ``sop/people.yaml``); any other
number blocks the item unless its front matter records a waiver (``data_pribadi``), which the chain
approves with the text because it is inside the item's digest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from pipeline.config import SiteConfig
from pipeline.content import Item
from pipeline.errors import Finding
from pipeline.i18n import N_, _
from pipeline.people import People

if TYPE_CHECKING:
    from types import ModuleType

# NIK: PPKKCC DDMMYY SSSS, women have day + 40 (DOMAIN.md). A Nomor KK has the same shape without the
# +40, so any 16-digit number with a plausible region prefix is flagged.
_NIK = re.compile(r"(?<![\d])(\d{6})(0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])(0[1-9]|1[0-2])(\d{2})(\d{4})(?![\d])")
# Written solid or in groups of four; dotted groups of three are rupiah amounts, not identifiers.
_SIXTEEN = re.compile(r"(?<![\d.,])\d{16}(?![\d]|[.,]\d)|(?<![\d.,])\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?![\d])")
# Indonesian province codes run 11..96 (Aceh 11 to Papua Barat Daya 96).
_PROVINCE = re.compile(r"^(1[1-9]|[2-8]\d|9[1-6])")



@functools.cache
def _phones() -> tuple[ModuleType, frozenset[Any]]:
    """The phone-number library and its mobile number types, imported when a text is first searched (15 ms
    that a ``warta status`` answered from its kept check never spends)."""
    import phonenumbers

    return phonenumbers, frozenset({phonenumbers.PhoneNumberType.MOBILE,
                                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


# A run of digits and the separators numbers are written with. The phone-number matcher (slow: about 2 ms
# for a 3 KB body) runs only around runs of at least 9 digits, the shortest mobile number.
_DIGIT_RUN = re.compile(r"\d[\d \t().\-/]*")
_MIN_PHONE_DIGITS = 9
# Rupiah amounts written with thousands dots (1.250.000.000) are never telephone numbers.
_AMOUNT = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
# Nine digits with at most three separator characters between each two: every NIK/KK number and every
# mobile number has them; most texts (dates, rupiah amounts under a billion) do not, and are done at once.
_GATE = re.compile(r"\d(?:[ \t().\-/]{0,3}\d){8}")


@dataclass(frozen=True)
class Leak:
    kind: str  # "nik" | "phone"
    text: str
    line: int  # 1-based line within the scanned text
    column: int

    def describe(self) -> str:
        if self.kind == "nik":
            return _("'{text}' looks like a NIK or Nomor KK; personal data must not be published "
                     "(UU 27/2022) — remove it or publish only initials", text=self.text)
        return _("'{text}' is a personal mobile number; publish the office's official contact instead "
                 "(UU 27/2022)", text=self.text)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def find_leaks(text: str) -> list[Leak]:
    """Every NIK/KK-like number and personal mobile number in ``text``, in order."""
    if not _GATE.search(text):
        return []
    runs: list[tuple[int, int, str, int]] = []  # (start, end, run, digits in it)
    for m in _DIGIT_RUN.finditer(text):
        if m.end() - m.start() >= _MIN_PHONE_DIGITS:
            run = m.group(0).rstrip(" \t().-/")
            count = sum(map(str.isdigit, run))
            if count >= _MIN_PHONE_DIGITS:
                runs.append((m.start(), m.end(), run, count))
    leaks: list[Leak] = []
    taken: list[tuple[int, int]] = []
    for a, b, _text, n in runs:
        if n < 16:
            continue
        # within the run, seeing the characters just before and after it
        for m in _SIXTEEN.finditer(text, a, min(len(text), b + 2)):
            digits = re.sub(r"\D", "", m.group(0))
            if _PROVINCE.match(digits) and (_NIK.fullmatch(digits) or len(digits) == 16):
                line, col = _line_col(text, m.start())
                leaks.append(Leak("nik", m.group(0), line, col))
                taken.append((m.start(), m.end()))
    for start, end in _windows(text, [(a, b) for a, b, run, _n in runs if not _AMOUNT.fullmatch(run)]):
        phonenumbers, mobile = _phones()
        for match in phonenumbers.PhoneNumberMatcher(text[start:end], "ID", leniency=phonenumbers.Leniency.VALID):
            at = start + match.start
            if any(x <= at < y for x, y in taken):
                continue
            if phonenumbers.number_type(match.number) in mobile:
                line, col = _line_col(text, at)
                leaks.append(Leak("phone", match.raw_string, line, col))
    return sorted(leaks, key=lambda leak: (leak.line, leak.column))


def _windows(text: str, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(start, end)`` windows around runs of digits long enough to be a mobile number, merged.

    Each window reaches 24 characters either side of the run, widened to whole words, so the matcher
    sees the same neighbourhood it would see in the whole text (it looks at the characters next to a
    number) while never reading a whole long paragraph.
    """
    spans: list[tuple[int, int]] = []
    for start, end in runs:
        lo = max(0, start - 24)
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        hi = min(len(text), end + 24)
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def number_key(text: str) -> str:
    """The number in ``text`` whatever its format: ``nik:<16 digits>``, ``tel:<E.164>``, or the text itself."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 16 and not text.lstrip().startswith("+"):
        return "nik:" + digits
    phonenumbers = _phones()[0]
    try:
        parsed = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return "text:" + text.strip()
    return "tel:" + str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def allowed_numbers(config: SiteConfig, people: People | None) -> frozenset[str]:
    """The office's own numbers (``privacy.allowed_numbers``, people's ``phone``) as :func:`number_key` keys."""
    numbers = list(config.privacy.allowed_numbers)
    numbers.extend(p.phone for p in (people.people if people else ()) if p.phone)
    return frozenset(number_key(n) for n in numbers)


Keys = tuple[str | int, ...]
# Front matter that is not published text: the waiver itself names the numbers it allows.
_NOT_PUBLISHED = {"data_pribadi"}
_FILE_FIELDS = {"image", "file"}
# A withdrawn item (status dicabut) publishes only a notice: its title, slug (in the address) and the
# reason; its body, photos and other fields are not shown, so they never block the withdrawal.
_NOTICE_FIELDS = ("title", "slug", "alasan_pencabutan")


def _texts(value: Any, keys: Keys) -> Iterator[tuple[Keys, str]]:
    if isinstance(value, str):
        yield keys, value
        if keys and keys[-1] in _FILE_FIELDS:  # a file name is published too: foto_0812345678.jpg
            yield keys, re.sub(r"[_.]", " ", PurePosixPath(value).name)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if not (not keys and key in _NOT_PUBLISHED):
                yield from _texts(inner, (*keys, key))
    elif isinstance(value, list | tuple):
        for i, inner in enumerate(value):
            yield from _texts(inner, (*keys, i))


def _where(keys: Keys) -> tuple[str, str | None]:
    return ".".join(map(str, keys)), next((str(k) for k in reversed(keys) if isinstance(k, str)), None)


_HINT = N_("; if publishing it is lawful, list it under data_pribadi.dikecualikan with the reason in "
           "data_pribadi.alasan, so the approvers approve the waiver")


def item_findings(item: Item, allowed: Iterable[str] = frozenset()) -> list[Finding]:
    """Personal data in everything ``item`` publishes, as errors; waived and office numbers excepted.

    ``allowed`` holds :func:`number_key` keys, usually :func:`allowed_numbers` of the site. An entry of
    the item's waiver that matches nothing is a warning (the waiver should say exactly what it allows).
    """
    waiver = item.meta.data_pribadi
    inline = [(ref.path, ref.line) for ref in item.images if ref.role == "inline"]  # others: front matter fields
    return data_findings(item.path, item.meta.model_dump(), item.body, item.body_line, item.line_of, inline,
                         list(waiver.dikecualikan) if waiver else [], item.meta.status == "dicabut", allowed)


def data_findings(path: str, fields: dict[str, Any], body: str, body_line: int,
                  line_of: Callable[..., int], inline_images: Iterable[tuple[str, int]], waived_texts: list[str],
                  withdrawn: bool, allowed: Iterable[str] = frozenset()) -> list[Finding]:
    """:func:`item_findings` of front matter ``fields`` (typed, or as written when the schema refused them:
    ``warta check`` reports personal data together with the schema's errors) and a body."""
    office = frozenset(allowed)
    waived = {number_key(text): i for i, text in enumerate(waived_texts)}
    used: set[str] = set()
    out: list[Finding] = []
    seen: set[tuple[Keys, str]] = set()

    def judge(keys: Keys, line: int, leak: Leak) -> None:
        key = number_key(leak.text)
        if (keys, key) in seen or (leak.kind == "phone" and key in office):
            return
        seen.add((keys, key))
        if key in waived:
            used.add(key)
            return
        where, name = _where(keys)
        out.append(Finding(path, line, _("{where}: {describe}{hint}", where=where, describe=leak.describe(), hint=_HINT),
                           name, code=f"privacy.{leak.kind}"))

    if withdrawn:
        fields = {k: v for k, v in fields.items() if k in _NOTICE_FIELDS}
    else:
        for leak in find_leaks(body):
            judge(("body",), body_line + leak.line - 1, leak)
    for keys, text in _texts(fields, ()):
        for leak in find_leaks(text):
            judge(keys, line_of(*keys), leak)
    for image_path, image_line in () if withdrawn else inline_images:
        for leak in find_leaks(re.sub(r"[_.]", " ", PurePosixPath(image_path).name)):
            judge(("body",), image_line, leak)
    for key, i in waived.items():
        if key not in used:
            out.append(Finding(path, line_of("data_pribadi", "dikecualikan", i),
                               _("data_pribadi.dikecualikan.{i}: '{waived_texts}' does not occur in what this item "
                                 "publishes; remove it (a waiver names exactly what it allows)",
                                 i=i, waived_texts=waived_texts[i]), "dikecualikan", "warning", "privacy.unused-waiver"))
    return out
