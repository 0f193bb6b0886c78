"""The web-form channel's transport (CH1, TR1): the contact form and portal replies are stored
raw (the JSON the server built from the POST, attachments base64 inside) before anything else,
then parsed here by the one intake path — at once, or by the intake worker when
RAPPORT_INTAKE_DEFERRED is on. See docs/portal.md."""

from __future__ import annotations

import base64
import binascii
import json

from django.core.exceptions import ValidationError

from rapport.intake.actions import InboundAttachment, InboundMessage, register_parser
from rapport.lib.channels import Channel


def encode(data: dict, files: list[tuple[str, str, bytes]]) -> bytes:
    """The bytes kept as the raw message: the fields and the files, exactly as received."""
    record = {
        **data,
        "attachments": [
            {"filename": n, "content_type": t, "data": base64.b64encode(c).decode("ascii")}
            for n, t, c in files
        ],
    }
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def inbound_from_form(raw: bytes, hints: dict) -> InboundMessage:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"The stored form is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not data.get("email"):
        raise ValidationError("The stored form has no e-mail address.")
    attachments = []
    for item in data.get("attachments") or []:
        try:
            content = base64.b64decode(item["data"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise ValidationError("A stored attachment is damaged.") from exc
        attachments.append(
            InboundAttachment(
                str(item.get("filename") or "file"),
                content,
                str(item.get("content_type") or "application/octet-stream"),
            )
        )
    ticket_id = data.get("ticket")
    return InboundMessage(
        channel=Channel.WEBFORM,
        sender=str(data["email"]),
        sender_name=str(data.get("name") or ""),
        subject=str(data.get("subject") or ""),
        body_text=str(data.get("text") or ""),
        language=str(data.get("language") or ""),
        # A portal reply names its ticket; intake follows it only for the ticket's own
        # customer (rapport.intake.actions._thread), and a closed ticket stays closed.
        ticket_id=ticket_id if isinstance(ticket_id, int) else None,
        team_id=hints.get("team"),
        attachments=attachments,
    )


register_parser(Channel.WEBFORM, inbound_from_form)
