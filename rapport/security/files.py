"""Content types files are served with (docs/security.md).

Customers' files are always downloads (Content-Disposition: attachment), served with
`nosniff` and a sandboxing CSP. Their declared type is kept only for raster images, which a
browser never runs; anything else — HTML, SVG (it can hold script), XML, PDF — goes out as
application/octet-stream.
"""

from __future__ import annotations

SAFE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"})
OPAQUE = "application/octet-stream"


def safe_content_type(content_type: str | None) -> str:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind if kind in SAFE_IMAGE_TYPES else OPAQUE
