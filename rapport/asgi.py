"""ASGI entry point: HTTP through Django, WebSockets through Django Channels (docs/realtime.md)."""

import asyncio
import os
import warnings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
# No persistent database connections in the ASGI server (Django's docs: "When using ASGI,
# persistent connections should be disabled"): each request's sync code runs on a thread of
# its own, so a kept connection stays open with a thread that is gone. bench/fault.py saw one
# uvicorn hold 22 idle PostgreSQL connections and requests fail with "too many clients". The
# workers (one thread each) keep theirs (settings: DB_CONN_MAX_AGE, 60 s on PostgreSQL).
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# On PostgreSQL, a pool instead (settings: DB_POOL, DB_POOL_MAX_SIZE): a request borrows an open
# connection and returns it, saving the connect (a few ms) without keeping one per thread.
os.environ.setdefault("DB_POOL", "1")

import django  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

# WhiteNoise serves static files from a synchronous iterator; Django adapts it and warns on
# every file. The files are small and cached by browsers: the adaptation is fine here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")

django.setup(set_prefix=False)

from rapport.lib.asgi_http import PooledASGIHandler  # noqa: E402

# Django's HTTP handling, each request in one hop onto a fixed set of threads that keep their
# database connections (rapport/lib/asgi_http.py; RAPPORT_HTTP_THREADS, default 8).
django_asgi_app = PooledASGIHandler()

from rapport.realtime import relay  # noqa: E402
from rapport.realtime.routing import websocket_urlpatterns  # noqa: E402

# Each consumer checks its own caller: agents by session (AuthMiddlewareStack in the agent
# routes), chat visitors by the widget's origin allow-list and their visitor token.
router = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns)}
)


async def application(scope, receive, send):
    """The router, plus ASGI lifespan: at startup this process becomes the one that serves
    browsers, and (without Redis) starts tailing the relay table for events raised by the
    workers (rapport/realtime/relay.py)."""
    if scope["type"] != "lifespan":
        return await router(scope, receive, send)
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await relay.start()
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await relay.stop()
            await asyncio.get_running_loop().run_in_executor(None, django_asgi_app.threads.close)
            await send({"type": "lifespan.shutdown.complete"})
            return
