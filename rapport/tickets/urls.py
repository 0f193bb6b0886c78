from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/counts/", views.inbox_counts, name="inbox-counts"),
    path("inbox/saved/", views.saved_search_create, name="saved-search-create"),
    path("inbox/saved/<int:pk>/delete/", views.saved_search_delete, name="saved-search-delete"),
    path("tickets/go/", views.go_to_ticket, name="ticket-go"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket-reply"),
    path("tickets/<int:pk>/note/", views.ticket_note, name="ticket-note"),
    path("tickets/<int:pk>/update/", views.ticket_update, name="ticket-update"),
    path("tickets/<int:pk>/merge/", views.ticket_merge, name="ticket-merge"),
    path("tickets/<int:pk>/presence/", views.ticket_presence, name="ticket-presence"),
    path("tickets/<int:pk>/coach/", views.ticket_coach, name="ticket-coach"),
    path("coach/rules/", views.coach_rules, name="coach-rules"),
    path("messages/<int:pk>/split/", views.message_split, name="message-split"),
    path("messages/<int:pk>/original/", views.message_original, name="message-original"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery-resend"),
]
