"""The deployment profile, MERCADO_PROFILE: development (local defaults) or production (explicit settings).

Shared by the services' settings and the edge's, so it imports nothing heavier than pydantic.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

PROFILE_ENV = "MERCADO_PROFILE"
Profile = Literal["development", "production"]
PRODUCTION: Profile = "production"


def profile_field() -> Any:
    """The `profile` field of a settings class: read from MERCADO_PROFILE whatever the class's prefix."""
    return Field(default="development", validation_alias=PROFILE_ENV)


def unset_in_production(variables: list[str]) -> str:
    """The message refusing to start because production needs `variables` set explicitly."""
    names = ", ".join(variables)
    verb = "is" if len(variables) == 1 else "are"
    return f"{names} {verb} not set; {PROFILE_ENV}=production runs nothing on built-in development defaults"
