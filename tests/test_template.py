"""The SAM template lints clean, transforms offline, and deploys what it says."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from cfnlint.api import lint_file
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from notifier.testing.aws import STATE_KEY, STATE_TTL

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
TEMPLATE = yaml_parse(TEMPLATE_PATH.read_text())
RESOURCES = TEMPLATE["Resources"]
TOPIC = {"Fn::If": ["CreateTopic", {"Ref": "AlertTopic"}, {"Ref": "SnsTopicArn"}]}


class _NoManagedPolicies:
    """The translator asks IAM for managed policies; the template uses none."""

    def load(self) -> dict:
        return {}


@pytest.fixture(scope="module")
def template() -> dict:
    return yaml_parse(TEMPLATE_PATH.read_text())


@pytest.fixture(scope="module")
def transformed(template) -> dict:
    packaged = copy.deepcopy(template)
    # What `sam package` does: the code is uploaded and CodeUri becomes S3.
    function = packaged["Resources"]["NotifierFunction"]["Properties"]
    function["CodeUri"] = "s3://artifacts-bucket/notifier.zip"
    return transform(packaged, {}, _NoManagedPolicies())


def _statements(transformed: dict) -> list[dict]:
    role = transformed["Resources"]["NotifierFunctionRole"]["Properties"]
    (policy,) = role["Policies"]
    return policy["PolicyDocument"]["Statement"]


def _conditional(statement: dict, condition: str) -> dict:
    """The statement inside ``!If [condition, statement, !Ref AWS::NoValue]``."""
    branches = statement["Fn::If"]
    assert branches[0] == condition and branches[2] == {"Ref": "AWS::NoValue"}
    return branches[1]


def test_cfn_lint_finds_nothing():
    findings = lint_file(TEMPLATE_PATH)
    assert [str(finding) for finding in findings] == []


def test_the_sam_transform_produces_the_function_and_its_schedule(transformed):
    resources = transformed["Resources"]
    kinds = {name: resource["Type"] for name, resource in resources.items()}
    assert kinds["NotifierFunction"] == "AWS::Lambda::Function"
    assert "AWS::Scheduler::Schedule" in kinds.values()
    assert "AWS::Lambda::EventInvokeConfig" in kinds.values()


def test_the_function_runs_python312_on_arm64(transformed):
    function = transformed["Resources"]["NotifierFunction"]["Properties"]
    assert function["Runtime"] == "python3.12"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == "handler.lambda_handler"


def test_a_failed_run_is_never_retried_into_duplicate_messages(transformed):
    config = next(
        resource["Properties"]
        for resource in transformed["Resources"].values()
        if resource["Type"] == "AWS::Lambda::EventInvokeConfig"
    )
    assert config["MaximumRetryAttempts"] == 0


def test_the_schedule_uses_the_parameters_and_sends_the_scheduler_event(
    transformed,
):
    schedule = next(
        resource["Properties"]
        for resource in transformed["Resources"].values()
        if resource["Type"] == "AWS::Scheduler::Schedule"
    )
    assert schedule["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "ScheduleTimezone"}
    assert '"source": "aws.scheduler"' in schedule["Target"]["Input"]


def test_secrets_are_never_resolved_into_the_environment(template):
    text = TEMPLATE_PATH.read_text()
    assert "resolve:secretsmanager" not in text
    variables = template["Resources"]["NotifierFunction"]["Properties"]["Environment"][
        "Variables"
    ]
    assert "NCP_SECRET_KEY" not in variables
    assert "SLACK_WEBHOOK_URL" not in variables
    assert template["Parameters"]["NcpSecretKey"]["NoEcho"] is True
    assert template["Parameters"]["SlackWebhookUrl"]["NoEcho"] is True


def test_the_email_subscription_exists_only_when_an_address_is_given(template):
    subscription = template["Resources"]["AlertEmailSubscription"]
    assert subscription["Condition"] == "SubscribeEmail"
    condition = template["Conditions"]["SubscribeEmail"]
    assert {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlertEmail"}, ""]}]} in condition[
        "Fn::And"
    ]


def test_the_function_may_only_publish_to_its_topic_and_read_its_secrets(
    transformed,
):
    role = transformed["Resources"]["NotifierFunctionRole"]["Properties"]
    statements = [
        statement
        for policy in role.get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    actions = set()
    for statement in _unwrap(statements):
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] != "*"
        action = statement["Action"]
        actions.update(action if isinstance(action, list) else [action])
    assert actions == {
        "sns:Publish",
        "sns:ListSubscriptionsByTopic",
        "secretsmanager:GetSecretValue",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "ses:SendEmail",
    }


def _unwrap(statements):
    """Statements behind Fn::If, both branches, without AWS::NoValue."""
    for statement in statements:
        if isinstance(statement, dict) and "Fn::If" in statement:
            _, yes, no = statement["Fn::If"]
            yield from _unwrap([yes, no])
        elif isinstance(statement, dict) and statement.get("Ref") == "AWS::NoValue":
            continue
        else:
            yield statement


class TestStateTable:
    def test_is_created_by_default_and_can_be_left_out(self):
        parameter = TEMPLATE["Parameters"]["StateTable"]
        assert parameter["Default"] == "create"
        assert TEMPLATE["Conditions"]["CreateStateTable"] == {
            "Fn::Equals": [{"Ref": "StateTable"}, "create"]
        }
        assert RESOURCES["DeliveryStateTable"]["Condition"] == "CreateStateTable"

    def test_is_on_demand_with_a_ttl_and_the_key_the_code_uses(self):
        table = RESOURCES["DeliveryStateTable"]["Properties"]
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["KeySchema"] == [{"AttributeName": STATE_KEY, "KeyType": "HASH"}]
        assert table["AttributeDefinitions"] == [
            {"AttributeName": STATE_KEY, "AttributeType": "S"}
        ]
        assert table["TimeToLiveSpecification"] == {
            "AttributeName": STATE_TTL,
            "Enabled": True,
        }
        state_code = (ROOT / "notifier" / "state.py").read_text()
        assert f'"{STATE_TTL}"' in state_code and f'"{STATE_KEY}"' in state_code

    def test_the_function_is_told_its_name(self):
        function = RESOURCES["NotifierFunction"]["Properties"]
        assert function["Environment"]["Variables"]["STATE_TABLE"] == {
            "Fn::If": [
                "CreateStateTable",
                {"Ref": "DeliveryStateTable"},
                {"Fn::If": ["UseStateTable", {"Ref": "StateTable"}, ""]},
            ]
        }

    def test_the_function_may_call_exactly_what_the_code_calls(self, transformed):
        (statement,) = [
            _conditional(s, "UseStateTable")
            for s in _statements(transformed)
            if "Fn::If" in s and s["Fn::If"][0] == "UseStateTable"
        ]
        calls = set(
            re.findall(
                r"self\._client\.(\w+)", (ROOT / "notifier" / "state.py").read_text()
            )
        )
        actions = {
            "dynamodb:" + "".join(part.capitalize() for part in call.split("_"))
            for call in calls
        }
        assert sorted(statement["Action"]) == sorted(actions)
        assert statement["Resource"]["Fn::If"][1] == {
            "Fn::GetAtt": ["DeliveryStateTable", "Arn"]
        }
        assert "*" not in str(statement["Resource"])


class TestAlarms:
    def test_errors_of_the_function_are_published_to_the_topic(self):
        alarm = RESOURCES["ErrorsAlarm"]["Properties"]
        assert alarm["Namespace"] == "AWS/Lambda" and alarm["MetricName"] == "Errors"
        assert alarm["Dimensions"] == [
            {"Name": "FunctionName", "Value": {"Ref": "NotifierFunction"}}
        ]
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["Threshold"] == 0
        assert alarm["AlarmActions"] == [TOPIC]

    def test_a_run_that_did_not_succeed_for_too_long_fires_an_alarm(self):
        alarm = RESOURCES["MissedRunAlarm"]["Properties"]
        metrics = {metric["Id"]: metric for metric in alarm["Metrics"]}
        assert metrics["successes"]["Expression"] == "invocations - FILL(errors, 0)"
        assert metrics["invocations"]["MetricStat"]["Metric"]["MetricName"] == (
            "Invocations"
        )
        assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "Errors"
        hours = {"Ref": "MissedRunAlarmHours"}
        assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == hours
        assert metrics["invocations"]["MetricStat"]["Period"] == 3600
        # No invocation at all in an hour is no data: that must count as a miss.
        assert alarm["TreatMissingData"] == "breaching"
        assert alarm["ComparisonOperator"] == "LessThanThreshold"
        assert alarm["Threshold"] == 1
        assert alarm["AlarmActions"] == [TOPIC]

    def test_the_missed_run_window_fits_cloudwatch(self):
        parameter = TEMPLATE["Parameters"]["MissedRunAlarmHours"]
        # CloudWatch evaluates at most seven days of hourly periods.
        assert parameter["MaxValue"] == 168 and parameter["MinValue"] == 0
        assert RESOURCES["MissedRunAlarm"]["Condition"] == "WatchMissedRuns"
