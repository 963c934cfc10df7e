"""A bound on request bodies, kept before anything reads them whole.

A body whose `Content-Length` is over the limit is refused without reading a byte of it; one
sent without a length (chunked) is counted as it arrives and refused the moment the count
passes the limit, so a 100 MB upload costs the server at most the limit and a chunk, not
100 MB. Either way the answer closes the connection: the rest of the body is never read,
so the connection cannot carry another request.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """The body passed the limit. Raised from `receive`, so whoever reads the body meets it: the
    API's error handlers answer 413 problem+json, the pages their own 413 page."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes")
        self.limit = limit


Refusal = Callable[[Request, BodyTooLarge], Response]


class BodyLimit:
    """ASGI middleware: no request body over `limit` bytes is read. `refuse` makes the answer to
    a body declared too large, which is refused before the app sees the request."""

    def __init__(self, app: ASGIApp, *, limit: int, refuse: Refusal) -> None:
        self.app = app
        self.limit = limit
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:  # the server refuses a malformed length itself
            answer = self.refuse(Request(scope), BodyTooLarge(self.limit))
            answer.headers["Connection"] = "close"
            await answer(scope, receive, send)
            return
        received = 0
        refused = False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    raise BodyTooLarge(self.limit)
            return message

        async def closing(message: Message) -> None:
            if refused and message["type"] == "http.response.start":
                kept = [(name, value) for name, value in message.get("headers", []) if name.lower() != b"connection"]
                message = {**message, "headers": [*kept, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, counted, closing)
