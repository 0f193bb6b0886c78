"""A first guess at a text's language from its script (ru / zh / en), for routing and
acknowledgements before the coach has looked at it. No data files, no network."""

from __future__ import annotations


def guess_language(text: str) -> str:
    cyrillic = cjk = latin = 0
    for ch in text[:600]:  # enough to tell scripts apart; intake calls this per message
        code = ord(ch)
        if 0x0400 <= code <= 0x04FF:
            cyrillic += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            cjk += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    # One CJK character carries about as much as a word of three Latin letters.
    scores = {"ru": cyrillic, "zh": cjk * 3, "en": latin}
    best = max(scores, key=scores.get)
    return best if scores[best] else ""
