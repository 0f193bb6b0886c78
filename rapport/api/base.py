"""What every API view shares: per-token rate limits and idempotent creates (docs/api.md)."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from . import ratelimit
from .models import IdempotentRequest

IDEMPOTENCY_HEADER = "Idempotency-Key"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with a different request."
    default_code = "idempotency_key_reused"


class RateLimited:
    """Mixin for APIView: counts each authenticated request against its token's budget."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticates and checks permissions
        budget = ratelimit.take(request)
        request._rate_budget = budget
        if budget.exceeded:
            raise exceptions.Throttled(wait=budget.reset)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        budget = getattr(request, "_rate_budget", None)
        if budget is not None:
            for name, value in budget.headers().items():
                response[name] = value
        return response


def _body_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotentRequest, body_hash: str) -> Response:
    if record.body_hash != body_hash:
        raise IdempotencyConflict(_("This Idempotency-Key was used with a different request."))
    response = Response(record.response, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, produce, *, atomic: bool = True) -> Response:
    """Run `produce()` (a create through an action) at most once per Idempotency-Key.

    With `atomic` (the default) the create is one transaction, and the key is reserved in it: a
    concurrent request with the same key waits on the unique index, then finds the stored
    response. Intake keeps its own transactions (the raw message is committed before it is
    processed, TR1), so the inbound endpoint passes `atomic=False` and relies on intake's
    exactly-once per external id, which it derives from the key. Only successful responses are
    kept — a refused request can be corrected and sent again with the same key.
    """
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if not key:
        if not atomic:
            return produce()
        with transaction.atomic():
            return produce()
    if len(key) > 255:
        raise exceptions.ValidationError({"Idempotency-Key": _("At most 255 characters.")})
    body_hash = _body_hash(request)
    existing = IdempotentRequest.objects.filter(user=request.user, key=key).first()
    if existing is not None:
        return _replay(existing, body_hash)
    if not atomic:
        response = produce()
        if response.status_code < 300:
            _store(request, key, body_hash, response)
        return response
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                user=request.user,
                key=key,
                path=request.path[:500],
                body_hash=body_hash,
                status_code=0,
            )
            response = produce()
            if response.status_code >= 300:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response = _jsonable(response.data)
            record.save(update_fields=["status_code", "response"])
            return response
    except IntegrityError:
        # Another request with this key committed first: answer as it was answered.
        existing = IdempotentRequest.objects.filter(user=request.user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, body_hash)


def _jsonable(data):
    return json.loads(json.dumps(data, default=str))


def _store(request, key: str, body_hash: str, response: Response) -> None:
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                user=request.user,
                key=key,
                path=request.path[:500],
                body_hash=body_hash,
                status_code=response.status_code,
                response=_jsonable(response.data),
            )
    except IntegrityError:
        pass  # a concurrent twin stored the same answer (intake made it the same message)
