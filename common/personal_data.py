"""Personal data at rest: identity numbers encrypted, and a blind index to find them.

The one home of the portal's cryptography (issue 14). Everything else calls four
functions and never touches a key:

- ``encrypt(kind, value)`` gives a self-describing token, ``fq1:<cipher>:<key id>:<data>``,
  with an authenticated cipher: AES-256-GCM (``aes``, the default) or SM4-GCM (``sm4``,
  GB/T 32907 in the GCM mode of GB/T 36624 / RFC 8998) as
  ``FENGQIAO_PERSONAL_DATA_CIPHER`` says. The key is the current one of
  ``FENGQIAO_PERSONAL_DATA_KEYS``; its id travels with the value, so older keys keep
  decrypting what they wrote until ``rotate_personal_data_key`` has re-encrypted it.
  The kind (``id_number``, ``mobile``) and the header are authenticated too: a value
  moved to another column, or given another key id, no longer decrypts.
- ``decrypt(kind, token)`` gives the value back, or raises ``PersonalDataError``: a wrong
  key, a changed byte, an unknown key id all fail loudly, never as wrong data.
- ``blind_index(kind, value)``: a keyed hash of the normalised value (HMAC-SHA256, or
  HMAC-SM3 with ``sm4``) under a key of its own, ``FENGQIAO_PERSONAL_DATA_INDEX_KEY``.
  Equal numbers give equal indexes, however they were typed, so "find by ID number" is
  one lookup of an indexed column; without the key the index says nothing about the
  number. Any table may keep one (a repeat check looks the same value up).
- ``stale_token_pattern()`` / ``is_current(token)``: what a rotation still has to do.

Keys never come from the database or the repository: production reads them from its
environment (and refuses to start without them); a laptop's are made once under var/.
"""

import base64
import binascii
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver

from common.validators import (
    normalise_id_number,
    normalise_mobile,
    validate_id_number,
    validate_mobile,
)

VERSION = "fq1"
CIPHERS = ("aes", "sm4")
# Bytes of a key each cipher encrypts with: AES-256, SM4's only size.
KEY_BYTES = {"aes": 32, "sm4": 16}
INDEX_KEY_MIN_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
# Hex characters of the blind index kept: 128 bits, no collision among any number of
# people, and shorter rows and index entries than the whole digest.
INDEX_LENGTH = 32
KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,32}$")

# The kinds of personal number, each with the normalisation its blind index hashes.
NORMALISERS = {
    "id_number": normalise_id_number,
    "mobile": normalise_mobile,
}


class PersonalDataError(Exception):
    """A stored value could not be decrypted: wrong key, tampered, or not ours."""


@dataclass(frozen=True)
class KeyRing:
    cipher: str
    keys: dict[str, bytes]
    current: str
    index_key: bytes

    @property
    def prefix(self) -> str:
        """What every token written now starts with."""
        return f"{VERSION}:{self.cipher}:{self.current}:"


def generate_key(cipher: str = "aes") -> str:
    """A new random key for ``cipher`` (or the index, with "index"), base64, as the
    environment holds it."""
    size = INDEX_KEY_MIN_BYTES if cipher == "index" else KEY_BYTES[cipher]
    return base64.b64encode(os.urandom(size)).decode()


