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
from chalicelib.store.schema import INDEXES, TTL_ATTRIBUTE
from infra.local.stage import ROOT
from infra.package import unpack_as_lambda

FUNCTIONS = ("APIHandler", "OnTableChange", "PublishDemandReports")


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
    assert 0 < source["MaximumRetryAttempts"] <= 10
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["StreamFailures", "Arn"]}
    assert resources["StreamFailures"]["Type"] == "AWS::SQS::Queue"
    # The consumer's checkpoint needs one batch per shard at a time, and the shard's id (a tumbling window).
    assert source["ParallelizationFactor"] == 1
    assert source["TumblingWindowInSeconds"] > 0


def test_the_demand_report_is_published_every_15_minutes(resources):
    (event,) = properties(resources, "PublishDemandReports")["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(15 minutes)"}}


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
            if "*" in statement["Resource"]:  # X-Ray has no resource-level permissions
                assert set(statement["Action"]) <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_each_function_may_do_only_what_it_does(resources):
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert "dynamodb:Scan" not in set().union(*(actions(resources, f) for f in FUNCTIONS))
    assert not actions(resources, "PublishDemandReports") & writes  # it reads ideas, writes only to S3
    assert not {a for a in actions(resources, "OnTableChange") if a.startswith("s3:")}
    assert "dynamodb:GetRecords" in actions(resources, "OnTableChange")
    assert "dynamodb:GetRecords" not in actions(resources, "APIHandler")


def test_every_function_is_told_every_setting_and_trusts_only_cognito(resources):
    for function in FUNCTIONS:
        environment = properties(resources, function)["Environment"]["Variables"]
        assert set(VARIABLES.values()) <= environment.keys(), function
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
        "aws_lambda_powertools.utilities.batch",
        "aws_lambda_powertools.utilities.idempotency",
    )
    program = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}; import app; " + "; ".join(
        f"import {module}" for module in lazily
    )
    command = [sys.executable, "-I", "-S", "-B", "-c", program]
    imported = subprocess.run(command, check=False, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
