"""A user's first session through a client that openapi-python-client generated from the API's OpenAPI document.

Usage: python client_flow.py BASE_URL, with the generated package `forge_client` on the path. The API is the
crud spec's: /auth, and posts owned by their authors. Every call goes through the client's typed functions, so
the operation ids name them (auth_login, posts_create...) and its models parse every answer; undocumented
statuses raise (raise_on_unexpected_status).
"""

import sys
from http import HTTPStatus

from forge_client import AuthenticatedClient, Client
from forge_client.api.auth import auth_login, auth_register
from forge_client.api.posts import posts_create, posts_delete, posts_list, posts_read, posts_update
from forge_client.models import (
    ErrorMessage,
    HTTPValidationError,
    LoginForm,
    PostCreate,
    PostPage,
    PostRead,
    PostUpdate,
    TokenPair,
    UserCreate,
    UserRead,
)

base_url = sys.argv[1]
anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

user = auth_register.sync(
    client=anonymous,
    body=UserCreate(username="carol", email="carol@example.com", password="carol-password-1"),
)
assert isinstance(user, UserRead), user
tokens = auth_login.sync(client=anonymous, body=LoginForm(username="carol", password="carol-password-1"))
assert isinstance(tokens, TokenPair), tokens
refused = posts_list.sync_detailed(client=anonymous)  # type: ignore[arg-type]
assert refused.status_code == HTTPStatus.UNAUTHORIZED and isinstance(refused.parsed, ErrorMessage), refused

client = AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)
post = posts_create.sync(
    client=client, body=PostCreate(title="Written by a generated client", body="Hello", price="9.99")
)
assert isinstance(post, PostRead), post
assert post.author_id == user.id and post.published is False, post

page = posts_list.sync(client=client, title="Written by a generated client")
assert isinstance(page, PostPage) and page.total == 1 and page.items[0].id == post.id, page

updated = posts_update.sync(client=client, post_id=post.id, body=PostUpdate(title="Renamed by the client"))
assert isinstance(updated, PostRead) and updated.title == "Renamed by the client", updated
read = posts_read.sync(client=client, post_id=post.id)
assert isinstance(read, PostRead) and read.title == "Renamed by the client", read

invalid = posts_create.sync_detailed(client=client, body=PostCreate(title="x" * 201, body="b", price="1"))
assert invalid.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, invalid
assert isinstance(invalid.parsed, HTTPValidationError), invalid

deleted = posts_delete.sync_detailed(client=client, post_id=post.id)
assert deleted.status_code == HTTPStatus.NO_CONTENT, deleted
gone = posts_read.sync_detailed(client=client, post_id=post.id)
assert gone.status_code == HTTPStatus.NOT_FOUND and isinstance(gone.parsed, ErrorMessage), gone

print("client flow: register, login, 401, create, list, update, read, 422, delete, 404: ok")
