"""Language identification for ru / zh / en (everything else is "other"), offline and instant.

Rules, not a model: the script decides first (Han → zh, Cyrillic → ru, Latin → en), then the
exceptions: kana/hangul (Japanese, Korean), Ukrainian/Belarusian/Kazakh/Serbian letters, Latin
text in another European language (function words, diacritics), and Russian written in Latin
letters ("zdravstvuyte, gde moy zakaz?"), which is Russian and is analysed as Russian after
transliteration (see :func:`detransliterate`).
"""

from __future__ import annotations

import re

from .text import URL_RE, script_counts

_NON_RU_CYRILLIC = re.compile(r"[іїєґўђћљњџјәғқңөұүһІЇЄҐЎЂЋЉЊЏЈӘҒҚҢӨҰҮҺ]")
_LATIN_WORD = re.compile(r"[a-z']+")
_DIACRITIC = re.compile(r"[àâäçéèêëîïôöùûüÿñßãõáíóúåøæœąćęłńśźżčďěňřšťůžğışő]")

EN_WORDS = frozenset(
    """the a an and or but is are was were be been am i you your yours it its this that these those
    to of in on at for with from by about my me we us our they them their he she his her not no
    yes please thanks thank hi hello hey dear can could would should will shall do does did have
    has had what when where why how which who whom there here if so as just still already yet
    order account refund money card payment help need want get got why again today tomorrow
    ok okay sorry sir madam regards best wrong problem issue broken work working doesn't don't
    can't won't isn't i'm i've i'll you're we're it's that's""".split()
)

# Very frequent words of other Latin-script languages that are not English words.
OTHER_WORDS = frozenset(
    """el la los las que y es por para con mi pedido hola gracias muy pero una está esto cuando
    le les est et je vous nous pas avec bonjour merci mon une des ma ne suis votre commande
    der die das und ist ich nicht sie mein wir bitte danke hallo mit für ein eine meine bestellung
    il che di non sono grazie ciao della mio ordine
    olá obrigado não uma meu você
    het een niet ik dank
    nie jest się dziękuję
    bir ve çok teşekkürler merhaba
    saya tidak terima kasih dan yang""".split()
)

# Russian in Latin letters: frequent words as people actually type them in chats.
TRANSLIT_WORDS = frozenset(
    """ya ty vy oni eto chto shto kak gde kogda pochemu zachem skolko ne net nu uzhe eshche yeshe
    esche tolko ochen spasibo spasibki pozhaluysta pozhalujsta pojaluysta pozhalsta privet
    zdravstvuyte zdravstvujte zdrastvuyte zdravstvuite dobryy dobryi den vecher utro zakaz zakaza
    dengi den'gi dengami segodnya zavtra vchera bylo budet byl byla mozhno nuzhno khochu hochu
    mne menya vas vam nas nam moy moi moya moe vash vasha vashi vashego svoy tak takzhe tozhe kto
    vsyo vse vsegda nikogda seychas sejchas dlya pri bez cherez pod nad posle
    idioty idiot durak duraki kozly moshenniki zhuliki sud sudom advokat rukovoditel rukovoditelya
    nachalnik nachalnika menedzhera menedzher srochno pomogite podskazhite skazhite otvet otvette
    poluchil poluchila prishel prishlo oplatil oplatila vernite verni dostavka dostavku tovar
    rabotaet slomalsya problema problemy bolshe opyat snova pishu nedelyu dney chasa""".split()
)


def detect(text: str) -> str:
    """Return "ru", "zh", "en" or "other"."""
    counts = script_counts(text)
    han, cyr, lat = counts["han"], counts["cyrillic"], counts["latin"]
    if counts["kana"] and counts["kana"] * 5 >= han:
        return "other"  # Japanese
    if counts["hangul"] > han and counts["hangul"] > max(cyr, lat) / 3:
        return "other"  # Korean
    if not (han or cyr or lat):
        return "other"
    # A Han character carries about as much as a short word: weigh it against letters.
    best = max((han * 2.5, "zh"), (cyr, "ru"), (lat, "latin"))[1]
    if best == "zh":
        return "zh"
    if best == "ru":
        odd = len(_NON_RU_CYRILLIC.findall(text))
        return "other" if odd >= 2 or (odd and odd * 40 >= cyr) else "ru"
    return _latin(text)


def _latin(text: str) -> str:
    words = _LATIN_WORD.findall(URL_RE.sub(" ", text).lower())
    if not words:
        return "en"
    en = sum(w in EN_WORDS for w in words)
    tr = sum(w in TRANSLIT_WORDS for w in words)
    other = sum(w in OTHER_WORDS and w not in EN_WORDS for w in words)
    other += 2 * len(_DIACRITIC.findall(text.lower()))
    if tr >= 2 and tr > en:
        return "ru"
    if tr == 1 and en == 0 and len(words) <= 3:
        return "ru"
    if other >= 2 and other > en:
        return "other"
    return "en"


def is_transliterated(text: str) -> bool:
    counts = script_counts(text)
    return (
        counts["latin"] > 0
        and counts["cyrillic"] == 0
        and counts["han"] == 0
        and _latin(text) == "ru"
    )


# Greedy Latin → Cyrillic, longest sequences first. Good enough for pymorphy3 to find lemmas.
_TRANSLIT_SEQ = [
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ya", "я"),
    ("ja", "я"),
    ("yu", "ю"),
    ("ju", "ю"),
    ("yo", "е"),
    ("jo", "е"),
    ("ye", "е"),
    ("iy", "ий"),
    ("ij", "ий"),
    ("'", "ь"),
]
_TRANSLIT_CHAR = dict(zip("abvgdezijklmnoprstufhcwxq4", "абвгдезийклмнопрстуфхцвхкч", strict=True))
_VOWELS = set("aeiouy")


def detransliterate(word: str) -> str:
    """One Latin word → Cyrillic ("zdravstvuyte" → "здравствуйте"). Same length not kept: the
    caller keeps the original span and uses the result only for lemmas."""
    w = word.lower()
    out = []
    i = 0
    while i < len(w):
        for seq, cyr in _TRANSLIT_SEQ:
            if w.startswith(seq, i):
                out.append(cyr)
                i += len(seq)
                break
        else:
            c = w[i]
            if c == "y":
                prev = w[i - 1] if i else ""
                out.append("й" if (prev in _VOWELS or not prev) else "ы")
            elif c == "e" and i == 0 and w.startswith("et"):
                out.append("э")  # eto, etot → это, этот
            else:
                out.append(_TRANSLIT_CHAR.get(c, c))
            i += 1
    return "".join(out)
