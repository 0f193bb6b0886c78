"""ASGI entry point: HTTP now; WebSocket routes join here through Django Channels."""

import os
import warnings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

# WhiteNoise serves static files from a synchronous iterator; Django adapts it and warns on
# every file. The files are small and cached by browsers: the adaptation is fine here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")

django_asgi_app = get_asgi_application()

application = ProtocolTypeRouter({"http": django_asgi_app})
