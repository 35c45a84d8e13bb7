"""`python -m edge_gateway.devtoken`: print a bearer token signed with the local HS256 secret."""

import argparse
import sys
import time
from collections.abc import Sequence

import jwt

from edge_gateway.auth import Role
from edge_gateway.settings import EdgeSettings, load_settings


def issue(settings: EdgeSettings, subject: str, role: Role, ttl_seconds: int) -> str:
    """A token the edge configured with `settings` accepts until `ttl_seconds` from now."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": subject, "role": role.value, "iat": now, "exp": now + ttl_seconds}
    if settings.jwt_audience is not None:
        claims["aud"] = settings.jwt_audience
    if settings.jwt_issuer is not None:
        claims["iss"] = settings.jwt_issuer
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_gateway.devtoken", description=__doc__)
    parser.add_argument("--sub", required=True, help="subject; the customer id for customers")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--ttl", type=int, default=3600, help="seconds until the token expires")
    args = parser.parse_args(argv)
    if args.ttl <= 0:
        parser.error("--ttl must be positive")
    settings = load_settings()
    if settings.jwt_algorithm != "HS256":
        # Asymmetric setups verify with a public key; the private key is never the edge's to hold.
        parser.error(f"EDGE_JWT_ALGORITHM is {settings.jwt_algorithm}; devtoken only signs HS256 tokens")
    sys.stdout.write(issue(settings, args.sub, Role(args.role), args.ttl) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
