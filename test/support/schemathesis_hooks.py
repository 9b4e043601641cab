"""schemathesis hooks of the end-to-end suite (loaded through SCHEMATHESIS_HOOKS).

A list's `cursor` is an opaque token that only the API writes: the `next_cursor` of a page. Its
OpenAPI schema can state its alphabet, not which strings are cursors, so a generated one is almost
never valid, and the documented answer to it is a 422. Only that rejection is accepted: a 422 whose
every error is about the cursor, for a request that sent one. Every other rejection of schema-valid
input, and every other check (a server error above all), still fails the run.
"""

from typing import Any

import schemathesis


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    if getattr(failure, "code", None) != "ST202" or "cursor" not in (case.query or {}):
        return True
    if response.status_code != 422:
        return True
    try:
        errors = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return True
    about_cursor = [isinstance(e, dict) and "cursor" in str(e.get("msg", "")) for e in errors]
    return not (about_cursor and all(about_cursor))
