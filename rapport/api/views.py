"""REST API v1 (docs/api.md). Thin views: a permission-checked lookup (the UI's own rules:
Ticket.objects.visible_to, access_ticket, visible_customers, visible_articles, visible_reviews)
→ validation → one action → the response. Nothing here saves a model itself."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from rapport.accounts.models import Team, User
from rapport.customers.actions import do_add_identity
from rapport.customers.models import Customer, Identity, Organisation
from rapport.customers.views import visible_customers
from rapport.followups.models import Purchase
from rapport.intake.actions import InboundMessage, do_receive
from rapport.kb.access import visible_articles
from rapport.kb.actions import do_create_article
from rapport.kb.models import ArticleTranslation
from rapport.lib.channels import Channel
from rapport.reviews.views import visible_reviews
from rapport.tickets import actions as ticket_actions
from rapport.tickets.models import Event, Message, Note, Ticket
from rapport.tickets.views import access_ticket

from . import serializers as s
from .base import RateLimited, idempotent
from .schema import ApiAutoSchema


def _run(fn, *args, **kwargs):
    """Call an action; its Django ValidationError becomes the API's 400."""
    try:
        return fn(*args, **kwargs)
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"detail": exc.messages}) from exc


class ApiViewSet(RateLimited, viewsets.GenericViewSet):
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["id"]
    schema = ApiAutoSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, rate limit
        # An id that is not a number names nothing: 404, as for any id one cannot see
        # (found by the fuzzer: "true" reached the ticket lookup and made it a 500).
        pk = kwargs.get("pk")
        if pk is not None and not re.fullmatch(r"[0-9]{1,18}", str(pk)):
            raise Http404

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return self.serializer_class.Meta.model.objects.none()
        return self.visible(self.request.user)

    def visible(self, user):
        return self.queryset.all()


def _visible_tickets(user):
    return Ticket.objects.visible_to(user)


# --- tickets ---------------------------------------------------------------------------------


