"""django-csp's middleware, with the one relaxation the desk needs (docs/security.md).

The API's browsable pages are rendered by third-party templates — Django REST framework's
(a <style> for code highlighting, style attributes) and Swagger UI's (a <style> block) — so
under /api/v1/ inline *styles* are allowed. Inline *script* stays refused everywhere: Swagger
UI's start-up script comes as a file (drf-spectacular's split view).
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts

INLINE_STYLE_PREFIXES = ("/api/v1/",)


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(INLINE_STYLE_PREFIXES):
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), UNSAFE_INLINE]
            parts.update = update
        return parts
