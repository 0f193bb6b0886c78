"""What the API shows and accepts (docs/api.md). Output serializers are read-only model
serializers; input serializers only validate — every write goes through an action (views.py)."""

from __future__ import annotations

from rest_framework import serializers

from rapport.accounts.models import Team, User
from rapport.customers.models import Customer, Identity, Organisation
from rapport.followups.models import Purchase
from rapport.kb.models import Article, ArticleTranslation, Language, Visibility
from rapport.lib.channels import IdentityKind
from rapport.reviews.models import Review
from rapport.tickets.models import Event, Message, Note, Priority, Status, Ticket

from .models import ApiToken


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "is_default"]


class AgentSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    teams = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "language", "time_zone", "teams"]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "notes", "created_at"]


class IdentitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Identity
        fields = ["id", "kind", "value", "created_at"]


class IdentityInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IdentityKind.choices)
    value = serializers.CharField(max_length=255)


class CustomerSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "kind",
            "organisation",
            "language",
            "preferred_channel",
            "birthday",
            "notes",
            "identities",
            "created_at",
            "updated_at",
        ]


class TicketSerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "subject",
            "customer",
            "channel",
            "status",
            "priority",
            "team",
            "assignee",
            "tags",
            "summary",
            "merged_into",
            "created_at",
            "updated_at",
            "first_response_at",
            "solved_at",
            "closed_at",
            "sla_state",
            "sla_due",
        ]


class TicketUpdate(serializers.Serializer):
    """A change to a ticket: each given field goes through its action (check_change_status,
    do_set_priority, check_assign, do_set_tags, do_set_summary)."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    confirm_unhappy = serializers.BooleanField(required=False, default=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
    )
    summary = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class InboundInput(serializers.Serializer):
    """A customer's message, delivered through the one intake path on the `api` channel."""

    sender = serializers.CharField(max_length=255, help_text="The customer's address or id.")
    sender_kind = serializers.ChoiceField(
        choices=IdentityKind.choices, default=IdentityKind.API, required=False
    )
    sender_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True)
    body_text = serializers.CharField(max_length=200_000)
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Your id of this message: the same id is stored once.",
    )
    ticket = serializers.IntegerField(
        required=False, help_text="The ticket this message continues (one you can see)."
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, help_text="Team of a new ticket."
    )
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)


class InboundStored(serializers.Serializer):
    """The answer under deferred intake: the message is stored, not yet taken in."""

    stored = serializers.IntegerField(help_text="The stored raw message's id.")
    state = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = [
            "id",
            "ticket",
            "direction",
            "channel",
            "customer",
            "author",
            "subject",
            "body_text",
            "body_html",
            "auto",
            "external_id",
            "created_at",
        ]


class ReplyInput(serializers.Serializer):
    body_text = serializers.CharField(max_length=200_000)
    status_after = serializers.ChoiceField(choices=Status.choices, required=False)
    confirm_unhappy = serializers.BooleanField(required=False, default=False)


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "ticket", "author", "body", "created_at"]


class NoteInput(serializers.Serializer):
    body = serializers.CharField(max_length=20000)


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "ticket", "customer", "actor", "kind", "before", "after", "created_at"]


class TranslationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleTranslation
        fields = ["language", "title", "body"]


class ArticleSerializer(serializers.ModelSerializer):
    translations = TranslationSerializer(many=True, read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "category",
            "status",
            "visibility",
            "team",
            "translations",
            "created_at",
            "updated_at",
            "published_at",
        ]


class ArticleDraftInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=50000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )


class ReviewSerializer(serializers.ModelSerializer):
    source = serializers.StringRelatedField()

    class Meta:
        model = Review
        fields = [
            "id",
            "source",
            "external_id",
            "rating",
            "text",
            "author",
            "url",
            "posted_at",
            "language",
            "received_at",
            "ticket",
            "customer",
            "mood",
            "negative",
            "due_at",
            "reply_text",
            "replied_at",
        ]


class PurchaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purchase
        fields = [
            "id",
            "customer",
            "external_id",
            "product",
            "sku",
            "category",
            "quantity",
            "amount",
            "currency",
            "purchased_at",
            "source",
        ]


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]


class TicketCreate(serializers.Serializer):
    customer = serializers.IntegerField()
    subject = serializers.CharField(max_length=255)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
