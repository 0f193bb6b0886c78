"""/contact/<lang>/ (the public contact form) and /portal/ (customers' own tickets, by e-mail
magic link). Thin views: a permission-checked lookup, a form, one action. See docs/portal.md.

The portal never signs anybody in to the desk: its session entry (actions.SESSION_KEY) holds a
customer's identity, and request.user stays anonymous; an agent's desk session is not a
portal session either.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rapport.feedback.links import link as survey_link
from rapport.feedback.models import Level, Survey, SurveyState
from rapport.intake.models import InboundRaw, RawState
from rapport.kb.links import help_centre_path
from rapport.kb.models import Language, normalise_language
from rapport.sla.promise import promise_phrase
from rapport.tickets.models import Attachment, Status

from . import actions, limits
from .forms import ContactForm, LoginForm, ReplyForm


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _language(code: str) -> str:
    if code not in Language.values:
        raise Http404
    return code


def contact_root(request: HttpRequest) -> HttpResponse:
    code = normalise_language(translation.get_language_from_request(request)) or Language.EN
    return redirect("portal-contact", code)


def _contact_page(request, language, form, *, error: str = "", status: int = 200):
    return render(
        request,
        "portal/contact.html",
        {
            "form": form,
            "error": error,
            "language": language,
            "languages": Language.choices,
            "stamp": limits.form_stamp(),
            "submission": form.data.get("submission") or actions.new_submission_id(),
            "honeypot": limits.HONEYPOT,
            "max_files": limits.MAX_FILES,
            "max_mb": limits.MAX_FILE_BYTES // (1024 * 1024),
            "help_url": help_centre_path(language),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, language: str) -> HttpResponse:
    """The public "contact us" form in one language (CH1). Honeypot, signed time check and a
    per-address limit refuse bots with a clear message; what passes is stored raw first and
    goes through the one intake path (TR1)."""
    language = _language(language)
    with translation.override(language):
        if request.method == "GET":
            return _contact_page(request, language, ContactForm())
        form = ContactForm(request.POST, request.FILES)
        if request.POST.get(limits.HONEYPOT):
            return _contact_page(
                request,
                language,
                form,
                status=400,
                error=_(
                    "Your request was not sent: it looks like it was filled in by a program. "
                    "If you are a person, leave the field “Website” empty and send it again."
                ),
            )
        problem = limits.stamp_problem(request.POST.get("stamp", ""))
        if problem == "fast":
            return _contact_page(
                request,
                language,
                form,
                status=400,
                error=_(
                    "Your request was sent too quickly after the page opened. Please check it "
                    "and send it again."
                ),
            )
        if problem:
            return _contact_page(
                request,
                language,
                form,
                status=400,
                error=_("This form has expired. Please send your request again."),
            )
        if not form.is_valid():
            return _contact_page(request, language, form, status=400)
        if not limits.allow("contact", _ip(request), limits.CONTACT_PER_IP):
            return _contact_page(
                request,
                language,
                form,
                status=429,
                error=_(
                    "Too many requests were sent from your address. Please try again in a few "
                    "minutes."
                ),
            )
        try:
            files = actions.check_files(request.FILES.getlist("files"))
        except ValidationError as exc:
            form.add_error("files", exc)
            return _contact_page(request, language, form, status=400)
        data = form.cleaned_data
        receipt = actions.do_submit_contact(
            email=data["email"],
            name=data["name"],
            subject=data["subject"],
            text=data["text"],
            language=language,
            files=files,
            submission=data["submission"],
        )
    return redirect("portal-contact-sent", language, actions.receipt_token(receipt.raw.pk))


@never_cache
def contact_sent(request: HttpRequest, language: str, token: str) -> HttpResponse:
    """The confirmation: the ticket's reference and the answer time we can promise (RS3), or,
    while the intake worker has not processed it yet, the request's own reference."""
    language = _language(language)
    raw_id = actions.read_receipt_token(token)
    raw = get_object_or_404(InboundRaw.objects.select_related("message__ticket"), pk=raw_id)
    ticket = raw.message.ticket if raw.state == RawState.PROCESSED and raw.message else None
    with translation.override(language):
        promised = promise_phrase(ticket, language) if ticket else ""
        return render(
            request,
            "portal/contact_sent.html",
            {
                "language": language,
                "languages": Language.choices,
                "ticket": ticket,
                "reference": raw.pk,
                "promised": promised,
                "help_url": help_centre_path(language),
                "portal_url": reverse("portal-home"),
            },
        )


# --- the portal ------------------------------------------------------------------------------


def _portal_language(identity) -> str:
    if identity is not None:
        code = normalise_language(identity.customer.language)
        if code:
            return code
    return normalise_language(translation.get_language()) or Language.EN


