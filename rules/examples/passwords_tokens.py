"""Annotated examples for the `passwords-tokens` category (see auth.py for the annotations)."""

import base64
import hashlib
import hmac
import os
import struct
import time

import bcrypt
import jwt


# category: passwords-tokens
def hash_password(password: str, rounds: int = 12) -> str:
    salt = bcrypt.gensalt(rounds)
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


# category: passwords-tokens
def verify_password(password: str, stored: str) -> bool:
    salt_hex, digest_hex = stored.split("$", 1)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt_hex), 310_000)
    return hmac.compare_digest(digest.hex(), digest_hex)


# category: passwords-tokens
def issue_access_token(user_id: str, secret: str, ttl: int = 900) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "iat": now, "exp": now + ttl, "jti": os.urandom(8).hex()}
    return jwt.encode(claims, secret, algorithm="HS256")


# category: passwords-tokens
def hotp(secret: bytes, counter: int, digits: int = 6) -> str:
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


# category: none
def b64_pad(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
