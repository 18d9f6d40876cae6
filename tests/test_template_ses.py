"""The template's SES parts: parameters, rules, and a send permission scoped
to the sender's identities, worked out as CloudFormation would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from samtranslator.yaml_helper import yaml_parse

from notifier.config import Settings
from notifier.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "ap-northeast-2",
    "AWS::AccountId": "123456789012",
}
IDENTITY = "arn:aws:ses:ap-northeast-2:123456789012:identity/"
NO_VALUE = object()


class Stack:
    """Parameter values, and the intrinsic functions this part of the template
    uses (Ref, Sub, Select, Split, If and the condition functions)."""

    def __init__(self, **values: str):
        self.values = {
            name: str(spec.get("Default", ""))
            for name, spec in TEMPLATE["Parameters"].items()
        }
        self.values.update(values)
        self.values.update(PSEUDO)

    def condition(self, name: str) -> bool:
        return self.truth(TEMPLATE["Conditions"][name])

    def truth(self, node) -> bool:
        (function, args), *_ = node.items()
        if function == "Fn::Equals":
            return self.value(args[0]) == self.value(args[1])
        if function == "Fn::Not":
            return not self.truth(args[0])
        if function == "Fn::And":
            return all(self.truth(arg) for arg in args)
        if function == "Fn::Or":
            return any(self.truth(arg) for arg in args)
        if function == "Condition":
            return self.condition(args)
        raise AssertionError(f"unexpected condition {node}")

    def value(self, node):
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Fn::", "Ref")):
            items = {key: self.value(item) for key, item in node.items()}
            return {key: item for key, item in items.items() if item is not NO_VALUE}
        (function, args), *_ = node.items()
        if function == "Ref":
            if args == "AWS::NoValue":
                return NO_VALUE
            # A resource stands for itself: only parameters matter here.
            return self.values.get(args, f"<{args}>")
        if function == "Fn::If":
            return self.value(args[1] if self.condition(args[0]) else args[2])
        if function == "Fn::GetAtt":
            return f"<{args}>"
        if function == "Fn::Select":
            return self.value(args[1])[int(args[0])]
        if function == "Fn::Split":
            return self.value(args[1]).split(args[0])
        if function == "Fn::Sub":
            text, names = (args, {}) if isinstance(args, str) else args
            names = {key: self.value(item) for key, item in names.items()}
            return re.sub(
                r"\$\{([^}]+)\}",
                lambda m: names.get(m.group(1)) or self.values[m.group(1)],
                text,
            )
        raise AssertionError(f"unexpected function {function}")

    def mail_statement(self) -> dict | None:
        function = TEMPLATE["Resources"]["NotifierFunction"]["Properties"]
        statements = self.value(function["Policies"][0]["Statement"])
        found = [s for s in statements if s.get("Sid") == "SendDigestMail"]
        return found[0] if found else None

    def rules_hold(self) -> bool:
        rule = TEMPLATE["Rules"]["SesSenderAndRecipients"]
        return all(self.truth(check["Assert"]) for check in rule["Assertions"])


def test_the_function_may_send_as_the_senders_address_or_its_domain_only():
    stack = Stack(SesFrom="cert-alerts@example.com", SesTo="ops@example.com")

    statement = stack.mail_statement()

    assert statement["Action"] == "ses:SendEmail"
    assert statement["Resource"] == [
        IDENTITY + "cert-alerts@example.com",
        IDENTITY + "example.com",
    ]


def test_ses_identity_adds_the_identity_that_verified_the_sender():
    stack = Stack(
        SesFrom="alerts@mail.example.com",
        SesTo="ops@example.com",
        SesIdentity="example.com",
    )

    assert stack.mail_statement()["Resource"] == [
        IDENTITY + "alerts@mail.example.com",
        IDENTITY + "mail.example.com",
        IDENTITY + "example.com",
    ]


def test_without_a_sender_the_function_may_send_no_mail():
    assert Stack().mail_statement() is None


def test_the_function_reads_the_sender_and_recipients_from_the_parameters():
    function = TEMPLATE["Resources"]["NotifierFunction"]["Properties"]
    variables = function["Environment"]["Variables"]

    assert variables["SES_FROM"] == {"Ref": "SesFrom"}
    assert variables["SES_TO"] == {"Ref": "SesTo"}


@pytest.mark.parametrize(
    ("values", "holds"),
    [
        ({}, True),
        ({"SesFrom": "a@example.com", "SesTo": "ops@example.com"}, True),
        ({"SesFrom": "a@example.com"}, False),
        ({"SesTo": "ops@example.com"}, False),
        ({"SesIdentity": "example.com"}, False),
        (
            {
                "SesFrom": "a@mail.example.com",
                "SesTo": "ops@example.com",
                "SesIdentity": "example.com",
            },
            True,
        ),
    ],
)
def test_the_rules_want_sender_and_recipients_together(values, holds):
    assert Stack(**values).rules_hold() is holds


@pytest.mark.parametrize(
    ("sender", "recipients"),
    [
        ("cert-alerts@example.com", "ops@example.com"),
        ("a.b+c@mail.example.co.kr", "ops@example.com, oncall@example.org"),
        ("alerts@xn--9n2bp8q.kr", "a@example.com,b@example.com,c@example.com"),
    ],
)
def test_every_configuration_the_function_accepts_passes_the_parameter_patterns(
    sender, recipients
):
    Settings.from_env(
        {
            "NCP_ACCESS_KEY": "a",
            "NCP_SECRET_KEY": "b",
            "SES_FROM": sender,
            "SES_TO": recipients,
        }
    )
    parameters = TEMPLATE["Parameters"]

    assert re.fullmatch(parameters["SesFrom"]["AllowedPattern"], sender)
    assert re.fullmatch(parameters["SesTo"]["AllowedPattern"], recipients)


@pytest.mark.parametrize(
    "sender", ["Certificates <a@example.com>", "a@example.com,b@example.com"]
)
def test_a_sender_the_function_refuses_is_refused_at_deploy_time_too(sender):
    with pytest.raises(ConfigError):
        Settings.from_env(
            {
                "NCP_ACCESS_KEY": "a",
                "NCP_SECRET_KEY": "b",
                "SES_FROM": sender,
                "SES_TO": "ops@example.com",
            }
        )

    assert not re.fullmatch(TEMPLATE["Parameters"]["SesFrom"]["AllowedPattern"], sender)
