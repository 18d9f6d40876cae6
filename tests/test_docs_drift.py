"""The code, the SAM template and the README name the same variables."""

from __future__ import annotations

import re
from pathlib import Path

import _package_rule as package_rule
import pytest
from samtranslator.yaml_helper import yaml_parse

from notifier.config import VARIABLES

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = yaml_parse((ROOT / "template.yaml").read_text())
README = (ROOT / "README.md").read_text()


# The runtime code: what the function deploys (scripts/package.py decides);
# the command line's own variables (NO_COLOR) are not the function's.
RUNTIME_SOURCES = [ROOT / "handler.py"] + [
    path
    for path in (ROOT / "notifier").rglob("*.py")
    if not set(path.relative_to(ROOT / "notifier").parts)
    & set(package_rule.DEVELOPMENT_ONLY)
]

# Reads of a variable by name: through config's reader, or os.environ/getenv.
_READS = re.compile(
    r"""(?:env\.\w+\(\s*|environ(?:\.get)?[\[(]\s*|getenv\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
)


def parameter_name(variable: str) -> str:
    return "".join(part.capitalize() for part in variable.split("_"))


def readme_rows() -> list[str]:
    return [line for line in README.splitlines() if line.startswith("| `")]


def variables_read_by_code() -> set[str]:
    found: set[str] = set()
    for path in RUNTIME_SOURCES:
        found.update(_READS.findall(path.read_text()))
    return found


def test_the_code_reads_exactly_the_declared_variables():
    assert variables_read_by_code() == set(VARIABLES)


@pytest.mark.parametrize("variable", sorted(VARIABLES))
def test_each_variable_is_a_template_parameter(variable):
    assert parameter_name(variable) in TEMPLATE["Parameters"]


@pytest.mark.parametrize("variable", sorted(VARIABLES))
def test_each_variable_has_a_readme_row_with_its_parameter(variable):
    rows = [row for row in readme_rows() if f"`{variable}`" in row]
    assert rows, f"README has no configuration row for {variable}"
    assert f"`{parameter_name(variable)}`" in rows[0]


def test_the_function_environment_holds_only_declared_variables():
    function = TEMPLATE["Resources"]["NotifierFunction"]["Properties"]
    assert set(function["Environment"]["Variables"]) <= set(VARIABLES)


@pytest.mark.parametrize("parameter", sorted(TEMPLATE["Parameters"]))
def test_each_template_parameter_has_a_readme_row(parameter):
    assert any(row.startswith(f"| `{parameter}` |") for row in readme_rows())


def test_every_readme_parameter_exists_in_the_template():
    documented = {
        match.group(1)
        for row in readme_rows()
        if (match := re.match(r"^\| `([A-Z][A-Za-z]+)` \|", row))
    }
    assert documented <= set(TEMPLATE["Parameters"])
