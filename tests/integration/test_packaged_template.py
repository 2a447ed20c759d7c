"""The deployable stack, as `make package` builds it: what production runs on, checked without an AWS account."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app import api
from chalicelib.http import Access
from chalicelib.settings import VARIABLES
from chalicelib.store import keys
from chalicelib.store.schema import INDEXES, TTL_ATTRIBUTE
from infra.local.stage import ROOT
from infra.package import unpack_as_lambda
from infra.template import APP_ALARMS, FUNCTIONS, SCHEDULED


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "infra.package", "--stage", "prod", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def resources(dist: Path) -> dict[str, Any]:
    resources: dict[str, Any] = json.loads((dist / "sam.json").read_text())["Resources"]
    return resources


def properties(resources: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = resources[name]["Properties"]
    return found


def test_the_template_passes_cfn_lint(dist):
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(dist / "sam.json")],
        check=False,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_table_is_on_demand_streams_both_images_and_is_recoverable_and_encrypted(resources):
    table = properties(resources, "Table")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {i.name for i in INDEXES}
    assert resources["Table"]["DeletionPolicy"] == "Retain"
    assert table["DeletionProtectionEnabled"] is True


def test_the_demand_bucket_is_private_encrypted_and_versioned(resources):
    bucket = properties(resources, "DemandBucket")
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


def test_the_tables_stream_feeds_the_aggregator_and_failures_go_to_a_queue(resources):
    (event,) = properties(resources, "OnTableChange")["Events"].values()
    source = event["Properties"]
    assert event["Type"] == "DynamoDB"
    assert source["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BisectBatchOnFunctionError"] is True
    # Retried for as long as the stream keeps the records: nothing a customer did is dropped after ten tries.
    assert (source["MaximumRetryAttempts"], source["MaximumRecordAgeInSeconds"]) == (-1, -1)
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["StreamFailures", "Arn"]}
    assert resources["StreamFailures"]["Type"] == "AWS::SQS::Queue"
    # The consumer's checkpoint needs one batch per shard at a time, and the shard's id (a tumbling window).
    assert source["ParallelizationFactor"] == 1
    assert source["MaximumBatchingWindowInSeconds"] == 5  # prod's COCREATE_STREAM_BATCHING_WINDOW_SECONDS
    assert source["TumblingWindowInSeconds"] > 0


def test_the_stream_filter_lets_through_what_the_consumer_reads_and_nothing_else(resources):
    (event,) = properties(resources, "OnTableChange")["Events"].values()
    rules = [json.loads(f["Pattern"])["dynamodb"]["Keys"] for f in event["Properties"]["FilterCriteria"]["Filters"]]

    def passes(key: dict[str, str]) -> bool:
        return any(all(key[name].startswith(rule["S"][0]["prefix"]) for name, rule in r.items()) for r in rules)

    assert passes(keys.ballot("ada", "roadster")) and passes(keys.idea("sabc")) and passes(keys.comment("mabc"))
    assert not any(map(passes, [keys.waiting("sabc", "2026"), keys.checkpoint("shard"), keys.product("roadster")]))


def test_a_stage_that_scores_with_comprehend_may_call_it_and_no_other_may(monkeypatch):
    from infra import template

    monkeypatch.setattr(template, "environment_of", lambda stage: {"COCREATE_SENTIMENT": "comprehend"})
    granted = [s for s in template.permissions("prod")["APIHandler"] if "comprehend:DetectSentiment" in s["Action"]]
    assert granted == [{"Effect": "Allow", "Action": ["comprehend:DetectSentiment"], "Resource": ["*"]}]
    assert not any("comprehend" in a for s in template.permissions("prod")["OnTableChange"] for a in s["Action"])


def test_the_schedules_demand_reports_every_15_minutes_a_recount_daily_and_waiting_events_every_5(resources):
    for function, rate in (
        ("PublishDemandReports", "rate(15 minutes)"),
        ("RecountCounts", "rate(1 day)"),
        ("SendWaitingEvents", "rate(5 minutes)"),
    ):
        (event,) = properties(resources, function)["Events"].values()
        assert event == {"Type": "Schedule", "Properties": {"Schedule": rate}}


def alarms(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]


def alarmed(resources: dict[str, Any], namespace: str, metric: str) -> list[dict[str, Any]]:
    return [a for a in alarms(resources) if (a["Namespace"], a["MetricName"]) == (namespace, metric)]


def test_every_alarm_tells_the_one_topic_named_in_the_outputs(resources, dist):
    assert alarms(resources)
    for properties_ in alarms(resources):
        assert properties_["AlarmActions"] == [{"Ref": "Alarms"}]
    outputs = json.loads((dist / "sam.json").read_text())["Outputs"]
    assert outputs["AlarmTopic"] == {"Value": {"Ref": "Alarms"}}
    assert resources["Alarms"]["Type"] == "AWS::SNS::Topic"


def test_failures_surface_as_alarms(resources):
    queues = {
        a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarmed(resources, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    }
    assert queues == {"StreamFailures", "ScheduleFailures"}
    (behind,) = alarmed(resources, "AWS/Lambda", "IteratorAge")
    assert behind["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "OnTableChange"}}]
    for metric in ("Errors", "Throttles"):
        watched = {a["Dimensions"][0]["Value"]["Ref"] for a in alarmed(resources, "AWS/Lambda", metric)}
        assert watched == set(FUNCTIONS)
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
        (throttled,) = alarmed(resources, "AWS/DynamoDB", metric)
        assert throttled["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "Table"}}]
    for metric in ("CountsRepaired", "StreamRecordsQuarantined", *APP_ALARMS):
        (app_alarm,) = alarmed(resources, "Cocreate", metric)
        assert app_alarm["Dimensions"] == [{"Name": "service", "Value": "cocreate"}]


def test_every_function_keeps_its_logs_for_a_while_and_the_bus_keeps_its_events(resources):
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]["RetentionInDays"]
        for r in resources.values()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    assert groups == {f"/aws/lambda/${{{function}}}": 90 for function in FUNCTIONS}
    (archive,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Archive"]
    assert archive["SourceArn"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert archive["RetentionDays"] > 0


def test_a_scheduled_run_that_fails_is_kept_and_the_api_answers_before_api_gateway_gives_up(resources):
    for function in SCHEDULED:
        invoke = properties(resources, function)["EventInvokeConfig"]
        assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["ScheduleFailures", "Arn"]}
        assert "sqs:SendMessage" in actions(resources, function)
    assert properties(resources, "APIHandler")["Timeout"] < 29  # API Gateway's own limit


def test_merged_support_notifications_and_erasures_go_one_run_at_a_time(resources):
    for function in ("MoveMergedSupport", "NotifyFollowers", "EraseCustomers"):
        assert properties(resources, function)["ReservedConcurrentExecutions"] == 1, function


def test_every_non_public_route_and_no_public_one_needs_the_cognito_authorizer(resources):
    definition = properties(resources, "RestAPI")["DefinitionBody"]
    (authorizer,) = definition["securityDefinitions"].values()
    assert authorizer["x-amazon-apigateway-authorizer"]["providerARNs"] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]
    assert properties(resources, "ProductTeamGroup")["GroupName"] == "product-team"
    for route in api.routes:
        operation = definition["paths"][route.path][route.method.lower()]
        guarded = bool(operation.get("security"))
        assert guarded == (route.access is not Access.PUBLIC), f"{route.method} {route.path}"


def test_api_gateways_own_errors_have_the_apis_shape_and_cors_headers(resources):
    answers = properties(resources, "RestAPI")["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"} <= answers.keys()
    for answer in answers.values():
        assert answer["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
        assert '"Code"' in answer["responseTemplates"]["application/json"]


def statements(resources: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = properties(resources, function)["Role"]["Fn::GetAtt"][0]
    return [s for p in properties(resources, role)["Policies"] for s in p["PolicyDocument"]["Statement"]]


def actions(resources: dict[str, Any], function: str) -> set[str]:
    return {action for s in statements(resources, function) for action in s["Action"]}


def test_each_function_has_a_role_of_its_own_and_no_wildcard_actions_on_wildcard_resources(resources):
    roles = {properties(resources, f)["Role"]["Fn::GetAtt"][0] for f in FUNCTIONS}
    assert len(roles) == len(FUNCTIONS)
    for function in FUNCTIONS:
        for statement in statements(resources, function):
            assert statement["Effect"] == "Allow"
            assert not any("*" in action for action in statement["Action"]), statement
            if (
                "*" in statement["Resource"]
            ):  # X-Ray and Comprehend's DetectSentiment have no resource-level permissions
                assert set(statement["Action"]) <= {
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "comprehend:DetectSentiment",
                }


def test_each_function_may_do_only_what_it_does(resources):
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert "dynamodb:Scan" not in set().union(*(actions(resources, f) for f in FUNCTIONS))
    assert not actions(resources, "PublishDemandReports") & writes  # it reads ideas, writes only to S3
    # It repairs counts, and takes answered comments out of the queue: no more.
    assert not actions(resources, "Recount") & (writes - {"dynamodb:UpdateItem", "dynamodb:DeleteItem"})
    (deletes,) = [s for s in statements(resources, "Recount") if "dynamodb:DeleteItem" in s["Action"]]
    assert deletes["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["WAITING#*"]}}
    assert "comprehend:DetectSentiment" not in actions(resources, "APIHandler")  # VADER, in the function
    assert not {a for a in actions(resources, "OnTableChange") if a.startswith("s3:")}
    assert "dynamodb:GetRecords" in actions(resources, "OnTableChange")
    assert "dynamodb:GetRecords" not in actions(resources, "APIHandler")
    # Mail only from the stack's sending identity, and only by the function that notifies.
    (mail,) = [s for s in statements(resources, "NotifyFollowers") if "ses:SendRawEmail" in s["Action"]]
    assert mail["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "MailIdentity"}}}
    assert not [
        f for f in FUNCTIONS if f != "NotifyFollowers" and any(a.startswith("ses:") for a in actions(resources, f))
    ]
    (deletes,) = [s for s in statements(resources, "NotifyFollowers") if "dynamodb:DeleteItem" in s["Action"]]
    assert deletes["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["NOTICES*"]}}
    # Erasure deletes the customer's own items, and nothing of anyone else's.
    (erases,) = [s for s in statements(resources, "EraseCustomers") if "dynamodb:DeleteItem" in s["Action"]]
    assert erases["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == [
        "CUSTOMER#*",
        "LIMIT#*",
        "WAITING#*",
        "ERASURES*",
    ]


def test_every_function_is_told_every_setting_and_trusts_only_cognito(resources):
    for function in FUNCTIONS:
        environment = properties(resources, function)["Environment"]["Variables"]
        # The API's address only where mail is sent: the API's own function naming it would make a cycle.
        assert set(VARIABLES.values()) - {"COCREATE_PUBLIC_URL"} <= environment.keys(), function
        assert ("COCREATE_PUBLIC_URL" in environment) == (function == "NotifyFollowers")
        assert "resolve:secretsmanager" in environment["COCREATE_UNSUBSCRIBE_KEY"]["Fn::Sub"]
        assert environment["COCREATE_IDENTITY"] == "cognito"
        assert environment["COCREATE_STAGE"] == "prod"
        assert properties(resources, function)["Tracing"] == "Active"


def test_the_zip_is_small_leaves_boto3_to_the_runtime_and_carries_bytecode(dist):
    archive = dist / "deployment.zip"
    names = zipfile.ZipFile(archive).namelist()
    assert archive.stat().st_size <= 25e6
    assert "app.py" in names
    assert "chalicelib/__pycache__/http.cpython-311.pyc" in names
    assert not [n for n in names if n.startswith(("boto3/", "botocore/"))]


def test_the_packaged_code_imports_with_only_the_runtimes_boto3_beside_it(dist, tmp_path):
    path = unpack_as_lambda(dist / "deployment.zip", tmp_path)
    # What the handlers import on first use, too: a package missing from the zip fails here, not in production.
    lazily = (
        "jwt",
        "aws_xray_sdk.core",
        "aws_lambda_powertools.utilities.idempotency",
    )
    program = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}; import app; " + "; ".join(
        f"import {module}" for module in lazily
    )
    command = [sys.executable, "-I", "-S", "-B", "-c", program]
    imported = subprocess.run(command, check=False, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
