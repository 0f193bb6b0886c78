"""WebSocket routes of the chat widget (included by rapport/realtime/routing.py)."""

from django.urls import path  # noqa: F401

websocket_urlpatterns: list = []
