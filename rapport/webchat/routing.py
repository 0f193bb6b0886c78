"""WebSocket routes of the chat widget (included by rapport/realtime/routing.py)."""

from django.urls import path

from .consumers import VisitorConsumer

websocket_urlpatterns: list = [
    path("ws/chat/<str:key>/", VisitorConsumer.as_asgi()),
]
