"""The merge template: what `chalice package --merge-template` adds to the template Chalice writes.

Chalice describes the functions, the API and the schedule. This adds the data resources (infra/resources.py,
the same definitions the local stack provisions), the Cognito user pool behind the API's authorizer, the
table's stream as the stream function's event source with its failure handling, gateway responses in the API's
error shape with CORS headers, each function's environment, and a least-privilege role per function.

    python -m infra.template    # prints it; `make package` merges it
"""

from __future__ import annotations

import json
import sys
from typing import Any

from chalicelib.http import AUTHORIZER, CORS
from chalicelib.store.keys import (
    BALLOT_PREFIX,
    COMMENT_PREFIX,
    CUSTOMER_PREFIX,
    ERASURES_PARTITION,
    LIMITS_PREFIX,
    MERGES_PARTITION,
    NOTICES_PARTITION,
    WAITING_PREFIX,
)
from infra.local.stage import environment as environment_of
from infra.resources import RESOURCE_VARIABLES, Resource, data_resources

# Chalice's logical id for the stream function's event source (from on_table_change in app.py).
STREAM_EVENT = "OnTableChangeDynamodbEventSource"


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def arn(name: str, attribute: str = "Arn") -> dict[str, list[str]]:
    return {"Fn::GetAtt": [name, attribute]}


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def user_pool() -> dict[str, Resource]:
    return {
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "UserPoolName": sub("cocreate-${AWS::StackName}"),
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
                "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True, "RequireSymbols": False}},
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
            },
        },
        "ProductTeamGroup": {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "GroupName": "product-team",
                "UserPoolId": ref("UserPool"),
                "Description": "May add products, answer ideas and publish demand reports",
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": ref("UserPool"),
                "ClientName": "web",
                "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED",
            },
        },
    }


def stream_failures() -> dict[str, Resource]:
    """Where the stream's event source sends what it gives up on, for someone to look at and replay."""
    return {
        "StreamFailures": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600},
        }
    }


def stream_batching_window(stage: str) -> int:
    """Seconds the stream's event source gathers records before it calls the counting function: a stage setting
    (COCREATE_STREAM_BATCHING_WINDOW_SECONDS in .chalice/config.json). Longer: more votes per idea in a batch, so
    fewer writes per vote, and counts that lag the votes by as long."""
    variables = environment_of(stage)
    return int(variables.get("COCREATE_STREAM_BATCHING_WINDOW_SECONDS", "1"))


def stream_event_source(stage: str) -> dict[str, Any]:
    def starts(key: str, prefix: str) -> dict[str, str]:
        return {"Pattern": json.dumps({"dynamodb": {"Keys": {key: {"S": [{"prefix": prefix}]}}}})}

    return {
        "Stream": arn("Table", "StreamArn"),  # Chalice cannot point at a stream of the same stack (aws/chalice#1882)
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 1000,
        "MaximumBatchingWindowInSeconds": stream_batching_window(stage),
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        # Until it works, as long as the stream keeps the records (24 hours): a record the function cannot read
        # is set aside by the function itself, so what fails here is the service around it, and the alarm on
        # the iterator's age calls someone. Whatever is still lost, a recount restores from the ballots.
        "MaximumRetryAttempts": -1,
        "MaximumRecordAgeInSeconds": -1,
        "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": arn("StreamFailures")}},
        # One batch at a time per shard, in order: the consumer's checkpoint assumes it.
        "ParallelizationFactor": 1,
        # Only with a tumbling window does Lambda name the shard, which the checkpoint is keyed by; the
        # window's state is not used.
        "TumblingWindowInSeconds": 900,
        # Ballots, ideas and comments only: products, checkpoints, write counters and the attention queue change
        # nothing downstream.
        "FilterCriteria": {
            "Filters": [starts("SK", BALLOT_PREFIX), starts("PK", "IDEA#"), starts("PK", COMMENT_PREFIX)]
        },
    }


# What API Gateway answers, in the API's error shape, when a token is not valid or a route does not exist.
SIGN_IN = "sign in: this request needs a valid identity token"
NO_SUCH_ROUTE = "no such route; GET /openapi.json lists every route"


