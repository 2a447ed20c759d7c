"""The local stage: its environment comes from .chalice/config.json, its AWS from moto."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from infra.resources import RESOURCE_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
STAGE = "local"

# moto accepts any credentials; these keep boto3 from looking for real ones.
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Current botocore routes DynamoDB through account-based endpoints, which moto's streams do not answer.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


def environment(stage: str = STAGE, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables Chalice gives the functions of `stage`, and the AWS settings for moto; a variable of the
    stage's that `overrides` also names takes its value from there (`make run` passes its own environment)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    variables = {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}
    overrides = overrides or {}
    return {**AWS_ENVIRONMENT, **{name: overrides.get(name, value) for name, value in variables.items()}}


def resource_names(env: dict[str, str]) -> dict[str, str]:
    return {logical_id: env[variable] for logical_id, variable in RESOURCE_VARIABLES.items()}
