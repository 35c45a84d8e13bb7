"""Bearer-token verification: a JWT with sub, role and exp, checked with the configured algorithm only."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from edge_gateway.errors import ApiError
from edge_gateway.settings import EdgeSettings

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="mercado"'}


class Role(StrEnum):
    """What a caller may do; carried in the token's `role` claim."""

    CUSTOMER = "customer"
    ADMIN = "admin"
    CARRIER = "carrier"


_ROLES = frozenset(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller: `subject` is the customer id for customers."""

    subject: str
    role: Role

    def may_access(self, owner: str) -> bool:
        """Admins reach every customer's orders, invoices and accounts; customers only their own."""
        return self.role is Role.ADMIN or (self.role is Role.CUSTOMER and self.subject == owner)


def unauthenticated(reason: str, detail: str) -> ApiError:
    """401 with the Bearer challenge RFC 6750 asks for."""
    return ApiError(401, "UNAUTHENTICATED", reason, detail, headers=_CHALLENGE)


class TokenVerifier:
    """Verifies tokens with one key object, prepared once when the app is built.

    A client sends the same token with every request until it expires, so a verified token is
    remembered with its expiry: the next request with it skips the decoding and the signature check
    (tens of microseconds for HS256, more for RS256/ES256) but not the expiry, which is checked on
    every use. Only tokens that passed every check are remembered, at most `remembered` of them, the
    oldest forgotten first; the key never changes while the edge runs, so a remembered verdict stays true.
    """

    def __init__(
        self,
        algorithm: str,
        key: Any,
        *,
        audience: str | None = None,
        issuer: str | None = None,
        remembered: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # The accepted algorithm list is fixed here; the token's own `alg` header is only ever
        # compared against it (this is what rejects alg=none and HS/RS confusion).
        self._algorithms = [algorithm]
        self._key = key
        self._audience = audience
        self._issuer = issuer
        self._options: Any = {"require": ["exp", "sub"]}
        self._capacity = remembered
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}

    @classmethod
    def from_settings(cls, settings: EdgeSettings) -> "TokenVerifier":
        """HS256 uses the shared secret; RS256/ES256 load the public key file once."""
        if settings.jwt_algorithm == "HS256":
            key: Any = settings.jwt_secret.get_secret_value().encode()
        else:
            assert settings.jwt_public_key_file is not None  # guaranteed by the settings validator
            key = load_pem_public_key(settings.jwt_public_key_file.read_bytes())
        return cls(settings.jwt_algorithm, key, audience=settings.jwt_audience, issuer=settings.jwt_issuer)

    def verify(self, token: str) -> Principal:
        """The principal of a valid token, else a 401 ApiError naming what was wrong."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires_at = known
            if self._clock() < expires_at:
                return principal
            del self._verified[token]
            raise unauthenticated("TOKEN_EXPIRED", "the bearer token has expired")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options=self._options,
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("TOKEN_EXPIRED", "the bearer token has expired") from None
        except jwt.InvalidTokenError:
            raise unauthenticated("TOKEN_INVALID", "the bearer token is not valid") from None
        subject, role = claims.get("sub"), claims.get("role")
        if not isinstance(subject, str) or not subject or not isinstance(role, str) or role not in _ROLES:
            raise unauthenticated("TOKEN_INVALID", "the bearer token lacks a valid sub or role claim")
        principal = Principal(subject, Role(role))
        self._remember(token, principal, float(claims["exp"]))
        return principal

    def _remember(self, token: str, principal: Principal, expires_at: float) -> None:
        if len(self._verified) >= self._capacity:
            del self._verified[next(iter(self._verified))]  # dicts keep insertion order: the oldest
        self._verified[token] = (principal, expires_at)
