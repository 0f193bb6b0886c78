"""Malformed mail, thousands of messages of it: random bytes, truncated MIME, bogus boundaries,
broken headers, random charsets and the corpus mixed with garbage (CH2, TR1).

The parser raises nothing but MailParseError; the one inbound path never lets an exception
escape and never loses a message: every distinct external id ends as exactly one stored raw
row, processed, ignored or quarantined with its reason.
"""

from __future__ import annotations

import base64
import codecs
import email
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from rapport.accounts.models import Team
from rapport.intake.models import InboundRaw, RawState
from rapport.mail.parse import MailParseError, parse_message
from rapport.mail.quotes import split_reply
from rapport.mail.transport import external_id_of, receive_mail

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = tuple(p.read_bytes() for p in sorted(FIXTURES.glob("*.eml")))

# Declared charsets, real and bogus. The codec names that are not mail charsets at all (idna,
# punycode, undefined) crash the parser today: see KNOWN_CRASHES.
CHARSETS = (
    "utf-8",
    "UTF8",
    "koi8-r",
    "koi8-u",
    "windows-1251",
    "cp866",
    "iso-8859-5",
    "gb2312",
    "GBK",
    "gb18030",
    "big5",
    "big5-hkscs",
    "shift_jis",
    "euc-kr",
    "iso-8859-1",
    "us-ascii",
    "ascii",
    "utf-7",
    "utf-16",
    "utf-32",
    "x-unknown",
    "unknown-8bit",
    "",
    '"',
    "utf-8'en'",
    "\u00e9",
    "base64",
    "rot13",
    "zlib",
    "unicode_escape",
    "idna",
    "punycode",
    "undefined",
)
ENCODINGS = ("base64", "quoted-printable", "8bit", "7bit", "binary", "x-uuencode", "bogus", "")
TYPES = (
    "text/plain",
    "text/html",
    "text/calendar",
    "application/pdf",
    "image/png",
    "message/rfc822",
    "message/delivery-status",
    "text/rfc822-headers",
    "application/ms-tnef",
    "application/pgp-signature",
    "application/pkcs7-signature",
    "multipart/mixed",
    "multipart/alternative",
    "multipart/signed",
    "multipart/report",
    "text",
    "/",
    "",
)
# Latin, Cyrillic, CJK (GBK-only and astral too), and the characters that break things.
ALPHABET = (
    string.printable
    + "ЗдравствуйтеёЁЖЩЪ№«»—"
    + "您好发票开错了退货喆镕堃訂單𠮷"
    + "\x00\x7f\x85\u00a0\u200b\u2028\ufeff\ufffd\u00e9\u00df"
)
# Strategies are built once, here: building them inside composites on every draw costs more
# than the whole inbound path.
CHARSET = st.sampled_from(CHARSETS)
TEXTS = st.text(alphabet=ALPHABET, max_size=80) | st.sampled_from(
    [
        "Здравствуйте, заказ 7781 не пришёл.",
        "您好，发票开错了。",
        "Hello, my order is late.",
        "On Mon, 3 Jun 2024 at 12:30, Ann <a@x.com> wrote:",
        "> quoted",
        "-- ",
        "Sent from my iPhone",
        "------------------ 原始邮件 ------------------",
        "От: a@x.ru",
        "Отправлено: вчера",
    ]
)
ADDRESSES = st.sampled_from(
    [
        "ann@example.com",
        "Борис <boris@example.ru>",
        "王 <wang@qq.com>",
        "MAILER-DAEMON@mx.test",
        "support@rapport.test",
        "not an address",
        "<>",
        "a@",
        "@b",
        '"Last, First" <lf@x.test>',
        "=?utf-8?B?0J/QtdGC0YA=?= <petr@x.test>",
        "undisclosed-recipients:;",
        "",
        "a@b@c",
    ]
) | st.builds(
    lambda local, domain: f"{local}@{domain}.test",
    st.text("abcxyz.+-_'\u00e9", min_size=1, max_size=12),
    st.text("abc-", min_size=1, max_size=8),
)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _encode(text: str, charset: str) -> bytes:
    try:
        return text.encode(charset, "replace")
    except (LookupError, UnicodeError, TypeError, ValueError):
        return text.encode("utf-8", "surrogateescape")


