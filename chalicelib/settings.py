"""Every environment variable the functions read, in one place, validated once."""

from __future__ import annotations

import functools
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# field name -> environment variable
VARIABLES = {
    "stage": "COCREATE_STAGE",
    "table_name": "COCREATE_TABLE",
    "demand_bucket": "COCREATE_DEMAND_BUCKET",
    "event_bus": "COCREATE_EVENT_BUS",
    "identity": "COCREATE_IDENTITY",
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: str = Field(min_length=1)
    table_name: str = Field(min_length=3)
    demand_bucket: str = Field(min_length=3)
    event_bus: str = Field(min_length=1)
    # "cognito": trust only claims that API Gateway's Cognito authorizer verified.
    # "unverified": read claims from the bearer token without checking its signature; the local stand-in
    # for API Gateway, never for a deployed stage.
    identity: Literal["cognito", "unverified"] = "cognito"


class SettingsError(RuntimeError):
    pass


@functools.cache
def settings() -> Settings:
    values = {field: os.environ[name] for field, name in VARIABLES.items() if name in os.environ}
    try:
        return Settings(**values)
    except ValidationError as error:
        wrong = ", ".join(VARIABLES[str(e["loc"][0])] for e in error.errors() if e["loc"])
        raise SettingsError(f"missing or invalid environment variables: {wrong}") from error
