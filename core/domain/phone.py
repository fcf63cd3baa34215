"""Phone numbers: checked against the numbering plans and stored in E.164.

A volunteer who accepts a job is shown the resident's phone, and a tutor the phone of whoever
may collect a child: a number that cannot be dialled is worse than none. Numbers are checked
with ``phonenumbers`` (Google's libphonenumber data: which prefixes and lengths each country
allocates) rather than a pattern, and kept in one form, E.164 (``+8613800138000``), so the
same number typed as ``138 0013 8000`` or ``+86 138-0013-8000`` is stored once and matches.

A number without a ``+`` country code is read as a Chinese one (a mobile ``138 0013 8000``,
a landline with its area code ``0564 332 1001``); others must carry their country code.
"""

from __future__ import annotations

from typing import overload

import phonenumbers

from core.domain.errors import InvalidInput

# How a number without "+<country code>" is read: the compounds this serves are in China.
HOME_REGION = "CN"

EXAMPLES = "a mobile like 138 0013 8000, a landline with its area code like 0564 332 1001"


class BadPhone(ValueError):
    """Not a number anyone can be called on; the message says why."""


def normalize(raw: str) -> str:
    """``raw`` in E.164, or ``BadPhone``."""
    try:
        number = phonenumbers.parse(raw, HOME_REGION)
    except phonenumbers.NumberParseException as exc:
        raise BadPhone(f"{raw!r} is not a phone number ({EXAMPLES})") from exc
    if not phonenumbers.is_valid_number(number):
        where = phonenumbers.region_code_for_country_code(number.country_code or 0)
        raise BadPhone(
            f"{raw!r} is not a number in use in "
            f"{'China' if where == HOME_REGION else f'+{number.country_code}'} "
            f"(too short, too long or an unallocated prefix; {EXAMPLES}, "
            "or +country code for another country)"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@overload
def checked(raw: str, field: str) -> str: ...
@overload
def checked(raw: str | None, field: str) -> str | None: ...
def checked(raw: str | None, field: str) -> str | None:
    """``raw`` from a request in E.164 (None, no number, as None), or a 422 naming
    ``field``."""
    if raw is None:
        return None
    try:
        return normalize(raw)
    except BadPhone as exc:
        raise InvalidInput.field(field, str(exc)) from None


def stored(raw: str) -> str:
    """A number already stored, in E.164 where it can be read as one, else as it was (for
    upgrading data typed before numbers were checked: nothing is lost)."""
    try:
        return normalize(raw)
    except BadPhone:
        return raw


def masked(number: str) -> str:
    """A stored number for those who may know one is on file but not read it (staff
    looking at a member's account): its country code, first three and last four digits,
    as Chinese services print them (``+86 138****0001``)."""
    try:
        parsed = phonenumbers.parse(number, HOME_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return "*" * max(len(number) - 2, 0) + number[-2:]  # kept as typed before the check
    digits = phonenumbers.national_significant_number(parsed)
    if len(digits) >= 9:
        hidden = digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    else:
        hidden = "*" * (len(digits) - 2) + digits[-2:]
    return f"+{parsed.country_code} {hidden}"