def _encoded_word(charset: str, text: str, kind: str, cut: int, closed: bool) -> bytes:
    """An RFC 2047 word, valid or not: any charset, B or Q, payloads broken on purpose."""
    data = _encode(text, charset)
    if kind in "Bb":
        payload = base64.b64encode(data).decode()
        payload = payload if cut < 0 else payload.rstrip("=")[:cut]
    else:
        payload = "".join(f"={b:02X}" for b in data)
    word = f"=?{charset}?{kind}?{payload}?="
    return (word if closed else word[:-2]).encode()


ENCODED_WORDS = st.builds(
    _encoded_word,
    CHARSET,
    TEXTS,
    st.sampled_from("BQbX"),
    st.integers(-3, 60),
    st.integers(0, 5).map(bool),
)
HEADER_VALUES = st.lists(
    st.one_of(
        st.builds(_encode, TEXTS, st.sampled_from(["utf-8", "cp1251", "gbk"])),  # raw 8-bit
        ENCODED_WORDS,
        ADDRESSES.map(str.encode),
        st.binary(max_size=20),
        st.sampled_from([b"\r\n ", b"\r\n\t", b" ", b";", b'"', b"<", b">", b"=?", b"?="]),
    ),
    max_size=4,
).map(b" ".join)
MESSAGE_IDS = st.one_of(
    st.none(),
    st.integers(0, 30).map(lambda n: f"<dup-{n}@fuzz.test>"),  # shared: duplicates
    st.text("abcdef0123456789.$@-", min_size=1, max_size=40).map(lambda s: f"<{s}>"),
    st.sampled_from(["", "<>", "no-brackets@x", "<a b@c>", "\r\n <folded@fuzz.test>"]),
)
OTHER_HEADERS = st.lists(
    st.sampled_from(
        [
            "In-Reply-To",
            "References",
            "Date",
            "Auto-Submitted",
            "X-Autoreply",
            "List-Id",
            "Precedence",
            "X-Rapport-Ticket",
            "Reply-To",
            "Sender",
            "Content-Disposition",
            "Content-ID",
            "MIME-Version",
            "X-Garbage",
        ]
    ),
    max_size=5,
)
BROKEN_LINES = st.sampled_from(
    [b"no colon here", b" continuation first", b":", b"X-\xff\xfe: v", b"\x00: \x00"]
)
BODIES = st.one_of(
    st.builds(_encode, TEXTS, CHARSET),
    st.binary(max_size=200),
    TEXTS.map(lambda t: base64.encodebytes(t.encode())),
    TEXTS.map(lambda t: "".join(f"={b:02X}" for b in t.encode()).encode()),
)
BOUNDARIES = st.sampled_from(["b1", "=_b2", "----=_Part_1", "b1--", '"q"', "", " "])
MULTIPART_TYPES = st.sampled_from([t for t in TYPES if t.startswith("multipart/")])
ANY_TYPE = st.sampled_from(TYPES)
SEPARATORS = st.sampled_from([b"\n\n", b"\r\n", b"", b"\r\r"])


