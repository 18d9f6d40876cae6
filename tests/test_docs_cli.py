"""The README documents every command, option and choice of the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from notifier import cli
from notifier.report_selection import STATES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
SECTION = README.split("## Reports on demand", 1)[-1].split("\n## ", 1)[0]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (commands,) = [
        action
        for action in cli.parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    return dict(commands.choices)


def documented_options() -> list[tuple[str, str]]:
    """(command, option string) for every option of every command."""
    return [
        (name, option)
        for name, command in subcommands().items()
        for action in command._actions
        for option in action.option_strings
    ]


def documented_choices() -> list[tuple[str, str]]:
    return [
        (action.option_strings[-1], str(choice))
        for command in subcommands().values()
        for action in command._actions
        if action.choices and action.option_strings
        for choice in action.choices
    ]


def test_the_readme_has_the_command_line_section():
    assert "## Reports on demand" in README
    assert len(SECTION) > 1000


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_each_command_is_in_the_readme(command):
    assert f"python -m notifier {command}" in README


@pytest.mark.parametrize(("command", "option"), documented_options())
def test_each_option_is_in_the_readme(command, option):
    assert f"`{option}" in SECTION, f"README does not document {command} {option}"


@pytest.mark.parametrize(("option", "choice"), documented_choices())
def test_each_choice_is_in_the_readme(option, choice):
    assert f"`{choice}`" in SECTION, f"README does not document {option} {choice}"


@pytest.mark.parametrize("state", STATES)
def test_each_state_for_the_state_filter_is_in_the_readme(state):
    assert f"`{state}`" in SECTION


def test_the_options_are_found_at_all():
    # Guards the walk above: an empty list would make the tests pass vacuously.
    options = {option for _, option in documented_options()}
    assert {"--env-file", "--format", "--state", "--within", "--color"} <= options