def _portal(request, template, identity, context, status=200):
    language = _portal_language(identity)
    with translation.override(language):
        return render(
            request,
            template,
            {
                **context,
                "identity": identity,
                "language": language,
                "help_url": help_centre_path(language),
            },
            status=status,
        )


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    identity = actions.portal_identity(request)
    if identity is None:
        return _portal(request, "portal/login.html", None, {"form": LoginForm()})
    customer = identity.customer
    tickets = list(actions.customer_tickets(customer)[:200])
    surveys = list(
        Survey.objects.filter(customer=customer)
        .exclude(state__in=[SurveyState.THROTTLED, SurveyState.UNAVAILABLE])
        .select_related("ticket")
        .order_by("-created_at")[:50]
    )
    for survey in surveys:
        survey.links = (
            [(level, label, survey_link(survey.pk, str(level))) for level, label in Level.choices]
            if survey.state != SurveyState.ANSWERED
            else []
        )
    return _portal(request, "portal/home.html", identity, {"tickets": tickets, "surveys": surveys})


@never_cache
@require_POST
def login_request(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same whether or not the address is a
    customer's (no probing); limits per address and per e-mail."""
    form = LoginForm(request.POST)
    if not form.is_valid():
        return _portal(request, "portal/login.html", None, {"form": form}, status=400)
    email = form.cleaned_data["email"].lower()
    if not limits.allow("login-ip", _ip(request), limits.LOGIN_PER_IP) or not limits.allow(
        "login-email", email, limits.LOGIN_PER_EMAIL
    ):
        return _portal(
            request,
            "portal/login.html",
            None,
            {
                "form": form,
                "error": _("Too many sign-in links were asked for. Please try again later."),
            },
            status=429,
        )
    actions.do_request_login_link(email, language=translation.get_language() or "", ip=_ip(request))
    return _portal(request, "portal/login_sent.html", None, {"email": email})


@never_cache
@require_http_methods(["GET", "POST"])
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST signs in: mail scanners that open links do not use them up."""
    try:
        if request.method == "GET":
            link = actions.check_login_token(token)
            return _portal(
                request, "portal/login_confirm.html", None, {"email": link.identity.value}
            )
        actions.do_sign_in(request, token)
    except actions.LoginRefused as exc:
        return _portal(
            request,
            "portal/login.html",
            None,
            {"form": LoginForm(), "error": str(exc)},
            status=400,
        )
    return redirect("portal-home")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    actions.do_sign_out(request)
    return redirect("portal-home")


def _signed_in(request: HttpRequest):
    identity = actions.portal_identity(request)
    if identity is None:
        raise Http404  # the page of a ticket says nothing to someone not signed in
    return identity


@never_cache
@require_http_methods(["GET", "POST"])
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    identity = actions.portal_identity(request)
    if identity is None:
        return redirect("portal-home")
    ticket = actions.access_ticket(identity.customer, pk)
    language = _portal_language(identity)
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        with translation.override(language):
            form = ReplyForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    files = actions.check_files(request.FILES.getlist("files"))
                except ValidationError as exc:
                    form.add_error("files", exc)
                else:
                    receipt = actions.do_portal_reply(
                        identity,
                        ticket,
                        text=form.cleaned_data["text"],
                        files=files,
                        submission=form.cleaned_data["submission"],
                    )
                    message = receipt.raw.message if receipt.raw.message_id else None
                    if message is None:
                        messages.info(request, _("Your reply is saved and will appear shortly."))
                    elif message.ticket_id != ticket.pk:
                        messages.info(
                            request,
                            _("This request was closed, so your reply opened a new one."),
                        )
                        return redirect("portal-ticket", message.ticket_id)
                    else:
                        messages.success(request, _("Your reply was sent."))
                    return redirect("portal-ticket", ticket.pk)
            status = 400
    thread = list(
        ticket.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return _portal(
        request,
        "portal/ticket.html",
        identity,
        {
            "ticket": ticket,
            "thread": thread,
            "form": form,
            "submission": actions.new_submission_id(),
            "closed": ticket.status == Status.CLOSED,
            "max_files": limits.MAX_FILES,
            "max_mb": limits.MAX_FILE_BYTES // (1024 * 1024),
        },
        status=status,
    )


def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A file of the customer's own ticket, always as a download with its checked type."""
    identity = _signed_in(request)
    ticket = actions.access_ticket(identity.customer, pk)
    att = get_object_or_404(Attachment, pk=attachment_id, message__ticket=ticket)
    response = FileResponse(
        att.file.open("rb"),
        as_attachment=True,
        filename=att.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
