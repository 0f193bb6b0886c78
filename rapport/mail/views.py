"""The raw-MIME endpoint: what mail providers' inbound webhooks post (CH2)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Mailbox
from .transport import receive_mail


@csrf_exempt  # authenticated by the mailbox's bearer token, not a browser session
@require_POST
def inbound_mime(request: HttpRequest, mailbox_id: int) -> JsonResponse:
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id, is_active=True)
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(token, mailbox.inbound_token):
        return JsonResponse({"error": "A valid bearer token is required."}, status=403)
    try:
        raw = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": "The message is larger than the server accepts."}, status=413)
    if not raw.strip():
        return JsonResponse(
            {"error": "The request body must be one raw RFC 5322 message."}, status=400
        )
    receipt = receive_mail(raw, mailbox, source="http", defer=settings.RAPPORT_INTAKE_DEFERRED)
    return JsonResponse(
        {
            "id": receipt.raw.pk,
            "state": receipt.raw.state,
            "duplicate": receipt.duplicate,
            "error": receipt.raw.error,
            "ticket": receipt.message.ticket_id if receipt.message else None,
        },
        status=200 if receipt.duplicate else 202,
    )
