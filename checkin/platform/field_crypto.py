"""Encryption at rest of the most sensitive columns (phone numbers), with the key from
settings (FIELD_KEY, FIELD_CIPHER), and the keyed blind index that lets a number still be
looked up once its column holds only ciphertext.

A stored value is `enc:<algorithm tag>:` + base64(nonce ‖ ciphertext ‖ tag): AES-256-GCM
(`a1`, a 32-byte key) or SM4-GCM (`s1`, GB/T 32907, a 16-byte key), both authenticated,
with the column's name as associated data (a value copied into another column does not
decrypt). A value without the prefix is plain text (written before encryption was turned
on, or by `flask decrypt-fields`) and is read as it is, so a database can be encrypted in
chunks while it serves. Without a key, nothing is encrypted: a deployment that never sets
FIELD_KEY stores what it stored before.

Wrong key or no key for an encrypted value: `FieldKeyError`, never garbage on a page.
`cryptography` is imported only when a key is set.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context

PREFIX = "enc:"
TAGS = {"aes-256-gcm": "a1", "sm4-gcm": "s1"}
KEY_BYTES = {"aes-256-gcm": 32, "sm4-gcm": 16}
# The blind index's hash follows the cipher: HMAC-SM3 beside SM4 (GB/T 39786 wants the
# commercial algorithms throughout), HMAC-SHA-256 beside AES.
INDEX_HASH = {"aes-256-gcm": "sha256", "sm4-gcm": "sm3"}
NONCE_BYTES = 12
NOT_DIGITS = re.compile(r"\D")


class FieldKeyError(RuntimeError):
    """The stored numbers cannot be read with the settings given (wrong or missing key)."""


@dataclass(frozen=True)
class FieldCipher:
    algorithm: str
    key: bytes

    @property
    def tag(self) -> str:
        return TAGS[self.algorithm]

    def encrypt(self, text: str, column: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = _seal(self.algorithm, self.key, nonce, text.encode(), column.encode())
        return f"{PREFIX}{self.tag}:" + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, column: str) -> str:
        tag, _, body = stored.removeprefix(PREFIX).partition(":")
        if tag != self.tag:
            raise FieldKeyError(f"{column} holds a value sealed with another cipher ({tag}); "
                                f"FIELD_CIPHER is {self.algorithm}")
        try:
            raw = base64.b64decode(body, validate=True)
            plain = _open(self.algorithm, self.key, raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                          column.encode())
        except (binascii.Error, ValueError) as exc:
            raise FieldKeyError(f"{column} does not decrypt with FIELD_KEY: wrong key, or "
                                "the value was altered") from exc
        return plain.decode()

    def blind_index(self, number: str) -> str:
        """A keyed digest of the number's digits: equal numbers, equal index; the index
        alone tells nothing without the key."""
        index_key = hmac.new(self.key, b"checkin blind index v1",
                             INDEX_HASH[self.algorithm]).digest()
        digits = NOT_DIGITS.sub("", number)
        return hmac.new(index_key, digits.encode(), INDEX_HASH[self.algorithm]).hexdigest()


def current() -> FieldCipher | None:
    """The running app's cipher (None without FIELD_KEY or outside an app)."""
    if not has_app_context():
        return None
    cipher: FieldCipher | None = current_app.extensions.get("checkin_field_cipher")
    return cipher


def index_of(number: str | None) -> str | None:
    """The blind index to store beside a number, or None (no key, or no number)."""
    cipher = current()
    return cipher.blind_index(number) if cipher is not None and number else None


def is_sealed(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX)


def from_settings(key: str, algorithm: str) -> FieldCipher | None:
    """The cipher the settings ask for, or None without a key; a bad setting is refused
    (the service does not start)."""
    if not key:
        return None
    algorithm = (algorithm or "aes-256-gcm").strip().lower()
    if algorithm not in TAGS:
        raise ValueError(f"FIELD_CIPHER must be one of {', '.join(TAGS)}, not {algorithm!r}")
    try:
        raw = base64.b64decode(key.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError("FIELD_KEY must be base64") from exc
    if len(raw) != KEY_BYTES[algorithm]:
        raise ValueError(f"FIELD_KEY must be {KEY_BYTES[algorithm]} bytes (base64) for "
                         f"{algorithm}, not {len(raw)}")
    if algorithm == "sm4-gcm" and "sm3" not in hashlib.algorithms_available:
        raise ValueError("sm4-gcm needs SM3 in this Python's OpenSSL for the blind index")
    _seal(algorithm, raw, bytes(NONCE_BYTES), b"", b"")  # the library is there and works
    return FieldCipher(algorithm, raw)


def new_key(algorithm: str = "aes-256-gcm") -> str:
    return base64.b64encode(os.urandom(KEY_BYTES[algorithm])).decode()


def _seal(algorithm: str, key: bytes, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
    if algorithm == "aes-256-gcm":
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(key).encrypt(nonce, plain, aad)
    encryptor = _sm4(key, nonce, None).encryptor()
    encryptor.authenticate_additional_data(aad)
    body: bytes = encryptor.update(plain) + encryptor.finalize()
    return body + encryptor.tag


def _open(algorithm: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag

    try:
        if algorithm == "aes-256-gcm":
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            return AESGCM(key).decrypt(nonce, sealed, aad)
        if len(sealed) < 16:
            raise ValueError("too short")
        decryptor = _sm4(key, nonce, sealed[-16:]).decryptor()
        decryptor.authenticate_additional_data(aad)
        plain: bytes = decryptor.update(sealed[:-16]) + decryptor.finalize()
        return plain
    except InvalidTag as exc:
        raise ValueError("authentication failed") from exc


def _sm4(key: bytes, nonce: bytes, tag: bytes | None) -> Any:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    return Cipher(algorithms.SM4(key), modes.GCM(nonce, tag))
