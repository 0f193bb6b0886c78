from rest_framework.test import APIClient

from rapport.api.actions import do_create_token
from rapport.api.models import Scope


def token_client(user, scope: str = Scope.WRITE) -> tuple[APIClient, str]:
    """An API client authenticated by a fresh token of `user`."""
    _token, raw = do_create_token(user, name="test", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client, raw
