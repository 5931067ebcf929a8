"""The citizen number (BSN): validation, encryption at rest, keyed lookup hash and masking.

The BSN is personal data only government bodies may process. It is stored encrypted (Fernet:
AES-128-CBC with HMAC-SHA256) and found through a keyed hash (HMAC-SHA256), so the database holds
neither the number nor an unkeyed hash of it (a plain hash of a 9-digit number is trivially
reversed). Both keys are derived with HKDF from one secret, ``BSN_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BSN_LENGTH = 9
# The elfproef weights for a BSN: 9..2 for the first eight digits, -1 for the last.
ELFPROEF_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def normalise_bsn(value: str) -> str:
    """Digits only; an 8-digit BSN gets its leading zero back."""
    digits = "".join(ch for ch in str(value) if not ch.isspace() and ch not in ".-")
    if digits.isdigit() and len(digits) == BSN_LENGTH - 1:
        digits = "0" + digits
    return digits


def passes_elfproef(bsn: str) -> bool:
    if len(bsn) != BSN_LENGTH or not bsn.isdigit() or bsn == "0" * BSN_LENGTH:
        return False
    return sum(int(digit) * weight for digit, weight in zip(bsn, ELFPROEF_WEIGHTS, strict=True)) % 11 == 0


def validate_bsn(value: str) -> str:
    """The normalised BSN, or a ValidationError in Dutch saying what is wrong."""
    bsn = normalise_bsn(value)
    if not bsn.isdigit() or len(bsn) != BSN_LENGTH:
        raise ValidationError(_("A BSN consists of 9 digits."), code="bsn_length")
    if not passes_elfproef(bsn):
        raise ValidationError(
            _("This is not a valid BSN: it fails the eleven test (elfproef). Check the number."), code="bsn_elfproef"
        )
    return bsn


def _derive(purpose: bytes) -> bytes:
    secret = settings.BSN_KEY.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"inburgering-bsn", info=purpose).derive(secret)


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"encryption")))


@cache
def _hash_key(key: str) -> bytes:
    return _derive(b"lookup-hash")


def encrypt_bsn(bsn: str) -> str:
    return _fernet(settings.BSN_KEY).encrypt(bsn.encode()).decode()


def decrypt_bsn(token: str) -> str:
    try:
        return _fernet(settings.BSN_KEY).decrypt(token.encode()).decode()
    except InvalidToken as error:  # wrong key: fail loudly, never show garbage
        raise RuntimeError("BSN cannot be decrypted with the configured BSN_KEY") from error


def bsn_lookup_hash(bsn: str) -> str:
    return hmac.new(_hash_key(settings.BSN_KEY), bsn.encode(), hashlib.sha256).hexdigest()


def mask_bsn(bsn: str) -> str:
    """``*****1234``: the last four digits, as the UI shows a BSN to those who may not see it whole."""
    return "*" * (len(bsn) - 4) + bsn[-4:]