def gateway_responses() -> dict[str, Any]:
    """API Gateway's own answers (a bad token, an unknown route, throttling) in the API's error shape, with CORS."""
    cors = {
        "gatewayresponse.header.Access-Control-Allow-Origin": f"'{CORS.allow_origin}'",
        "gatewayresponse.header.Access-Control-Allow-Headers": f"'{CORS.allow_headers}'",
    }

    def answer(code: str, message: str, status: str | None = None) -> dict[str, Any]:
        body = {"application/json": f'{{"Code": "{code}", "Message": {message}}}'}
        return {"responseParameters": cors, "responseTemplates": body, **({"statusCode": status} if status else {})}

    said = "$context.error.messageString"  # API Gateway's own message, already a JSON string
    return {
        "DEFAULT_4XX": answer("$context.error.responseType", said),
        "DEFAULT_5XX": answer("InternalServerError", said),
        "UNAUTHORIZED": answer("UnauthorizedError", json.dumps(SIGN_IN), "401"),
        "ACCESS_DENIED": answer("ForbiddenError", said, "403"),
        "MISSING_AUTHENTICATION_TOKEN": answer("NotFoundError", json.dumps(NO_SUCH_ROUTE), "404"),
        "THROTTLED": answer("TooManyRequestsError", said, "429"),
        "REQUEST_TOO_LARGE": answer("RequestEntityTooLargeError", said, "413"),
    }


def environment() -> dict[str, Any]:
    """What every function reads (chalicelib/settings.py), beside the stage's variables in .chalice/config.json."""
    return {
        **{variable: ref(logical_id) for logical_id, variable in RESOURCE_VARIABLES.items()},
        "COCREATE_IDENTITY": "cognito",
        "COCREATE_TOKEN_ISSUER": sub("https://${UserPool.ProviderURL}"),
        "COCREATE_TOKEN_AUDIENCE": ref("UserPoolClient"),
        "COCREATE_UNSUBSCRIBE_KEY": sub("{{resolve:secretsmanager:${UnsubscribeKey}:SecretString}}"),
    }


# Where the API answers: what unsubscribe links point at. Only the function that mails needs it (the API's own
# function naming its API would make the template circular).
PUBLIC_URL = sub("https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/")


def mail() -> dict[str, Resource]:
    return {
        "UnsubscribeKey": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Description": "Signs the one-click unsubscribe links of cocreate's mail",
                "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
            },
        }
    }


MAIL_PARAMETERS = {
    "MailFrom": {
        "Type": "String",
        "Description": "The address notifications are mailed from (SES verifies it: a mail to it asks for a click)",
        "AllowedPattern": "^[^@\\s]+@[^@\\s]+$",
    }
}


def statement(actions: list[str], resources: list[Any], condition: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources,
        **({"Condition": condition} if condition else {}),
    }


# Items whose partition key starts with `prefix` only.
def keys_starting(prefix: str) -> dict[str, Any]:
    return {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{prefix}*"]}}


TABLE = [arn("Table"), sub("${Table.Arn}/index/*")]
REPORTS = [sub("${DemandBucket.Arn}/demand/*")]
BUS = [arn("EventBus")]


# Chalice's logical ids for the functions of app.py.
SCHEDULED = (
    "PublishDemandReports",
    "RecountCounts",
    "SendWaitingEvents",
    "MoveMergedSupport",
    "NotifyFollowers",
    "EraseCustomers",
)
FUNCTIONS = ("APIHandler", "OnTableChange", "Recount", *SCHEDULED)
STREAM_READS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]


def sentiment_service(stage: str) -> list[dict[str, Any]]:
    """Comprehend, for a stage that scores comments with it (COCREATE_SENTIMENT). Its DetectSentiment acts on no
    resource of the account: it can be granted only on every resource."""
    if environment_of(stage).get("COCREATE_SENTIMENT") != "comprehend":
        return []
    return [statement(["comprehend:DetectSentiment"], ["*"])]


