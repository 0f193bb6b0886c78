"""/chat/: the visitor's HTTP fallback (send, history, upload, files), the demo page and the
admins' widget settings. Thin views: access → validate → one action → response.

Visitor endpoints take no cookies and no CSRF token: the visitor token authenticates, and the
page's origin must be on the widget's allow-list (CORS headers only for allowed origins).
"""

from __future__ import annotations

import functools
import json
import mimetypes

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from rapport.accounts.models import Role
from rapport.intake.actions import InboundAttachment
from rapport.realtime.publish import chat_group, send_now
from rapport.security.files import safe_content_type
from rapport.tickets.models import Attachment

from . import actions, limits
from .forms import WidgetForm
from .models import Widget, origin_of


def _origin(request: HttpRequest) -> str:
    return origin_of(request.headers.get("Origin", "")) or origin_of(
        request.headers.get("Referer", "")
    )


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, X-Chat-Token"
    response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


def _error(code: str, detail: str, status: int, client_id=None) -> JsonResponse:
    data = {"type": "error", "code": code, "detail": str(detail)}
    if isinstance(client_id, str):
        data["id"] = client_id[: limits.MAX_CLIENT_ID]
    return JsonResponse(data, status=status)


def visitor_endpoint(view):
    """Widget lookup, origin allow-list, CORS, per-IP limit and ChatError → 4xx."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request: HttpRequest, key: str) -> HttpResponse:
        widget = actions.access_widget(key)
        if widget is None:
            return _error("no_widget", _("There is no such chat."), 404)
        origin = _origin(request)
        if not widget.allows(origin, host=request.get_host()):
            limits.count_drop("origin")
            return _error("origin", _("This site may not use this chat."), 403)
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204), origin)
        if request.method == "POST" and not limits.ip_allows(
            widget, request.META.get("REMOTE_ADDR", "")
        ):
            limits.count_drop("ip")
            return _cors(_error("rate_limited", _("Too many messages; slow down."), 429), origin)
        try:
            response = view(request, widget)
        except actions.ChatError as exc:
            response = _error(exc.code, exc.detail, exc.status)
        return _cors(response, origin)

    return wrapped


def _broadcast(sent: actions.Sent) -> None:
    if not sent.duplicate:
        send_now(
            chat_group(sent.message.ticket_id),
            "chat.message",
            message=actions.serialise(sent.message, sent.visitor.vid),
        )


@visitor_endpoint
def send_message(request: HttpRequest, widget: Widget) -> HttpResponse:
    if request.method != "POST":
        return _error("method", _("POST a message."), 405)
    try:
        if len(request.body) > limits.MAX_FRAME_BYTES:
            limits.count_drop("size")
            return _error("too_big", _("The request is too large."), 413)
        data = json.loads(request.body)
    except RequestDataTooBig:
        limits.count_drop("size")
        return _error("too_big", _("The request is too large."), 413)
    except ValueError:
        return _error("bad_json", _("The body must be JSON."), 400)
    if not isinstance(data, dict):
        return _error("bad_frame", _("The body must be a JSON object."), 400)
    if settings.RAPPORT_INTAKE_DEFERRED:  # stored raw and acknowledged (store first)
        try:
            item = actions.check_visitor_message(
                widget,
                data.get("token"),
                data.get("id"),
                data.get("text"),
                language=str(data.get("lang") or "")[:10],
            )
        except actions.ChatError as exc:
            return _error(exc.code, exc.detail, exc.status, data.get("id"))
        (accepted,) = actions.do_accept_visitor_messages([item])
        if isinstance(accepted, Exception):
            raise accepted
        return JsonResponse(accepted.ack(), status=200 if accepted.duplicate else 201)
    try:
        sent = actions.do_visitor_message(
            widget,
            data.get("token"),
            data.get("id"),
            data.get("text"),
            language=str(data.get("lang") or "")[:10],
        )
    except actions.ChatError as exc:
        return _error(exc.code, exc.detail, exc.status, data.get("id"))
    _broadcast(sent)
    return JsonResponse(sent.ack(), status=200 if sent.duplicate else 201)


@visitor_endpoint
def history(request: HttpRequest, widget: Widget) -> HttpResponse:
    if request.method != "GET":
        return _error("method", _("GET the history."), 405)
    token = actions.check_token(request.headers.get("X-Chat-Token", ""))
    return JsonResponse(actions.welcome(widget, token, request.GET.get("lang", "")[:10]))


@visitor_endpoint
def upload(request: HttpRequest, widget: Widget) -> HttpResponse:
    if request.method != "POST":
        return _error("method", _("POST a file."), 405)
    limit = widget.max_upload_mb * 1024 * 1024
    if not limit:
        return _error("upload_off", _("This chat takes no files."), 403)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    too_big = _("A file can be at most %(mb)s MB.") % {"mb": widget.max_upload_mb}
    if length > limit + 64 * 1024:
        limits.count_drop("upload")
        return _error("file_too_big", too_big, 413, request.GET.get("id"))
    try:
        upload = request.FILES.get("file")
        fields = request.POST
    except RequestDataTooBig:
        limits.count_drop("upload")
        return _error("file_too_big", too_big, 413)
    client_id = fields.get("id")
    if upload is None:
        return _error("no_file", _("Choose a file to send."), 400, client_id)
    if upload.size > limit:
        limits.count_drop("upload")
        return _error("file_too_big", too_big, 413, client_id)
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in limits.UPLOAD_TYPES:
        content_type = (mimetypes.guess_type(upload.name or "")[0] or "").lower()
    if content_type not in limits.UPLOAD_TYPES:
        limits.count_drop("upload")
        return _error(
            "file_type",
            _("Images, PDF, text and office documents only."),
            415,
            client_id,
        )
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[:200]
    # Files take the immediate path even with deferred intake (their bytes go to storage
    # with the message; rare enough not to need the group commit).
    try:
        sent = actions.do_visitor_message(
            widget,
            fields.get("token"),
            client_id,
            fields.get("text") or "",
            language=(fields.get("lang") or "")[:10],
            attachments=[InboundAttachment(name, upload.read(), content_type)],
        )
    except actions.ChatError as exc:
        return _error(exc.code, exc.detail, exc.status, client_id)
    _broadcast(sent)
    return JsonResponse(sent.ack(), status=200 if sent.duplicate else 201)


def chat_file(request: HttpRequest, signed: str) -> HttpResponse:
    """A file of the chat, by a signed link only the chat's own messages carry."""
    try:
        pk = signing.loads(signed, salt=actions.FILE_SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    attachment = get_object_or_404(Attachment, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=safe_content_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# It plays a customer's site: its own inline <style>, and the widget's <style> in its Shadow DOM,
# which the desk's own strict policy refuses (docs/security.md).
@csp_update({"style-src": [UNSAFE_INLINE]})
def demo(request: HttpRequest) -> HttpResponse:
    """A page that embeds the widget the way any site would (for `make run` users)."""
    key = request.GET.get("key", "")
    widget = Widget.objects.filter(is_active=True, **({"key": key} if key else {})).first()
    lang = request.GET.get("lang", "")
    return render(
        request, "webchat/demo.html", {"widget": widget, "lang": lang or request.LANGUAGE_CODE}
    )


# --- settings (administrators) --------------------------------------------------------------


def access_widget_settings(user) -> None:
    if not (user.role == Role.ADMIN or user.is_superuser):
        raise PermissionDenied(_("Only administrators manage chat widgets."))


@login_required
def widgets(request: HttpRequest) -> HttpResponse:
    access_widget_settings(request.user)
    return render(
        request,
        "webchat/widgets.html",
        {
            "widgets": Widget.objects.select_related("team", "calendar"),
            "dropped": limits.dropped(),
        },
    )


@login_required
def widget_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access_widget_settings(request.user)
    widget = get_object_or_404(Widget, pk=pk) if pk else Widget()
    form = WidgetForm(request.POST or None, instance=widget)
    if request.method == "POST" and form.is_valid():
        form.save()
        flash.success(request, _("Saved."))
        return redirect("webchat-widgets")
    script = request.build_absolute_uri(static("webchat/widget.js"))
    return render(
        request,
        "webchat/widget_form.html",
        {"form": form, "object": widget, "script": script},
    )