class TicketFilter(filters.FilterSet):
    updated_after = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    tag = filters.CharFilter(field_name="tags__name")

    class Meta:
        model = Ticket
        fields = ["status", "priority", "team", "assignee", "customer", "channel", "sla_state"]


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.TicketSerializer
    filterset_class = TicketFilter
    ordering_fields = ["id", "created_at", "updated_at", "priority", "sla_due"]

    def visible(self, user):
        return _visible_tickets(user).prefetch_related("tags")

    def get_object(self):
        return access_ticket(self.request.user, self.kwargs["pk"])

    @extend_schema(request=s.TicketCreate, responses={201: s.TicketSerializer})
    def create(self, request):
        """A ticket opened by an agent for a customer they can see (do_create_ticket)."""

        def produce():
            data = _valid(s.TicketCreate, request)
            customer = _visible_customer(request.user, data["customer"])
            team = data.get("team")
            _check_team(request.user, team)
            ticket = ticket_actions.do_create_ticket(
                customer=customer,
                subject=data["subject"],
                channel=Channel.API,
                actor=request.user,
                team=team or _own_team(request.user),
                priority=data.get("priority"),
            )
            return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

        return idempotent(request, produce)

    @extend_schema(request=s.TicketUpdate, responses=s.TicketSerializer)
    def partial_update(self, request, pk=None):
        """Change status, priority, team, assignee, tags or summary, each by its action."""
        data = _valid(s.TicketUpdate, request)
        with transaction.atomic():
            self._update(access_ticket(request.user, pk, for_update=True), data)
        return Response(s.TicketSerializer(access_ticket(request.user, pk)).data)

    def _update(self, ticket: Ticket, data: dict) -> None:
        user = self.request.user
        if "team" in data or "assignee" in data:
            _run(
                ticket_actions.check_assign,
                ticket,
                team=data.get("team"),
                assignee=data.get("assignee", ticket.assignee),
                actor=user,
            )
        if "status" in data:
            _run(
                ticket_actions.check_change_status,
                ticket,
                data["status"],
                actor=user,
                confirm_unhappy=data["confirm_unhappy"],
            )
        if "priority" in data:
            ticket_actions.do_set_priority(ticket, data["priority"], actor=user)
        if "tags" in data:
            ticket_actions.do_set_tags(ticket, data["tags"], actor=user)
        if "summary" in data:
            ticket_actions.do_set_summary(ticket, data["summary"], actor=user)

    @extend_schema(methods=["GET"], responses=s.MessageSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.ReplyInput, responses={201: s.MessageSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=s.MessageSerializer,
        filter_backends=[],
    )
    # `**_suffix`: the router's ".json" twins of these routes pass `format` (found by the
    # permission matrix walk, docs/permissions.md: /tickets/1/events.json was a 500).
    def messages(self, request, pk=None, **_suffix):
        """The ticket's messages; POST sends an agent's reply (check_reply, then the outbox)."""
        ticket = access_ticket(request.user, pk)
        if request.method == "GET":
            return self._page(Message.objects.filter(ticket=ticket), s.MessageSerializer)

        def produce():
            data = _valid(s.ReplyInput, request)
            message = _run(
                ticket_actions.check_reply,
                access_ticket(request.user, pk, for_update=True),
                author=request.user,
                body_text=data["body_text"],
                status_after=data.get("status_after"),
                confirm_unhappy=data["confirm_unhappy"],
            )
            return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)

        return idempotent(request, produce)

    @extend_schema(methods=["GET"], responses=s.NoteSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.NoteInput, responses={201: s.NoteSerializer})
    @action(
        detail=True, methods=["get", "post"], serializer_class=s.NoteSerializer, filter_backends=[]
    )
    def notes(self, request, pk=None, **_suffix):
        """Internal notes (TR3); POST adds one (check_add_note)."""
        ticket = access_ticket(request.user, pk)
        if request.method == "GET":
            return self._page(Note.objects.filter(ticket=ticket), s.NoteSerializer)

        def produce():
            data = _valid(s.NoteInput, request)
            note = _run(
                ticket_actions.check_add_note, ticket, author=request.user, body=data["body"]
            )
            return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)

        return idempotent(request, produce)

    @extend_schema(responses=s.EventSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=s.EventSerializer, filter_backends=[])
    def events(self, request, pk=None, **_suffix):
        """The ticket's event log (TR2)."""
        ticket = access_ticket(request.user, pk)
        return self._page(Event.objects.filter(ticket=ticket), s.EventSerializer)

    def _page(self, qs, serializer):
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(serializer(page, many=True).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _own_team(user) -> Team | None:
    """A new ticket of an agent lands in one of their teams, so that they can see it."""
    default = ticket_actions.default_team()
    if user.sees_all_teams or (default is not None and default.pk in user.team_ids):
        return default
    return Team.objects.filter(pk__in=user.team_ids).order_by("id").first()


def _check_team(user, team) -> None:
    if team is not None and not user.sees_all_teams and team.pk not in user.team_ids:
        raise exceptions.PermissionDenied(_("You can only use your own teams."))


def _visible_customer(user, pk: int) -> Customer:
    customer = visible_customers(user).filter(pk=pk).first()
    if customer is None:
        raise exceptions.ValidationError({"customer": [_("No such customer.")]})
    return customer


# --- inbound messages (the one intake path) --------------------------------------------------


class InboundViewSet(ApiViewSet):
    serializer_class = s.InboundInput

    @extend_schema(
        request=s.InboundInput,
        responses={
            200: OpenApiResponse(s.MessageSerializer, "This external_id was stored before."),
            201: s.MessageSerializer,
            202: OpenApiResponse(
                s.InboundStored, "Stored; the worker takes it in (deferred intake)."
            ),
        },
    )
    def create(self, request):
        """A customer's message on the `api` channel, through intake (CH1, TR1): stored first,
        matched to one customer, threaded onto the ticket it continues or opened as a new one.
        The same `external_id` is stored once."""

        def produce():
            data = _valid(s.InboundInput, request)
            user = request.user
            ticket_id = data.get("ticket")
            if ticket_id is not None:
                access_ticket(user, ticket_id)  # 404 for a ticket the caller cannot see
            team = data.get("team")
            _check_team(user, team)
            team = team or _own_team(user)
            # External ids are the caller's: scoped per user so that one integration cannot
            # collide with (or read back) another's messages.
            external_id = data.get("external_id") or ""
            if not external_id and request.headers.get("Idempotency-Key"):
                external_id = "idem:" + request.headers["Idempotency-Key"].strip()[:190]
            receipt = do_receive(
                InboundMessage(
                    channel=Channel.API,
                    sender=data["sender"],
                    sender_kind=data["sender_kind"],
                    sender_name=data.get("sender_name", ""),
                    subject=data.get("subject", ""),
                    body_text=data["body_text"],
                    external_id=f"u{user.pk}:{external_id}" if external_id else "",
                    ticket_id=ticket_id,
                    team_id=team.pk if team else None,
                    language=data.get("language", ""),
                )
            )
            message = receipt.message
            if message is None:  # deferred intake, or quarantined: stored, not yet a message
                return Response(
                    {"stored": receipt.raw.pk, "state": receipt.raw.state},
                    status=status.HTTP_202_ACCEPTED,
                )
            if not _visible_tickets(user).filter(pk=message.ticket_id).exists():
                raise Http404
            code = status.HTTP_200_OK if receipt.duplicate else status.HTTP_201_CREATED
            return Response(s.MessageSerializer(message).data, status=code)

        return idempotent(request, produce, atomic=False)


# --- read-only lists -------------------------------------------------------------------------


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.MessageSerializer
    filterset_fields = ["ticket", "direction", "channel", "customer"]
    ordering_fields = ["id", "created_at"]

    def visible(self, user):
        return Message.objects.filter(ticket__in=_visible_tickets(user))


class NoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.NoteSerializer
    filterset_fields = ["ticket", "author"]
    ordering_fields = ["id", "created_at"]

    def visible(self, user):
        return Note.objects.filter(ticket__in=_visible_tickets(user))


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The event log of the tickets and customers the caller can see (TR2)."""

    serializer_class = s.EventSerializer
    filterset_fields = ["ticket", "customer", "kind"]
    ordering_fields = ["id", "created_at"]

    def visible(self, user):
        qs = Event.objects.all()
        if user.sees_all_teams:
            return qs
        # Ticket events by the ticket's team; profile events (no ticket) of customers with a
        # ticket in the agent's teams (visible_customers' rule), as one list
        # subquery (SQLite ran a correlated EXISTS per row: 4x slower).
        teams = user.team_ids
        return qs.filter(
            Q(ticket__team_id__in=teams)
            | Q(
                ticket=None,
                customer_id__in=Ticket.objects.filter(team_id__in=teams).values("customer_id"),
            )
        )


class CustomerFilter(filters.FilterSet):
    identity = filters.CharFilter(method="by_identity", help_text="An identity's exact value.")

    class Meta:
        model = Customer
        fields = ["kind", "organisation", "language"]

    def by_identity(self, qs, name, value):
        return qs.filter(
            Exists(Identity.objects.filter(customer=OuterRef("pk"), value=value.strip().lower()))
        )


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["id", "created_at", "updated_at", "name"]

    def visible(self, user):
        return visible_customers(user).prefetch_related("identities")

    @extend_schema(request=s.IdentityInput, responses={201: s.IdentitySerializer})
    @action(
        detail=True, methods=["post"], serializer_class=s.IdentitySerializer, filter_backends=[]
    )
    def identities(self, request, pk=None, **_suffix):
        """Add an identity to the customer (do_add_identity; a taken value is a 400)."""
        customer = self.get_object()

        def produce():
            data = _valid(s.IdentityInput, request)
            identity = _run(
                do_add_identity, customer, data["kind"], data["value"], actor=request.user
            )
            return Response(s.IdentitySerializer(identity).data, status=status.HTTP_201_CREATED)

        return idempotent(request, produce)


class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.OrganisationSerializer
    filterset_fields = ["name"]
    ordering_fields = ["id", "name"]

    def visible(self, user):
        if user.sees_all_teams:
            return Organisation.objects.all()
        return Organisation.objects.filter(
            Exists(visible_customers(user).filter(organisation=OuterRef("pk")))
        )


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.TeamSerializer
    queryset = Team.objects.all()
    ordering_fields = ["id", "name"]

    def visible(self, user):
        # A partner-team agent (MG5) sees their own teams only (docs/permissions.md).
        return self.queryset.filter(pk__in=user.team_ids) if user.is_partner else self.queryset


class _IdsField(filter_fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        # A number the database cannot hold is no id (the fuzzer's -7560599314066587342408…
        # made SQLite raise OverflowError, a 500): refused like any unknown choice.
        for each in value:
            if not re.fullmatch(r"[0-9]{1,18}", str(each)):
                raise DjangoValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": each},
                )
        return super()._check_values(value)


class _IdsFilter(filters.ModelMultipleChoiceFilter):
    field_class = _IdsField


class AgentFilter(filters.FilterSet):
    teams = _IdsFilter(queryset=Team.objects.all())

    class Meta:
        model = User
        fields = ["role", "teams"]


class AgentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.AgentSerializer
    queryset = User.objects.filter(is_active=True).prefetch_related("teams")
    filterset_class = AgentFilter
    ordering_fields = ["id", "username"]

    def visible(self, user):
        # A partner-team agent (MG5) sees the members of their own teams only.
        if user.is_partner:
            return self.queryset.filter(teams__in=user.team_ids).distinct()
        return self.queryset.all()


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.ArticleSerializer
    filterset_fields = ["status", "visibility", "team", "category"]
    ordering_fields = ["id", "updated_at", "created_at"]

    def visible(self, user):
        return visible_articles(user).prefetch_related(
            Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language"))
        )

    @extend_schema(request=s.ArticleDraftInput, responses={201: s.ArticleSerializer})
    def create(self, request):
        """A draft article (do_create_article); publishing stays a supervisor's step in the UI."""

        def produce():
            data = _valid(s.ArticleDraftInput, request)
            _check_team(request.user, data.get("team"))
            article = do_create_article(
                request.user,
                language=data["language"],
                title=data["title"],
                body=data["body"],
                visibility=data["visibility"],
                team=data.get("team"),
            )
            article = self.get_queryset().get(pk=article.pk)
            return Response(s.ArticleSerializer(article).data, status=status.HTTP_201_CREATED)

        return idempotent(request, produce)


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.ReviewSerializer
    filterset_fields = ["negative", "ticket", "customer", "rating"]
    ordering_fields = ["id", "received_at"]

    def visible(self, user):
        return visible_reviews(user).select_related("source")


class PurchaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.PurchaseSerializer
    filterset_fields = ["customer", "sku", "category"]
    ordering_fields = ["id", "purchased_at"]

    def visible(self, user):
        return Purchase.objects.filter(customer__in=visible_customers(user))
