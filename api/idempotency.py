"""The `Idempotency-Key` header (the IETF httpapi draft) on every POST, PUT and PATCH.

The middleware reads the key and takes a digest of the request as it arrives: method, path,
query, If-Match and body. Once the caller is known (`claim_for`, called when the signed-in user
is resolved), the key is claimed for that user, or the request is answered from it:
- the same key and the same request, done before: the first answer again (status, headers,
  body; plus `Idempotent-Replayed: true`), and nothing new is recorded;
- the same key with a different request: 422;
- the same key while its first request is still being served: 409 with Retry-After.
When the command saves, the key is marked done in the transaction of its events
(`application.idempotency`); the middleware then keeps the answer the client is about to get.
A request that saves nothing (refused, or one that records nothing, like signing in) lets its
claim go, so sending it again runs it again. Requests without a signed-in user ignore the key.
"""

from __future__ import annotations

import re
from typing import Any

from anyio import to_thread
from eventsourcing.domain import Aggregate
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import prefer
from api.errors import problem
from api.openapi import amend_document
from application import idempotency
from application.access.principal import Principal
from infrastructure.idempotency import Answer, Done, IdempotencyKeys, KeyInUse, KeyReused, KeyTakenOver

HEADER = "Idempotency-Key"
METHODS = frozenset({"POST", "PUT", "PATCH"})
# A key is 1 to 255 visible ASCII characters, optionally quoted as a structured-field string.
_KEY = re.compile(r'^(?:"([\x21\x23-\x7e]{1,255})"|([\x21\x23-\x7e]{1,255}))$')
KEEP_LIMIT = 1024 * 1024  # answers larger than this are not kept (a retry gets the record as written)
NOT_KEPT = frozenset({b"date", b"server", b"content-length", b"x-request-id", b"connection", b"set-cookie"})

DOCUMENTED = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"},
    "description": (
        "Makes retrying safe: a unique value per intended change (a UUID). Sent again with the same "
        "request, the first answer comes back and nothing new is recorded; with a different request: 422; "
        "while the first is still being served: 409 with Retry-After. Kept per user for "
        "`YOUTHCARE_IDEMPOTENCY_KEEP_HOURS` (24 by default)."
    ),
}


class Replay(Exception):
    """Answer with what the key's first request got."""

    def __init__(self, done: Done) -> None:
        super().__init__("answered from an Idempotency-Key")
        self.done = done


