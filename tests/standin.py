"""A third-party stand-in made of a sandbox: one route's answers reshaped in-process, the
rest of the API as the sandbox serves it (for the answer shape checks' tests)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from pimflow_sandbox.server import Request, Response, SandboxServer


def reshape(
    server: SandboxServer,
    method: str,
    pattern: str,
    change: Callable[[Any, Request], Any],
) -> list[Request]:
    """Answer `method pattern` with `change(the sandbox's JSON answer, request)` from now on
    (errors pass as they are); returns the list of the requests so answered."""
    app = server.app
    (index,) = [i for i, r in enumerate(app.routes) if r.method == method and r.pattern == pattern]
    route = app.routes[index]
    seen: list[Request] = []

    def reshaped(request: Request) -> Response:
        answer = route.handler(request)
        if answer.status >= 400 or not answer.body:
            return answer
        seen.append(request)
        return Response.json(change(json.loads(answer.body), request), answer.status)

    app.routes[index] = dataclasses.replace(route, handler=reshaped)
    return seen


def as_page(items: list[Any], request: Request) -> dict[str, Any]:
    """A plain list as a paginated envelope, the way some stand-ins answer every list."""
    return {
        "_links": {"self": {"href": f"{request.base_url}{request.path}?page=1"}},
        "current_page": 1,
        "_embedded": {"items": items},
    }
