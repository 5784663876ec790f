"""Personal data in text: NIK / Nomor KK and personal mobile numbers (UU 27/2022; SOP 004 step A2).

SOP Pengelolaan Web PPID asks that uploaded content "memperhatikan prinsip keamanan informasi dan
kebijakan privasi". The most common leak on regional websites is a citizen's NIK or KK number, or a
private mobile number, in a list or a photo caption. Office (fixed-line) numbers are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

# NIK: PPKKCC DDMMYY SSSS, women have day + 40 (DOMAIN.md). A Nomor KK has the same shape without the
# +40, so any 16-digit number with a plausible region prefix is flagged.
_NIK = re.compile(r"(?<![\d])(\d{6})(0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])(0[1-9]|1[0-2])(\d{2})(\d{4})(?![\d])")
# Written solid or in groups of four; dotted groups of three are rupiah amounts, not identifiers.
_SIXTEEN = re.compile(r"(?<![\d.,])\d{16}(?![\d]|[.,]\d)|(?<![\d.,])\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?![\d])")
# Indonesian province codes run 11..96 (Aceh 11 to Papua Barat Daya 96).
_PROVINCE = re.compile(r"^(1[1-9]|[2-8]\d|9[1-6])")

_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class Leak:
    kind: str  # "nik" | "phone"
    text: str
    line: int  # 1-based line within the scanned text
    column: int

    def describe(self) -> str:
        if self.kind == "nik":
            return (f"'{self.text}' looks like a NIK or Nomor KK; personal data must not be published "
                    "(UU 27/2022) — remove it or publish only initials")
        return (f"'{self.text}' is a personal mobile number; publish the office's official contact instead "
                "(UU 27/2022)")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def find_leaks(text: str) -> list[Leak]:
    """Every NIK/KK-like number and personal mobile number in ``text``, in order."""
    leaks: list[Leak] = []
    taken: list[tuple[int, int]] = []
    for m in _SIXTEEN.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if _PROVINCE.match(digits) and (_NIK.fullmatch(digits) or len(digits) == 16):
            line, col = _line_col(text, m.start())
            leaks.append(Leak("nik", m.group(0), line, col))
            taken.append((m.start(), m.end()))
    for match in phonenumbers.PhoneNumberMatcher(text, "ID", leniency=phonenumbers.Leniency.VALID):
        if any(a <= match.start < b for a, b in taken):
            continue
        if phonenumbers.number_type(match.number) in _MOBILE_TYPES:
            line, col = _line_col(text, match.start)
            leaks.append(Leak("phone", match.raw_string, line, col))
    return sorted(leaks, key=lambda leak: (leak.line, leak.column))
