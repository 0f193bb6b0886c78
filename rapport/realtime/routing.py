"""Every WebSocket route, gathered here for rapport/asgi.py."""

from django.urls import path  # noqa: F401

from rapport.webchat.routing import websocket_urlpatterns as webchat_routes

websocket_urlpatterns: list = [*webchat_routes]
