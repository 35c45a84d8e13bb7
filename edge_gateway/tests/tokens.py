"""Bearer tokens for tests: valid ones from devtoken, and the broken kinds an attacker would send."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt

from edge_gateway.auth import Role
from edge_gateway.devtoken import issue
from edge_gateway.settings import EdgeSettings


def bearer(subject: str, role: str = "customer", ttl: int = 86_400) -> dict[str, str]:
    """Authorization header of a token the default-configured edge accepts."""
    return {"Authorization": f"Bearer {issue(EdgeSettings.model_construct(), subject, Role(role), ttl)}"}


def claims(subject: str = "alice", role: str = "customer", ttl: int = 600) -> dict[str, Any]:
    return {"sub": subject, "role": role, "exp": int(time.time()) + ttl}


def signed_with(key: Any, token_claims: dict[str, Any], algorithm: str = "HS256") -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(token_claims, key, algorithm=algorithm)}"}


def _segment(value: dict[str, Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(token_claims: dict[str, Any]) -> dict[str, str]:
    """An `alg: none` token: header and claims, empty signature."""
    return {"Authorization": f"Bearer {_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(token_claims)}."}


def hmac_signed(secret: bytes, token_claims: dict[str, Any]) -> dict[str, str]:
    """An HS256 token assembled by hand, for keys PyJWT rightly refuses (e.g. a public key's PEM)."""
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(token_claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return {"Authorization": f"Bearer {signing_input}.{_segment(signature)}"}
