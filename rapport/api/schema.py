"""drf-spectacular: how the OpenAPI document describes token authentication and the errors
every operation can answer (docs/api.md "Errors"; checked by rapport/api/tests/test_fuzz.py)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "rapport.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (rpt_…), made at /me/api-tokens/.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'An error: `{"detail": "…"}`, or the fields that failed validation, each with its '
        'messages (`{"field": ["…"]}`).'
    ),
    "additionalProperties": {},
}

ERRORS = {
    "400": "Invalid input: a filter, a field, or an action the lifecycle refuses.",
    "401": "No valid token (or session).",
    "403": "A read-only token's write, or a team that is not the caller's.",
    "404": "Nothing the caller can see by this id (another team's ids too), or a stale cursor.",
    "422": "This Idempotency-Key was used with a different request.",
    "429": "Over the rate limit; see Retry-After.",
}


class ApiAutoSchema(AutoSchema):
    """Every operation lists the error answers the views give (docs/api.md "Errors"), so a
    client generated from the document — and the fuzzer — know them."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(component)
        write = self.method not in ("GET", "HEAD", "OPTIONS")
        codes = ["401", "404", "429"]
        if write or self._is_list_view():
            codes.append("400")
        if write:
            codes.append("403")
        if self.method == "POST":
            codes.append("422")
        for code in sorted(codes):
            responses.setdefault(
                code,
                {
                    "description": ERRORS[code],
                    "content": {"application/json": {"schema": component.ref}},
                },
            )
        return responses
