"""Reading the CSV files shops and review sites export (purchases FB3, reviews CH7): the
encoding (UTF-8, Windows-1251 from Russian Excel and 1C, GBK from Chinese back offices), the
delimiter (comma, semicolon, tab) and dates as people write them. Knows no models."""

from __future__ import annotations

import csv
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The encodings an importer may choose, by the name shown to people → Python's codec.
ENCODINGS = {"utf-8": "utf-8-sig", "windows-1251": "cp1251", "gbk": "gb18030"}

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%m/%d/%Y",
)


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """(text, encoding name: utf-8, windows-1251 or gbk). UTF-8 is tried strictly first;
    otherwise the file is Windows-1251 or GBK, and charset-normalizer picks between the two
    (cp1251 decodes almost any bytes, so "it decoded" proves nothing). A chosen encoding wins."""
    if encoding and encoding != "auto":
        try:
            return data.decode(ENCODINGS.get(encoding, encoding)), encoding
        except (UnicodeDecodeError, LookupError):
            raise ValidationError(
                _("The file is not in %(encoding)s.") % {"encoding": encoding}, code="encoding"
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1251", "gb18030"]).best()
    if best is None:
        raise ValidationError(
            _("The file's encoding is not UTF-8, Windows-1251 or GBK; choose it in the form."),
            code="encoding",
        )
    name = "gbk" if best.encoding in ("gb18030", "gbk", "gb2312") else "windows-1251"
    return str(best), name


def sniff_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (Russian Excel) or tab, read off the first lines; else comma."""
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def parse_date(value: str) -> datetime:
    """ISO 8601 or one of DATE_FORMATS; naive when the text names no offset (the caller
    decides the time zone). ValueError when it is none of them."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)  # noqa: DTZ007 — the caller makes it aware
        except ValueError:
            continue
    raise ValueError(value)
