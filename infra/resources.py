"""The cloud resources as CloudFormation, built from the store's schema.

`infra.template` merges these into `chalice package`; `infra.local.provision` creates the same resources on moto.
"""

from __future__ import annotations

from typing import Any

from chalicelib.store.schema import INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

Resource = dict[str, Any]


def table() -> Resource:
    key_attributes = sorted({PARTITION_KEY, SORT_KEY} | {a for i in INDEXES for a in (i.partition_key, i.sort_key)})
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in key_attributes],
            "KeySchema": [
                {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": index.partition_key, "KeyType": "HASH"},
                        {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": index.projection},
                }
                for index in INDEXES
            ],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
        },
    }


def demand_bucket() -> Resource:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        },
    }


def event_bus() -> Resource:
    return {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Fn::Sub": "cocreate-${AWS::StackName}"}}}


def idempotency_table() -> Resource:
    """Powertools' idempotency records, in the layout it expects, gone a day after by TTL."""
    return {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "SSESpecification": {"SSEEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
        },
    }


def mail_identity() -> Resource:
    """The address notifications are mailed from: SES sends only from an identity verified in the account."""
    return {"Type": "AWS::SES::EmailIdentity", "Properties": {"EmailIdentity": {"Ref": "MailFrom"}}}


# The variable each data resource's physical name reaches the functions in (chalicelib/settings.py), by logical id.
RESOURCE_VARIABLES = {
    "Table": "COCREATE_TABLE",
    "IdempotencyTable": "COCREATE_IDEMPOTENCY_TABLE",
    "DemandBucket": "COCREATE_DEMAND_BUCKET",
    "EventBus": "COCREATE_EVENT_BUS",
    "MailIdentity": "COCREATE_MAIL_FROM",
}


def data_resources() -> dict[str, Resource]:
    """The resources that hold data, by logical id: what the local stack provisions too."""
    return {
        "Table": table(),
        "IdempotencyTable": idempotency_table(),
        "DemandBucket": demand_bucket(),
        "EventBus": event_bus(),
        "MailIdentity": mail_identity(),
    }