def decode_key(text: str, *, name: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: the key is not valid base64.") from None


def parse_keys(text: str, *, name: str = "FENGQIAO_PERSONAL_DATA_KEYS") -> dict[str, bytes]:
    """``id:base64key,id2:base64key`` into {key id: key}."""
    keys = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"{name}: each entry must be KEYID:BASE64KEY, the key id of letters, "
                f"digits and '-' (at most 32); got {key_id!r}."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{name}: the key id {key_id!r} is listed twice.")
        keys[key_id] = decode_key(encoded, name=f"{name} ({key_id})")
    return keys


def check_key_ring(*, cipher: str, keys: dict[str, bytes], current: str, index_key: bytes):
    """Refuse a configuration that cannot work, naming the variable to fix."""
    if cipher not in CIPHERS:
        raise ImproperlyConfigured(
            f"FENGQIAO_PERSONAL_DATA_CIPHER must be one of {', '.join(CIPHERS)}; got {cipher!r}."
        )
    if not keys:
        raise ImproperlyConfigured("FENGQIAO_PERSONAL_DATA_KEYS lists no key.")
    if current not in keys:
        raise ImproperlyConfigured(
            f"FENGQIAO_PERSONAL_DATA_KEY_ID {current!r} is not among the ids of "
            f"FENGQIAO_PERSONAL_DATA_KEYS ({', '.join(keys)})."
        )
    if len(keys[current]) != KEY_BYTES[cipher]:
        raise ImproperlyConfigured(
            f"FENGQIAO_PERSONAL_DATA_KEYS: the current key {current!r} has "
            f"{len(keys[current])} bytes; {cipher} needs {KEY_BYTES[cipher]}."
        )
    if len(index_key) < INDEX_KEY_MIN_BYTES:
        raise ImproperlyConfigured(
            f"FENGQIAO_PERSONAL_DATA_INDEX_KEY must have at least {INDEX_KEY_MIN_BYTES} bytes."
        )


_ring: KeyRing | None = None
SETTINGS = (
    "FENGQIAO_PERSONAL_DATA_CIPHER",
    "FENGQIAO_PERSONAL_DATA_KEYS",
    "FENGQIAO_PERSONAL_DATA_KEY_ID",
    "FENGQIAO_PERSONAL_DATA_INDEX_KEY",
)


def key_ring() -> KeyRing:
    """The keys of the settings in force, read once (a test that overrides the settings
    gets a new ring through ``setting_changed``)."""
    global _ring
    if _ring is not None:
        return _ring
    cipher = getattr(settings, "FENGQIAO_PERSONAL_DATA_CIPHER", "aes")
    keys = getattr(settings, "FENGQIAO_PERSONAL_DATA_KEYS", None) or {}
    current = getattr(settings, "FENGQIAO_PERSONAL_DATA_KEY_ID", "") or ""
    index_key = getattr(settings, "FENGQIAO_PERSONAL_DATA_INDEX_KEY", b"") or b""
    if not keys or not index_key:
        raise ImproperlyConfigured(
            "Personal data keys are not configured: set FENGQIAO_PERSONAL_DATA_KEYS, "
            "FENGQIAO_PERSONAL_DATA_KEY_ID and FENGQIAO_PERSONAL_DATA_INDEX_KEY."
        )
    check_key_ring(cipher=cipher, keys=keys, current=current, index_key=index_key)
    _ring = KeyRing(cipher, dict(keys), current, index_key)
    return _ring


@receiver(setting_changed)
def _forget_the_keys(*, setting, **kwargs):
    global _ring
    if setting in SETTINGS:
        _ring = None


# -- the ciphers --------------------------------------------------------------------
_aes: dict[bytes, AESGCM] = {}


def _aes_for(key: bytes) -> AESGCM:
    # Building the cipher object costs as much as the decryption itself: one per key.
    aead = _aes.get(key)
    if aead is None:
        aead = _aes[key] = AESGCM(key)
    return aead


def _seal(cipher: str, key: bytes, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
    if cipher == "aes":
        return _aes_for(key).encrypt(nonce, plain, aad)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plain) + encryptor.finalize() + encryptor.tag


def _open(cipher: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if cipher == "aes":
        return _aes_for(key).decrypt(nonce, sealed, aad)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def _aad(header: str, kind: str) -> bytes:
    return f"{header}{kind}".encode()


def _check_kind(kind: str) -> None:
    if kind not in NORMALISERS:
        raise ValueError(f"Unknown kind of personal data: {kind!r}")


# -- the API ------------------------------------------------------------------------
def is_token(value: str) -> bool:
    """Whether a stored value is one of our tokens (anything else is legacy clear text)."""
    return isinstance(value, str) and value.startswith(f"{VERSION}:")


def encrypt(kind: str, value: str) -> str:
    """The token to store for ``value`` ("" stays "": nothing to hide)."""
    _check_kind(kind)
    if not value:
        return ""
    ring = key_ring()
    header = ring.prefix
    nonce = os.urandom(NONCE_BYTES)
    sealed = _seal(ring.cipher, ring.keys[ring.current], nonce, value.encode(), _aad(header, kind))
    return header + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decrypt(kind: str, token: str) -> str:
    """The value a token holds. Raises ``PersonalDataError`` rather than guess."""
    _check_kind(kind)
    if not token:
        return ""
    if not is_token(token):
        raise PersonalDataError(
            f"A {kind} is stored in clear (not encrypted): run "
            f"`manage.py rotate_personal_data_key` to encrypt it."
        )
    try:
        _version, cipher, key_id, data = token.split(":", 3)
    except ValueError:
        raise PersonalDataError(f"A stored {kind} is malformed.") from None
    ring = key_ring()
    if cipher not in CIPHERS:
        raise PersonalDataError(f"A stored {kind} names an unknown cipher {cipher!r}.")
    key = ring.keys.get(key_id)
    if key is None:
        raise PersonalDataError(
            f"A stored {kind} was encrypted with key {key_id!r}, which is not in "
            f"FENGQIAO_PERSONAL_DATA_KEYS (keep old keys until the rotation is done)."
        )
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        if len(sealed) < TAG_BYTES:
            raise ValueError
        plain = _open(cipher, key, nonce, sealed, _aad(token[: -len(data)], kind))
    except (InvalidTag, ValueError, binascii.Error):
        raise PersonalDataError(
            f"A stored {kind} does not decrypt with key {key_id!r}: a wrong key or a changed value."
        ) from None
    return plain.decode()


def normalise(kind: str, value: str) -> str:
    _check_kind(kind)
    return NORMALISERS[kind](value)


def blind_index(kind: str, value: str) -> str:
    """The keyed hash a lookup compares ("" for no value). Two spellings of one number
    (spaces, dashes, a lower-case x, +86) give the same index."""
    number = normalise(kind, value)
    if not number:
        return ""
    ring = key_ring()
    message = f"{kind}\x00{number}".encode()
    if ring.cipher == "sm4":
        mac = crypto_hmac.HMAC(ring.index_key, hashes.SM3())
        mac.update(message)
        digest = mac.finalize()
    else:
        digest = hmac.digest(ring.index_key, message, "sha256")
    return digest.hex()[:INDEX_LENGTH]


def is_current(token: str) -> bool:
    """Whether a stored value is already what ``encrypt`` writes now (or empty)."""
    return not token or token.startswith(key_ring().prefix)


def current_prefix() -> str:
    """What a token of the current cipher and key starts with (key ids hold no LIKE
    wildcards, so ``LIKE prefix || '%'`` selects exactly those)."""
    return key_ring().prefix


def normalise_for_lookup(text: str) -> tuple[str, str] | None:
    """(kind, number) when ``text`` is a whole, valid ID number or mobile as someone would
    type or paste it (spaces, dashes, full-width digits, +86 allowed), else None."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text or not re.fullmatch(r"[\dXx\s\-+()]+", text):
        return None
    # Only a valid number: a case number (330681101-2026-00002) has the digits of an ID
    # number once its dashes are gone, but never a real birth date and check character.
    for kind, validate in (("id_number", validate_id_number), ("mobile", validate_mobile)):
        number = NORMALISERS[kind](text)
        try:
            validate(number)
        except ValidationError:
            continue
        return kind, number
    return None


# -- a laptop's keys ------------------------------------------------------------------
LOCAL_VARIABLES = (
    "FENGQIAO_PERSONAL_DATA_KEYS",
    "FENGQIAO_PERSONAL_DATA_KEY_ID",
    "FENGQIAO_PERSONAL_DATA_INDEX_KEY",
)


def local_keys(path) -> dict[str, str]:
    """The embedded default's keys (config/settings/local.py): read from ``path``, made
    there once (readable by the owner only) when it does not exist, and kept, so the
    data a laptop encrypted stays readable from one ``make run`` to the next."""
    path = os.fspath(path)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        text = (
            "# Made by config/settings/local.py for this laptop only; keep it, or the\n"
            "# personal data of the local database can no longer be read.\n"
            f"FENGQIAO_PERSONAL_DATA_KEYS=local-1:{generate_key('aes')}\n"
            "FENGQIAO_PERSONAL_DATA_KEY_ID=local-1\n"
            f"FENGQIAO_PERSONAL_DATA_INDEX_KEY={generate_key('index')}\n"
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago: read theirs
        else:
            with os.fdopen(fd, "w") as file:
                file.write(text)
    values = {}
    with open(path) as file:
        for line in file:
            name, sep, value = line.strip().partition("=")
            if sep and name in LOCAL_VARIABLES:
                values[name] = value
    return values
