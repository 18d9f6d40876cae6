"""template.yaml lints clean, transforms offline, and matches what the code does."""

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
    """The translator asks for AWS managed policy ARNs; the template uses none."""

    def load(self) -> dict:
        return {}


@pytest.fixture
def transformed(monkeypatch) -> dict:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-2")
    template = copy.deepcopy(TEMPLATE)
    # `sam build` replaces CodeUri with the built artifact's S3 location.
    function = template["Resources"]["NotifierFunction"]["Properties"]
    function["CodeUri"] = "s3://example-bucket/notifier.zip"
    return transform(template, {}, _NoManagedPolicies())


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
    assert [str(match) for match in lint_file(TEMPLATE_PATH)] == []


def test_the_sam_transform_works_offline(transformed):
    resources = transformed["Resources"]
    assert resources["NotifierFunction"]["Type"] == "AWS::Lambda::Function"
    assert resources["DeliveryStateTable"]["Type"] == "AWS::DynamoDB::Table"
    assert resources["ErrorsAlarm"]["Type"] == "AWS::CloudWatch::Alarm"
    assert resources["MissedRunAlarm"]["Type"] == "AWS::CloudWatch::Alarm"


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
