"""Every WebSocket route, gathered here for rapport/asgi.py."""

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from rapport.webchat.routing import websocket_urlpatterns as webchat_routes

from .consumers import AgentConsumer

# Agents: the session cookie (AuthMiddlewareStack), and only from our own pages — a page on
# another origin cannot ride an agent's cookie (cross-site WebSocket hijacking).
agent_routes: list = [
    path(
        "ws/agent/",
        AllowedHostsOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi())),
    ),
]

websocket_urlpatterns: list = [*agent_routes, *webchat_routes]
