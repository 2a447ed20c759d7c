"""Every environment variable the functions read, in one place, validated once."""

import functools
import os
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from chalicelib.domain.model import Model

# field name -> environment variable
VARIABLES = {
    "stage": "COCREATE_STAGE",
    "table_name": "COCREATE_TABLE",
    "demand_bucket": "COCREATE_DEMAND_BUCKET",
    "event_bus": "COCREATE_EVENT_BUS",
    "idempotency_table": "COCREATE_IDEMPOTENCY_TABLE",
    "identity": "COCREATE_IDENTITY",
    "token_issuer": "COCREATE_TOKEN_ISSUER",
    "token_audience": "COCREATE_TOKEN_AUDIENCE",
    "write_limit_per_minute": "COCREATE_WRITE_LIMIT_PER_MINUTE",
    "sentiment": "COCREATE_SENTIMENT",
    "sentiment_language": "COCREATE_SENTIMENT_LANGUAGE",
    "mail_from": "COCREATE_MAIL_FROM",
    "public_url": "COCREATE_PUBLIC_URL",
    "unsubscribe_key": "COCREATE_UNSUBSCRIBE_KEY",
}


class Settings(Model):
    model_config = ConfigDict(frozen=True)

    stage: str = Field(min_length=1)
    table_name: str = Field(min_length=3)
    demand_bucket: str = Field(min_length=3)
    event_bus: str = Field(min_length=1)
    idempotency_table: str = Field(min_length=3)
    # "cognito": trust only claims that API Gateway's Cognito authorizer verified.
    # "unverified": read claims from the bearer token without checking its signature; the local stand-in
    # for API Gateway, never for a deployed stage.
    identity: Literal["cognito", "unverified"] = "cognito"
    # The user pool's issuer URL and app client id: what a token for a public route must name.
    token_issuer: str | None = None
    token_audience: str | None = None
    write_limit_per_minute: int = Field(30, ge=1, le=100_000)
    # How comments are scored: VADER in the function (English), or Amazon Comprehend in the language named.
    sentiment: Literal["vader", "comprehend"] = "vader"
    sentiment_language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    # Mail: the SES identity it is sent from, the API's address (for unsubscribe links), and the key that signs
    # them. A deployed stage names all three; locally the key may be left out, and each process makes its own.
    mail_from: str = Field("cocreate@example.com", pattern=r"^[^@\s]+@[^@\s]+$")
    public_url: str = Field("http://127.0.0.1:8000/", pattern=r"^https?://")
    unsubscribe_key: str | None = Field(None, min_length=32, repr=False)

    @model_validator(mode="after")
    def _deployed_stage_complete(self) -> "Settings":
        if self.identity == "cognito" and not (self.token_issuer and self.token_audience):
            raise ValueError("identity 'cognito' needs token_issuer and token_audience")
        if self.identity == "cognito" and not self.unsubscribe_key:
            raise ValueError("a deployed stage needs unsubscribe_key, to sign unsubscribe links")
        return self


class SettingsError(RuntimeError):
    pass


@functools.cache
def settings() -> Settings:
    values = {field: os.environ[name] for field, name in VARIABLES.items() if name in os.environ}
    try:
        return Settings(**values)
    except ValidationError as error:
        wrong = ", ".join(VARIABLES[str(e["loc"][0])] if e["loc"] else e["msg"] for e in error.errors())
        raise SettingsError(f"missing or invalid environment variables: {wrong}") from error
