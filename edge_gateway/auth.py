"""Bearer-token verification: a JWT with sub, role and exp, checked with the configured algorithm only."""

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
    """Verifies tokens with one key object, prepared once when the app is built."""

    def __init__(
        self,
        algorithm: str,
        key: Any,
        *,
        audience: str | None = None,
        issuer: str | None = None,
    ) -> None:
        # The accepted algorithm list is fixed here; the token's own `alg` header is only ever
        # compared against it (this is what rejects alg=none and HS/RS confusion).
        self._algorithms = [algorithm]
        self._key = key
        self._audience = audience
        self._issuer = issuer
        self._options: Any = {"require": ["exp", "sub"]}

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
        return Principal(subject, Role(role))