def permissions(stage: str = "prod") -> dict[str, list[dict[str, Any]]]:
    """What each function does in `stage`, and so all it may do."""
    recount = [
        # Ballots through their index; counts with checkpoints as of one moment (TransactGetItems is GetItem).
        statement(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:UpdateItem"], TABLE),
        statement(["dynamodb:DescribeTable"], [arn("Table")]),
        # Comments an answer answered leave the queue again, in case the answer's record was lost.
        statement(["dynamodb:DeleteItem"], [arn("Table")], keys_starting(WAITING_PREFIX)),
        statement(STREAM_READS, [arn("Table", "StreamArn")]),
        statement(["events:PutEvents"], BUS),
    ]
    return {
        "APIHandler": [
            statement(
                [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",  # comments, by their authors or the team
                    "dynamodb:ConditionCheckItem",  # a vote checks, in its transaction, that its idea is open
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                ],
                TABLE,
            ),
            statement(
                ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                [arn("IdempotencyTable")],
            ),
            statement(["s3:GetObject", "s3:PutObject"], REPORTS),
            statement(["events:PutEvents"], BUS),
            *sentiment_service(stage),
        ],
        "OnTableChange": [
            statement(
                [
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",  # the outbox, once its events are sent; comments an answer answered
                    "dynamodb:Query",  # the comments waiting on an idea the team answered
                ],
                [arn("Table")],
            ),
            statement(STREAM_READS, [arn("Table", "StreamArn")]),
            statement(["events:PutEvents"], BUS),
            statement(["sqs:SendMessage"], [arn("StreamFailures")]),
        ],
        "Recount": recount,
        "RecountCounts": [*recount, statement(["sqs:SendMessage"], [arn("ScheduleFailures")])],
        "PublishDemandReports": [
            statement(["dynamodb:GetItem", "dynamodb:Query"], TABLE),
            statement(["s3:GetObject", "s3:PutObject"], REPORTS),  # latest.json is replaced only by a newer one
            statement(["events:PutEvents"], BUS),
            statement(["sqs:SendMessage"], [arn("ScheduleFailures")]),
        ],
        "MoveMergedSupport": [
            statement(
                [
                    "dynamodb:GetItem",  # ideas down a chain of merges; a ballot that changed under its move
                    "dynamodb:Query",  # the merges still moving; a product's ballots, through their index
                    "dynamodb:BatchGetItem",
                    "dynamodb:UpdateItem",  # ballots; how far a merge has moved
                    "dynamodb:ConditionCheckItem",  # a moved vote checks, in its transaction, that its target is open
                ],
                TABLE,
            ),
            statement(["dynamodb:DeleteItem"], [arn("Table")], keys_starting(MERGES_PARTITION)),
            statement(["events:PutEvents"], BUS),
            statement(["sqs:SendMessage"], [arn("ScheduleFailures")]),
        ],
        "NotifyFollowers": [
            statement(
                [
                    "dynamodb:GetItem",  # the idea, the idea it merged into, the official comment
                    "dynamodb:Query",  # the notices in line; an idea's followers, through the timeline index
                    "dynamodb:BatchGetItem",  # a page of followers' preferences
                    "dynamodb:PutItem",  # notifications; follows moved to the idea a merge went into
                    "dynamodb:UpdateItem",  # how far a commit's notices have gone
                ],
                TABLE,
            ),
            statement(["dynamodb:DeleteItem"], [arn("Table")], keys_starting(NOTICES_PARTITION)),
            statement(
                ["ses:SendRawEmail"],
                [sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailIdentity}")],
                {"StringEquals": {"ses:FromAddress": ref("MailIdentity")}},
            ),
            statement(["sqs:SendMessage"], [arn("ScheduleFailures")]),
        ],
        "EraseCustomers": [
            statement(
                [
                    "dynamodb:GetItem",
                    "dynamodb:Query",  # the customer's partition, what they wrote (the authored index), erasures
                    "dynamodb:BatchGetItem",
                    "dynamodb:PutItem",  # a ballot's votes on closed ideas, under a key that names nobody
                    "dynamodb:UpdateItem",  # ideas and comments lose their author
                    "dynamodb:ConditionCheckItem",  # a withdrawn vote's idea is still open
                ],
                TABLE,
            ),
            # Their own items, the comments' waiting items, and the erasure once done.
            statement(
                ["dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
                [arn("Table")],
                {
                    "ForAllValues:StringLike": {
                        "dynamodb:LeadingKeys": [
                            f"{CUSTOMER_PREFIX}*",
                            f"{LIMITS_PREFIX}*",
                            f"{WAITING_PREFIX}*",
                            f"{ERASURES_PARTITION}*",
                        ]
                    }
                },
            ),
            statement(["sqs:SendMessage"], [arn("ScheduleFailures")]),
        ],
        "SendWaitingEvents": [
            statement(["dynamodb:Query", "dynamodb:DeleteItem"], [arn("Table")]),
            statement(["events:PutEvents"], BUS),
            statement(["sqs:SendMessage"], [arn("ScheduleFailures")]),
        ],
    }


LOG_RETENTION_DAYS = 90
EVENT_ARCHIVE_DAYS = 90
STREAM_BEHIND_MS = 60_000  # a minute behind, for five minutes: the counts are late


def alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any], **how: Any) -> Resource:
    """An alarm that tells the alarm topic when the metric goes over its threshold (by default: any at all)."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
            "Statistic": how.get("statistic", "Sum"),
            "Period": 60,
            "EvaluationPeriods": how.get("periods", 1),
            "Threshold": how.get("threshold", 0),
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref("Alarms")],
        },
    }


# The app's own metrics that call for someone (chalicelib/observability.py counts them).
APP_ALARMS = {
    "StreamRecordsQuarantined": "A stream record could not be read and was set aside: python -m infra.ops quarantine",
    "CountsRepaired": "A recount found counts that differed from the ballots, and repaired them",
    "RecountsFailed": "A product's recount failed",
    "DemandPublishFailed": "A product's demand report could not be published",
    "EventsDeferred": "Events could not be sent to the bus; they wait in the outbox",
    "MailFailed": "A notification's mail could not be sent through SES (it is in the inbox; it is not sent again)",
    "FollowsFailed": "An automatic follow (an author, a voter, a commenter) could not be written",
}


def operations() -> dict[str, Resource]:
    """How failures surface: alarms on one topic, failed scheduled runs in a queue, logs kept, events replayable."""
    resources: dict[str, Resource] = {
        "Alarms": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": "alias/aws/sns"}},
        "ScheduleFailures": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600},
        },
        "EventArchive": {
            "Type": "AWS::Events::Archive",
            "Properties": {"SourceArn": arn("EventBus"), "RetentionDays": EVENT_ARCHIVE_DAYS},
        },
        "StreamBehindAlarm": alarm(
            "The stream's counting function is more than a minute behind",
            "AWS/Lambda",
            "IteratorAge",
            {"FunctionName": ref("OnTableChange")},
            statistic="Maximum",
            threshold=STREAM_BEHIND_MS,
            periods=5,
        ),
    }
    for queue in ("StreamFailures", "ScheduleFailures"):
        resources[f"{queue}Alarm"] = alarm(
            f"Messages wait in {queue}: work that failed for good",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": arn(queue, "QueueName")},
            statistic="Maximum",
        )
    for kind in ("Read", "Write"):
        resources[f"Table{kind}ThrottleAlarm"] = alarm(
            f"DynamoDB throttled {kind.lower()}s of the table",
            "AWS/DynamoDB",
            f"{kind}ThrottleEvents",
            {"TableName": ref("Table")},
        )
    for function in FUNCTIONS:
        resources[f"{function}Logs"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": sub(f"/aws/lambda/${{{function}}}"), "RetentionInDays": LOG_RETENTION_DAYS},
        }
        for metric in ("Errors", "Throttles"):
            resources[f"{function}{metric}Alarm"] = alarm(
                f"{function}: {metric.lower()}", "AWS/Lambda", metric, {"FunctionName": ref(function)}
            )
    for metric, description in APP_ALARMS.items():
        resources[f"{metric}Alarm"] = alarm(description, "Cocreate", metric, {"service": "cocreate"})
    return resources


def role(function: str, grants: list[dict[str, Any]]) -> Resource:
    logs = sub(
        f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/${{AWS::StackName}}-{function}-*"
    )
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Policies": [
                {
                    "PolicyName": f"{function}-least-privilege",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], [logs]),
                            # X-Ray takes no resource-level permissions: these two actions, on any resource.
                            statement(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
                            *grants,
                        ],
                    },
                }
            ],
        },
    }


def merge_template(stage: str = "prod") -> dict[str, Any]:
    resources: dict[str, Any] = {
        **data_resources(),
        **user_pool(),
        **stream_failures(),
        **operations(),
        **mail(),
    }
    resources["Table"]["Properties"]["DeletionProtectionEnabled"] = True
    for function, grants in permissions(stage).items():
        resources[f"{function}Role"] = role(function, grants)
        resources[function] = {
            "Properties": {
                "Role": arn(f"{function}Role"),
                "Tracing": "Active",
                "Environment": {"Variables": environment()},
            }
        }
    resources["NotifyFollowers"]["Properties"]["Environment"]["Variables"]["COCREATE_PUBLIC_URL"] = PUBLIC_URL
    resources["OnTableChange"]["Properties"]["Events"] = {STREAM_EVENT: {"Properties": stream_event_source(stage)}}
    for function in SCHEDULED:
        # A run that fails is not run again by Lambda (the next tick comes soon) but kept, and alarms.
        resources[function]["Properties"]["EventInvokeConfig"] = {
            "MaximumRetryAttempts": 0,
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": arn("ScheduleFailures")}},
        }
    resources["RestAPI"] = {
        "Properties": {
            "DefinitionBody": {
                "securityDefinitions": {
                    AUTHORIZER.name: {"x-amazon-apigateway-authorizer": {"providerARNs": [arn("UserPool")]}}
                },
                "x-amazon-apigateway-gateway-responses": gateway_responses(),
            }
        }
    }
    return {
        "Parameters": MAIL_PARAMETERS,
        "Resources": resources,
        "Outputs": {
            "UserPoolId": {"Value": ref("UserPool")},
            "UserPoolClientId": {"Value": ref("UserPoolClient")},
            **{logical_id: {"Value": ref(logical_id)} for logical_id in RESOURCE_VARIABLES},
            "StreamFailureQueue": {"Value": ref("StreamFailures")},
            "ScheduleFailureQueue": {"Value": ref("ScheduleFailures")},
            "AlarmTopic": {"Value": ref("Alarms")},
            "RecountFunction": {"Value": ref("Recount")},
        },
    }


if __name__ == "__main__":
    json.dump(merge_template(), sys.stdout, indent=2)
    sys.stdout.write("\n")
