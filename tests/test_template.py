"""The SAM template lints clean, transforms offline, and deploys what it says."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from cfnlint.api import lint_file
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


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
    variables = template["Resources"]["NotifierFunction"]["Properties"][
        "Environment"
    ]["Variables"]
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
