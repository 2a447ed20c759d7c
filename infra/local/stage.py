"""The local stage: its environment comes from .chalice/config.json, its AWS from moto."""

from __future__ import annotations

import json
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


def environment(stage: str = STAGE) -> dict[str, str]:
    """The variables Chalice gives the functions of `stage`, and the AWS settings for moto."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {
        **AWS_ENVIRONMENT,
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }


def resource_names(env: dict[str, str]) -> dict[str, str]:
    return {logical_id: env[variable] for logical_id, variable in RESOURCE_VARIABLES.items()}