class IdempotencyMiddleware:
    """Reads the key and digests the request; keeps the answer of a request that saved, and lets
    the claim of one that did not go."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS or scope["path"].startswith("/ui/"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw = headers.get(HEADER.lower().encode())
        if raw is None:
            await self.app(scope, receive, send)
            return
        matched = _KEY.match(raw.decode("latin-1"))
        if matched is None:
            await _bad_key(scope, receive, send)
            return
        asked = idempotency.Request(key=matched.group(1) or matched.group(2))
        for part in (scope["method"], scope["path"], scope.get("query_string", b""), headers.get(b"if-match", b"")):
            asked.asked.update(part if isinstance(part, bytes) else part.encode())
            asked.asked.update(b"\0")

        async def digesting() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                asked.asked.update(message.get("body", b""))
            return message

        answer = _Held(send)
        keys = _keys(scope["app"])
        with idempotency.carrying(asked):
            try:
                await self.app(scope, digesting, answer.hold)
            finally:
                claim = asked.claim
                if keys is not None and claim is not None:
                    await to_thread.run_sync(_settle, keys, claim, answer)
        await answer.flush()


def _settle(keys: IdempotencyKeys, claim: idempotency.Claim, answer: _Held) -> None:
    """After the command: keep a success's answer; let the key go when nothing was saved, or when
    the answer says the command failed after saving (an erasure that could not finish asks to be
    sent again), so a retry runs again. A request that saved and then broke off unanswered keeps
    its key done: a retry gets the record as it was written."""
    if claim.wrote is None:
        keys.release(claim)
    elif answer.complete and 200 <= answer.status < 300:
        if len(answer.body) <= KEEP_LIMIT:
            keys.keep_answer(claim, answer.whole())
    elif answer.complete:
        keys.release(claim)


class _Held:
    """The answer held back until the key has kept it, so no client has an answer that a retry
    would not get again."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.messages: list[Message] = []
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.complete = False

    async def hold(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
            self.complete = not message.get("more_body", False)

    def whole(self) -> Answer:
        kept = {name.decode("latin-1"): value.decode("latin-1") for name, value in self.headers if name not in NOT_KEPT}
        return Answer(status=self.status, headers=kept, body=bytes(self.body))

    async def flush(self) -> None:
        for message in self.messages:
            await self.send(message)


async def _bad_key(scope: Scope, receive: Receive, send: Send) -> None:
    message = f"{HEADER} is 1 to 255 visible ASCII characters (a UUID will do)"
    refused = problem(
        422,
        "Invalid input",
        message,
        code="bad_idempotency_key",
        rule="bad_idempotency_key",
        errors=[{"field": HEADER, "message": message, "type": "bad_idempotency_key"}],
    )
    await refused(scope, receive, send)


def _keys(app: Any) -> IdempotencyKeys | None:
    keys: IdempotencyKeys | None = getattr(getattr(app.state, "youthcare", None), "idempotency_keys", None)
    return keys


def claim_for(request: Request, principal: Principal) -> None:
    """Claim the request's key for its user, once the user is known; or answer from it (Replay)."""
    asked = idempotency.current()
    if asked is None or asked.claim is not None or asked.replayed:
        return
    keys = _keys(request.app)
    if keys is None:
        return
    outcome = keys.claim(principal.user_id, asked.key, asked.digest)
    if isinstance(outcome, Done):
        asked.replayed = True
        raise Replay(outcome)
    asked.claim = outcome


def _replay(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    done = exc.done
    if done.answer is not None:
        headers = {**done.answer.headers, "Idempotent-Replayed": "true"}
        return Response(done.answer.body, status_code=done.answer.status, headers=headers)
    # The answer was not kept: the record as the first request wrote it (or, preferred minimal, what was written).
    route = request.scope.get("route")
    status = getattr(route, "status_code", None) or 200
    headers = {"ETag": f'"{done.version}"', "Idempotent-Replayed": "true"}
    if status == 201:
        headers["Location"] = f"{request.url.path}/{done.record_id}"
    if prefer.minimal():
        headers[prefer.APPLIED] = prefer.MINIMAL
        body = prefer.minimal_body(done.record_id, done.version, done.position, None, None)
        return JSONResponse(body, status_code=status, headers=headers)
    record = request.app.state.youthcare.read_record(Aggregate, done.record_id, version=done.version)
    return JSONResponse({**record, "position": done.position}, status_code=status, headers=headers)


def _reused(_: Request, exc: Exception) -> JSONResponse:
    return problem(
        422,
        "Idempotency-Key reused",
        str(exc),
        code="idempotency_key_reused",
        rule="idempotency_key_reused",
        errors=[{"field": HEADER, "message": str(exc), "type": "idempotency_key_reused"}],
    )


def _in_use(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KeyInUse)
    return problem(
        409,
        "Idempotency-Key in use",
        str(exc),
        code="idempotency_key_in_use",
        rule="idempotency_key_in_use",
        headers={"Retry-After": str(exc.retry_after)},
    )


def _taken_over(_: Request, exc: Exception) -> JSONResponse:
    return problem(409, "Idempotency-Key taken over", str(exc), code="idempotency_key_taken_over")


def install(app: FastAPI) -> None:
    """The middleware (innermost, so it sees the body as the routes do), the answers, and the
    header in the OpenAPI document. Call after `api.errors.install`, which makes the document."""
    app.add_middleware(IdempotencyMiddleware)
    app.add_exception_handler(Replay, _replay)
    app.add_exception_handler(KeyReused, _reused)
    app.add_exception_handler(KeyInUse, _in_use)
    app.add_exception_handler(KeyTakenOver, _taken_over)
    amend_document(app, document)


def document(document: dict[str, Any]) -> None:
    """Name the header on every POST, PUT and PATCH of the API in the OpenAPI document."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method.upper() in METHODS and not path.startswith("/auth/"):
                operation.setdefault("parameters", []).append(dict(DOCUMENTED))
