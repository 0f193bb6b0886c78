"""The webhook Telegram posts each Update to (CH6). Thin: authenticate, check the body is an
Update, hand it to the transport, answer 200 fast (Telegram retries anything else)."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Bot
from .transport import is_start, receive_update

# An Update is a small JSON document (files are fetched separately through getFile).
MAX_UPDATE_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 — a header name


def _refuse(bot: Bot | None, status: int, text: str) -> JsonResponse:
    """A clear 4xx, counted on the bot (shown in the admin) when the bot is known."""
    if bot is not None:
        Bot.objects.filter(pk=bot.pk).update(
            rejected=F("rejected") + 1, last_rejection=f"{status}: {text}"[:300]
        )
    return JsonResponse({"error": text}, status=status)


@csrf_exempt  # authenticated by the bot's secret token, not a browser session
@require_POST
def webhook(request: HttpRequest, bot_id: int) -> JsonResponse:
    bot = Bot.objects.filter(pk=bot_id, is_active=True).first()
    secret = request.headers.get(SECRET_HEADER, "")
    # The same answer for an unknown bot and a wrong secret: nothing to probe.
    if (
        bot is None
        or not secret
        or not hmac.compare_digest(secret.encode(), bot.webhook_secret.encode())
    ):
        return _refuse(bot, 403, "A valid X-Telegram-Bot-Api-Secret-Token header is required.")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
        return _refuse(bot, 413, f"An update is at most {MAX_UPDATE_BYTES} bytes.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(bot, 413, f"An update is at most {MAX_UPDATE_BYTES} bytes.")
    if len(body) > MAX_UPDATE_BYTES:
        return _refuse(bot, 413, f"An update is at most {MAX_UPDATE_BYTES} bytes.")
    try:
        update = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return _refuse(bot, 400, "The body must be one JSON-encoded Telegram Update.")
    update_id = update.get("update_id") if isinstance(update, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        return _refuse(bot, 400, "The body must be a Telegram Update with an integer update_id.")
    receipt = receive_update(bot, body, update, defer=settings.RAPPORT_INTAKE_DEFERRED)
    if not receipt.duplicate and is_start(update):
        # The greeting rides on the webhook's answer (the Bot API runs a method given in the
        # response body): no outbound call, no ticket.
        message = update["message"]
        language = (message.get("from") or {}).get("language_code") or ""
        return JsonResponse(
            {
                "method": "sendMessage",
                "chat_id": message["chat"]["id"],
                "text": bot.greeting(str(language)),
            }
        )
    # 200 for stored, duplicate and quarantined updates alike: the update is safe here, and
    # any other status makes Telegram send it again and again.
    return JsonResponse({})
