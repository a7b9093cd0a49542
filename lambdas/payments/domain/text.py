"""Text that the API accepts must be valid Unicode.

JSON can spell a lone UTF-16 surrogate (``"\\ud800"``), and Python decodes it into a
``str`` that no UTF-8 encoder accepts: DynamoDB, SQS and every client downstream would
fail on it. Such text is the caller's mistake, so it is a 400 naming the field, checked
before anything is stored (a 5xx would tell the client to retry something that can never
succeed).
"""

from __future__ import annotations

from payments.domain.errors import ValidationError


def first_invalid_code_point(text: str) -> int | None:
    """The first code point of ``text`` that UTF-8 cannot encode (a surrogate), or ``None``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return ord(text[exc.start])
    return None


def printable_name(name: str) -> str:
    """``name`` with invalid code points spelt as ``\\udXXX`` escapes, safe to echo in an error."""
    return name.encode("utf-8", errors="backslashreplace").decode("utf-8")


def require_valid_text(value: str, param: str) -> str:
    """Return ``value`` if it is valid Unicode, else raise ``ValidationError`` for ``param``."""
    code_point = first_invalid_code_point(value)
    if code_point is not None:
        raise ValidationError(
            f"{printable_name(param)} must be valid Unicode text; it contains U+{code_point:04X}, "
            "an unpaired surrogate that UTF-8 cannot encode",
            param=printable_name(param),
        )
    return value
