"""Every WebSocket route, gathered here for rapport/asgi.py."""

from django.urls import path  # noqa: F401

websocket_urlpatterns: list = []