@st.composite
def headers(draw, *, boundary: str, ctype: str, nested: bool) -> bytes:
    lines = []
    if draw(st.integers(0, 9)):
        lines.append(b"From: " + draw(HEADER_VALUES | ADDRESSES.map(str.encode)))
    if draw(st.booleans()):
        lines.append(b"To: " + draw(HEADER_VALUES))
    if draw(st.booleans()):
        lines.append(b"Cc: " + draw(HEADER_VALUES))
    lines.append(b"Subject: " + draw(HEADER_VALUES))
    message_id = draw(MESSAGE_IDS)
    if message_id is not None:
        lines.append(b"Message-ID: " + message_id.encode())
    for name in draw(OTHER_HEADERS):
        lines.append(name.encode() + b": " + draw(HEADER_VALUES))
    charset = draw(CHARSET)
    if nested and draw(st.integers(0, 5)):  # mostly a boundary that the parts then use
        params = f'; boundary="{boundary}"' + draw(
            st.sampled_from(
                [
                    "",
                    f"; charset={charset}",
                    "; report-type=delivery-status",
                    '; protocol="application/pgp-signature"',
                    "; type=multipart/alternative",
                ]
            )
        )
    else:
        params = draw(
            st.sampled_from(
                [
                    f'; charset="{charset}"',
                    f"; charset={charset}",
                    f"; boundary={boundary}",
                    f'; boundary="{boundary}"; charset={charset}',
                    f"; charset*=UTF-8''{charset}",
                    "; report-type=delivery-status",
                    '; protocol="application/pgp-signature"',
                    f"; name*=UTF-8''%D0%A7%D0%B5%D0%BA.pdf; boundary={boundary}",
                    ";;;=",
                    "",
                ]
            )
        )
    if nested:  # first, so that garbage in the other headers leaves the structure intact
        lines.insert(0, f"Content-Type: {ctype}{params}".encode())
    elif draw(st.integers(0, 6)):
        lines.append(f"Content-Type: {ctype}{params}".encode())
    if draw(st.booleans()):
        lines.append(b"Content-Transfer-Encoding: " + draw(st.sampled_from(ENCODINGS)).encode())
    if draw(st.integers(0, 9)) == 0:  # a broken header line: no colon, or a bare continuation
        lines.insert(draw(st.integers(0, len(lines))), draw(BROKEN_LINES))
    return b"\r\n".join(lines)


@st.composite
def mime_messages(draw, depth: int = 0, multipart: bool = False) -> bytes:
    """A MIME message assembled from broken parts: wrong, missing and unterminated
    boundaries, nesting, any type in any place. `multipart`: a multipart/* at the top."""
    nested = multipart or (depth < 2 and draw(st.booleans()))
    boundary = draw(BOUNDARIES)
    used = boundary if draw(st.integers(0, 4)) else draw(st.sampled_from(["b1", "other", ""]))
    multipart_type = multipart or (nested and draw(st.integers(0, 5)) > 0)
    ctype = draw(MULTIPART_TYPES if multipart_type else ANY_TYPE)
    head = draw(headers(boundary=boundary, ctype=ctype, nested=nested))
    if nested:
        parts = draw(PART_LISTS[depth][multipart])
        body = b"".join(b"--" + used.encode() + b"\r\n" + p + b"\r\n" for p in parts)
        if draw(st.booleans()):
            body += b"--" + used.encode() + b"--\r\n"
        if draw(st.booleans()):
            body = b"preamble\r\n" + body + b"epilogue"
    else:
        body = draw(BODIES)
    separator = b"\r\n\r\n" if draw(st.integers(0, 4)) else draw(SEPARATORS)
    return head + separator + body


# The parts of a multipart at each depth (at least one part when a multipart is asked for).
PART_LISTS = {
    depth: {
        forced: st.lists(mime_messages(depth + 1) | BODIES, min_size=int(forced), max_size=4)
        for forced in (False, True)
    }
    for depth in (0, 1)
}


@st.composite
def corpus_with_garbage(draw) -> bytes:
    """A real fixture, cut, spliced, or with its line ends and bytes mangled."""
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["cut", "insert", "replace", "delete", "lf", "cr"]))
        at = draw(st.integers(0, len(raw)))
        if operation == "cut":
            raw = raw[:at]
        elif operation == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif operation == "replace":
            raw[at : at + 16] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del raw[at : at + draw(st.integers(1, 200))]
        elif operation == "lf":
            raw = bytearray(bytes(raw).replace(b"\r\n", b"\n"))
        else:
            raw = bytearray(bytes(raw).replace(b"\r\n", b"\r"))
    return bytes(raw)


@st.composite
def two_fixtures_mixed(draw) -> bytes:
    first, second = draw(st.sampled_from(CORPUS)), draw(st.sampled_from(CORPUS))
    return first[: draw(st.integers(0, len(first)))] + second[draw(st.integers(0, len(second))) :]


MESSAGES = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=40).map(lambda b: b"From: a@b.test\r\n" + b),
    mime_messages(),
    mime_messages(multipart=True),
    mime_messages(multipart=True).map(_crlf),
    corpus_with_garbage(),
    two_fixtures_mixed(),
    st.sampled_from(CORPUS),
)


