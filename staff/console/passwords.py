"""Password hashing (argon2id, argon2-cffi) and the password rule."""

from __future__ import annotations

import functools
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when the user does not exist, so a wrong name takes as long as a wrong
    password (made on first use: nothing expensive at import time)."""
    return _HASHER.hash("not a real password, only for timing")


def password_problem(password: str) -> Optional[str]:
    """Why ``password`` is not acceptable, or ``None`` (pure)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"the password is too short ({len(password)} characters): use at least "
                f"{MIN_PASSWORD_LENGTH}, for example four unrelated words.")
    if not password.strip():
        return "the password cannot be only spaces."
    return None


def confirm_problem(first: str, second: str) -> Optional[str]:
    """Why a password typed twice is refused when the two differ, or ``None`` (pure)."""
    if first != second:
        return "the two passwords differ; nothing was changed."
    return None


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return _HASHER.hash(password)


def verify_password(stored_hash: Optional[str], password: str) -> bool:
    """True when ``password`` matches ``stored_hash`` (``None``: no such user, always False)."""
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
