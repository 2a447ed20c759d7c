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
        "StreamSpecification": {"StreamEnabled": True, **properties["StreamSpecification"]},
        "SSESpecification": {"Enabled": properties["SSESpecification"]["SSEEnabled"]},
    }
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


_CREATORS = {"AWS::DynamoDB::Table": _create_table}


def provision(session: Any, names: Mapping[str, str]) -> None:
    """Create each data resource under the physical name `names` gives its logical id; existing ones are kept."""
    resources: dict[str, Resource] = data_resources()
    for logical_id, resource in resources.items():
        _CREATORS[resource["Type"]](session, names[logical_id], resource["Properties"])
