"""Create the cloud template's data resources on moto, through the same API calls CloudFormation would make."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.resources import Resource, data_resources


def _create_table(session: Any, name: str, properties: Mapping[str, Any]) -> None:
    client = session.client("dynamodb")
    if name in client.list_tables()["TableNames"]:
        return
    arguments = {
        "TableName": name,
        "BillingMode": properties["BillingMode"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "SSESpecification": {"Enabled": properties["SSESpecification"]["SSEEnabled"]},
    }
    if "StreamSpecification" in properties:
        arguments["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
    if properties.get("GlobalSecondaryIndexes"):
        arguments["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    client.create_table(**arguments)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    if "TimeToLiveSpecification" in properties:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=properties["TimeToLiveSpecification"])
    if "PointInTimeRecoverySpecification" in properties:
        client.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification=properties["PointInTimeRecoverySpecification"]
        )


def _create_bucket(session: Any, name: str, properties: Mapping[str, Any]) -> None:
    client = session.client("s3")
    if any(b["Name"] == name for b in client.list_buckets()["Buckets"]):
        return
    client.create_bucket(Bucket=name)
    # CloudFormation and the S3 API spell the same rule differently.
    rules = [
        {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
        for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    ]
    client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"])
    client.put_public_access_block(
        Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
    )


def _create_event_bus(session: Any, name: str, properties: Mapping[str, Any]) -> None:
    client = session.client("events")
    if not client.list_event_buses(NamePrefix=name)["EventBuses"]:
        client.create_event_bus(Name=name)


def _verify_mail_identity(session: Any, name: str, properties: Mapping[str, Any]) -> None:
    session.client("ses").verify_email_identity(EmailAddress=name)  # moto verifies it at once


_CREATORS = {
    "AWS::DynamoDB::Table": _create_table,
    "AWS::S3::Bucket": _create_bucket,
    "AWS::Events::EventBus": _create_event_bus,
    "AWS::SES::EmailIdentity": _verify_mail_identity,
}


def provision(session: Any, names: Mapping[str, str]) -> None:
    """Create each data resource under the physical name `names` gives its logical id; existing ones are kept."""
    resources: dict[str, Resource] = data_resources()
    for logical_id, resource in resources.items():
        _CREATORS[resource["Type"]](session, names[logical_id], resource["Properties"])