FAST = hsettings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@FAST
@given(raw=MESSAGES)
def test_the_parser_raises_nothing_but_mail_parse_error(raw):
    try:
        mail = parse_message(raw, max_attachment_bytes=2_000)
    except MailParseError:
        return
    assert isinstance(mail.subject, str) and len(mail.subject) <= 998
    assert mail.auto in ("", "auto-reply", "bounce", "list")
    assert all(len(a.content) <= 2_000 for a in mail.attachments)
    reply, _quoted = split_reply(mail.text)
    assert reply or not mail.text.strip()  # never emptied


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_every_prefix_of_every_fixture_parses(name):
    """A message cut anywhere (a dropped connection, a size limit) still parses."""
    raw = (FIXTURES / name).read_bytes()
    for cut in range(0, len(raw), max(1, len(raw) // 60)):
        try:
            parse_message(raw[:cut])
        except MailParseError:
            pass


@pytest.mark.parametrize("charset", ["idna", "punycode", "undefined", "utf-8\x00"])
def test_bogus_codec_names_as_charsets(charset):
    raw = (
        f"From: a@example.com\r\nSubject: =?{charset}?B?/w==?=\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n\r\n"
    ).encode() + b"\xff\xfe\x00a\\x"
    mail = parse_message(raw)
    assert mail.from_addr == "a@example.com"
    assert mail.text.endswith("a\\x")


def test_the_strategies_make_real_mime_as_well_as_garbage():
    """A sanity check of the generator itself: most "multipart" messages it makes parse as
    multipart MIME (the rest have their structure broken on purpose)."""
    found = []

    @hsettings(
        max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(raw=mime_messages(multipart=True))
    def probe(raw):
        found.append(email.message_from_bytes(raw).is_multipart())

    probe()
    assert 0.25 < sum(found) / len(found) < 1


# --- the whole inbound path -----------------------------------------------------------------


FOR_DB = hsettings(
    max_examples=65,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.mark.django_db
def test_receive_mail_never_raises_and_never_loses_a_message(settings, tmp_path, caplog):
    settings.MEDIA_ROOT = str(tmp_path)
    Team.objects.create(name="Support", is_default=True)
    fed: list[int] = []

    @FOR_DB
    @given(batch=st.lists(MESSAGES, min_size=32, max_size=42, unique=True))
    def feed(batch):
        fed.append(len(batch))
        first_bytes: dict[str, bytes] = {}
        for raw in batch:
            external_id = external_id_of(raw)[:255]
            existed = InboundRaw.objects.filter(channel="email", external_id=external_id).exists()
            receipt = receive_mail(raw, mailbox=None, source="fuzz")  # must not raise
            assert receipt.duplicate is existed
            assert receipt.raw.external_id == external_id
            if not existed:
                first_bytes.setdefault(external_id, raw)
        ids = {external_id_of(raw)[:255] for raw in batch}
        rows = list(InboundRaw.objects.filter(channel="email", external_id__in=ids))
        assert sorted(r.external_id for r in rows) == sorted(ids)  # one row per distinct id
        states = {RawState.PROCESSED: 0, RawState.IGNORED: 0, RawState.QUARANTINED: 0}
        for row in rows:
            assert row.state in states, (row.state, bytes(row.raw)[:300])
            states[row.state] += 1
            if row.state == RawState.PROCESSED:
                assert row.message_id is not None and row.error == ""
            else:
                assert row.error.strip(), (row.state, bytes(row.raw)[:300])
            if row.external_id in first_bytes:
                assert bytes(row.raw) == first_bytes[row.external_id]  # stored as received
        assert len(ids) == sum(states.values())
        caplog.clear()  # quarantines log their traceback; thousands of them add up

    feed()
    assert sum(fed) >= 2000, f"only {sum(fed)} messages were generated"
    # Most of them distinct (the rest are deliberate duplicates), and a good share good enough
    # to make a ticket.
    assert InboundRaw.objects.count() >= 1000
    assert InboundRaw.objects.filter(state=RawState.PROCESSED).count() >= 200


def test_the_codec_names_the_fuzzer_uses_exist_or_are_meant_to_be_bogus():
    bogus = {"x-unknown", "unknown-8bit", "", '"', "utf-8'en'", "\u00e9"}
    for charset in CHARSETS:
        if charset not in bogus:
            codecs.lookup(charset)
