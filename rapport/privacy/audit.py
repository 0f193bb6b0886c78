"""Who viewed, exported, deleted, merged or erased what, when, from where (docs/privacy.md).

Hooks into the rest of Rapport without editing its views:

- `AuditMiddleware` (settings.MIDDLEWARE) reads the resolved URL name of each request and,
  for the names in `RULES`, records an entry once the view has answered with success (a GET
  page with 200, a POST form with a redirect: a refused or invalid form records nothing).
  It also keeps the current request in a context variable, so that an entry recorded deeper
  down (a signal, an action) knows the actor and the IP address.
- Django's auth signals: signed in, signed out, failed sign-in.
- The admin's own change log (`LogEntry`, written for each deletion there, bulk ones too).
- `ApiToken` rows created (on the tokens page or elsewhere).

The privacy app's own views record explicitly (`record(...)`).
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.http import HttpRequest, HttpResponse

from .models import Action, AuditEntry

log = logging.getLogger(__name__)

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "rapport_audit_request", default=None
)


def client_ip(request: HttpRequest | None) -> str | None:
    """The peer address. Behind a TLS proxy (BEHIND_TLS_PROXY) that is the proxy unless the
    proxy sets REMOTE_ADDR itself (uvicorn --proxy-headers does): a forwarded header from the
    client is never trusted here."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    object_type: str = "",
    object_id: object = "",
    *,
    actor=None,
    request: HttpRequest | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry. Actor and IP come from `request`, else from the request being
    served (the middleware's context variable), else they stay empty (a command, a job)."""
    request = request or _request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor else None,
        actor_name=actor.get_username() if actor else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64] if object_id != "" else "",
        detail=detail or {},
        ip=client_ip(request),
        path=request.path[:300] if request is not None else "",
    )


@dataclass(frozen=True)
class Rule:
    action: str
    object_type: str
    kwarg: str | None = "pk"  # the URL argument that names the object
    method: str = "GET"
    post_field: str | None = None  # a POST field worth keeping (a merge's other side)


# URL name → what a successful request to it means. Names are the projects' own
# (rapport/*/urls.py) and the API router's (rapport/api/urls.py).
RULES: dict[str, Rule] = {
    "ticket": Rule(Action.VIEW, "ticket"),
    "customer": Rule(Action.VIEW, "customer"),
    "message-original": Rule(Action.DOWNLOAD, "message"),
    "attachment": Rule(Action.DOWNLOAD, "attachment"),
    "api-ticket-detail": Rule(Action.VIEW, "ticket"),
    "api-customer-detail": Rule(Action.VIEW, "customer"),
    "api-message-detail": Rule(Action.VIEW, "message"),
    "reports-export": Rule(Action.EXPORT, "report", kwarg=None),
    "ticket-merge": Rule(Action.MERGE, "ticket", method="POST", post_field="target"),
    "customer-merge": Rule(Action.MERGE, "customer", method="POST", post_field="source"),
    "saved-search-delete": Rule(Action.DELETE, "saved_search", method="POST"),
    "reports-goal-delete": Rule(Action.DELETE, "goal", method="POST"),
    "rule-delete": Rule(Action.DELETE, "rule", method="POST"),
    "sla-policy-delete": Rule(Action.DELETE, "sla_policy", method="POST"),
    "kb_delete_translation": Rule(Action.DELETE, "article_translation", method="POST"),
    "kb_detach": Rule(Action.DELETE, "article_attachment", method="POST"),
    "api-token-revoke": Rule(Action.DELETE, "api_token", method="POST"),
}


def _succeeded(rule: Rule, request: HttpRequest, response: HttpResponse) -> bool:
    if request.method != rule.method:
        return False
    if request.headers.get("X-Rapport-Live"):
        return False  # live.js re-reading a page already open (rapport/static/rapport/live.js)
    if rule.method == "GET":
        return response.status_code == 200
    return 300 <= response.status_code < 400


def _detail(rule: Rule, request: HttpRequest, kwargs: dict) -> dict:
    detail = {k: str(v) for k, v in kwargs.items() if k != rule.kwarg}
    if rule.post_field and request.POST.get(rule.post_field):
        detail[rule.post_field] = request.POST.get(rule.post_field, "")[:64]
    return detail


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            rule = RULES.get(match.url_name) if match else None
            if rule is not None and _succeeded(rule, request, response):
                kwargs = match.kwargs
                record(
                    rule.action,
                    rule.object_type,
                    kwargs.get(rule.kwarg, "") if rule.kwarg else "",
                    request=request,
                    detail=_detail(rule, request, kwargs),
                )
            return response
        finally:
            _request.reset(token)


# --- signals: sign-in, sign-out, the admin's deletions, API tokens -------------------------


def _logged_in(sender, request, user, **kwargs) -> None:
    record(Action.LOGIN, "user", user.pk, actor=user, request=request)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(Action.LOGOUT, "user", user.pk, actor=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(Action.LOGIN_FAILED, "user", "", request=request, detail={"username": username})


def _admin_logged(sender, instance: LogEntry, created=False, raw=False, **kwargs) -> None:
    if raw or not created or instance.action_flag != DELETION:
        return
    ct = instance.content_type
    record(
        Action.DELETE,
        f"{ct.app_label}.{ct.model}" if ct else "",
        instance.object_id or "",
        actor=instance.user,
        detail={"via": "admin"},
    )


def _token_created(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw or not created:
        return
    record(
        Action.TOKEN_CREATED,
        "api_token",
        instance.pk,
        detail={"owner": instance.user_id, "scope": instance.scope, "prefix": instance.prefix},
    )


def connect() -> None:
    from rapport.api.models import ApiToken

    uid = "rapport.privacy"
    user_logged_in.connect(_logged_in, dispatch_uid=f"{uid}.login")
    user_logged_out.connect(_logged_out, dispatch_uid=f"{uid}.logout")
    user_login_failed.connect(_login_failed, dispatch_uid=f"{uid}.login-failed")
    post_save.connect(_admin_logged, sender=LogEntry, dispatch_uid=f"{uid}.admin-log")
    post_save.connect(_token_created, sender=ApiToken, dispatch_uid=f"{uid}.token")
