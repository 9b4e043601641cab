"""schemathesis hooks of the end-to-end suite (loaded through SCHEMATHESIS_HOOKS).

Some inputs are opaque tokens that only the API writes; their OpenAPI schema can state their
alphabet, not which strings are valid, so a generated one is almost never valid, and the
documented rejection of it is accepted here (ST202, "schema-valid request rejected"):

- a list's `cursor` (the `next_cursor` of a page): a 422 whose every error is about the cursor,
  for a request that sent one;
- the `token` of an email link (verify-email, reset-password): a 400 saying the link is invalid,
  expired or used (400, not 401: a frontend's "signed out" handling must not take a stale link
  for a stale session).

Every other rejection of schema-valid input, and every other check (a server error above all),
still fails the run.
"""

from typing import Any

import schemathesis

EMAIL_LINK_OPERATIONS = ("/auth/verify-email", "/auth/reset-password")
INVALID_LINK = "This link is invalid, expired or already used"


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    if getattr(failure, "code", None) != "ST202":
        return True
    if "cursor" in (case.query or {}):
        return not _rejects_the_cursor(response)
    if case.path.endswith(EMAIL_LINK_OPERATIONS):
        return not _rejects_the_link(response)
    return True


def _detail(response: Any) -> Any:
    try:
        return response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return None


def _rejects_the_cursor(response: Any) -> bool:
    errors = _detail(response) if response.status_code == 422 else None
    if not isinstance(errors, list):
        return False
    about_cursor = [isinstance(e, dict) and "cursor" in str(e.get("msg", "")) for e in errors]
    return bool(about_cursor) and all(about_cursor)


def _rejects_the_link(response: Any) -> bool:
    detail = _detail(response)
    return response.status_code == 400 and isinstance(detail, str) and detail.startswith(INVALID_LINK)
