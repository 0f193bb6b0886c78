"""Server-rendered SVG charts (no JavaScript, no CDN): titled, described (<title>, <desc>) and
drawn in the Okabe–Ito palette, which stays distinguishable with colour-blindness."""

from __future__ import annotations

import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def _head(width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-labelledby="t d">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]


def _fit(label: str, room: int = 24) -> str:
    """`label` cut to about `room` Latin letters' width (a CJK character counts two), with an
    ellipsis: the bars' label column is 150 px, and a long label ran off the chart's left."""
    used, out = 0, []
    for ch in label:
        used += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used > room:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return label


def bars(
    items: list[tuple[str, float]], title: str, desc: str, *, width=640, unit=""
) -> SafeString:
    """Horizontal bars, one per (label, value), the value printed at the end of each."""
    row = 22
    height = max(1, len(items)) * row + 10
    top = max((v for _, v in items), default=0) or 1
    out = _head(width, height, title, desc)
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = max(0.0, (width - 260) * value / top)
        out.append(
            f'<text x="150" y="{y + 15}" text-anchor="end" font-size="12">'
            f"<title>{escape(label)}</title>{escape(_fit(label))}</text>"
            f'<rect x="156" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[i % len(PALETTE)] if len(items) <= 8 else PALETTE[0]}"/>'
            f'<text x="{160 + w:.1f}" y="{y + 15}" font-size="12">{value:g}{escape(unit)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above is escaped


def columns(
    series: list[tuple[str, list[float]]],
    labels: list[str],
    title: str,
    desc: str,
    *,
    width=720,
    height=200,
) -> SafeString:
    """Grouped columns over `labels` (days, hours): one colour per series, with a legend."""
    n = max(1, len(labels))
    top = max((v for _, vals in series for v in vals), default=0) or 1
    left, bottom, plot_h = 40, 30, height - 60
    slot = (width - left - 10) / n
    bar_w = max(1.0, slot / max(1, len(series)) - 1)
    out = _head(width, height, title, desc)
    out.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#666"/>'
        f'<text x="{left - 4}" y="{height - bottom - plot_h + 4}" text-anchor="end" '
        f'font-size="10">{top:g}</text>'
    )
    for s, (_name, vals) in enumerate(series):
        for i, v in enumerate(vals):
            h = plot_h * v / top
            x = left + i * slot + s * (bar_w + 1)
            out.append(
                f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}"/>'
            )
    step = max(1, n // 12)
    for i in range(0, n, step):
        out.append(
            f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - bottom + 14}" '
            f'text-anchor="middle" font-size="10">{escape(labels[i])}</text>'
        )
    for s, (name, _vals) in enumerate(series):
        x = left + s * 130
        out.append(
            f'<rect x="{x}" y="{height - 12}" width="10" height="10" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{height - 3}" font-size="11">{escape(name)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above is escaped
