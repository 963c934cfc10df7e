"""Signed anchors: the newest log link, its position and time, signed with Ed25519, on a schedule.

The signing key derives from the master key, so nobody with only the database can sign; the
public key is in every signed anchor and printed by `youthcare anchor --public-key`. Ship the
files of `YOUTHCARE_ANCHOR_DIR` off the machine: `youthcare verify --anchor FILE` checks the
signature, then proves the log up to that position is the one the anchor was taken from.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from application.views.verification import Anchor
from infrastructure.links import derive

logger = logging.getLogger(__name__)
FORMAT = "youthcare-signed-anchor/1"


def _signed_bytes(anchor: Anchor) -> bytes:
    body = {"format": FORMAT, "position": anchor.position, "log_link": anchor.log_link, "at": anchor.at}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


class AnchorSigner:
    def __init__(self, master: bytes) -> None:
        self._private = Ed25519PrivateKey.from_private_bytes(derive(master, b"anchor signing"))
        self.public_key = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, anchor: Anchor) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "position": anchor.position,
            "log_link": anchor.log_link,
            "at": anchor.at,
            "public_key": self.public_key,
            "signature": self._private.sign(_signed_bytes(anchor)).hex(),
        }


def open_signed(data: dict[str, Any], trusted_public_key: str | None) -> Anchor:
    """The anchor of a signed anchor file, once its signature holds (and, when given, its key is
    the trusted one); ValueError otherwise."""
    anchor = Anchor.parse(data)
    key_hex = str(data.get("public_key", ""))
    if trusted_public_key is not None and key_hex != trusted_public_key:
        raise ValueError("the anchor was signed with another key than this service's")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(
            bytes.fromhex(str(data.get("signature", ""))), _signed_bytes(anchor)
        )
    except (InvalidSignature, ValueError) as error:
        raise ValueError("the anchor's signature does not hold: it was changed or not signed by the service") from error
    return anchor


class AnchorWriter:
    """Writes a signed anchor into a folder every interval, while the projector runs."""

    def __init__(self, take: Callable[[], Anchor | None], signer: AnchorSigner, folder: Path, minutes: float) -> None:
        self._take, self._signer, self._folder, self._minutes = take, signer, folder, minutes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="youthcare-anchors", daemon=True)

    def write_once(self) -> Path | None:
        anchor = self._take()
        if anchor is None:
            return None
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"anchor-{anchor.position:012d}.json"
        path.write_text(json.dumps(self._signer.sign(anchor), indent=2) + "\n")
        return path

    def _run(self) -> None:
        while not self._stop.wait(self._minutes * 60):
            try:
                self.write_once()
            except Exception:  # noqa: BLE001 - the next turn tries again
                logger.warning("signed anchor not written", exc_info=True)

    def start(self) -> None:
        if self._minutes > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
