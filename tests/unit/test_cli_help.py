"""The command line's help reads as prose: paragraphs rewrapped to the terminal, lists as lists."""

import pytest
from typer.testing import CliRunner

from aisle.entrypoints.cli import app as cli


@pytest.fixture
def wide_help(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")

    def help_of(*command: str) -> list[str]:
        result = CliRunner().invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, result.output
        return [" ".join(line.split()) for line in result.output.splitlines()]

    return help_of


def test_a_paragraph_is_rewrapped_not_broken_where_the_docstring_breaks(wide_help):
    # the docstring breaks this paragraph after "takes over within a" and after "gives process n its own"
    text = "\n".join(wide_help("serve"))
    assert "takes over within a second if it dies" in text
    assert "gives process n its own /metrics" in text


def test_the_worker_names_are_listed_one_per_line(wide_help):
    lines = wide_help("worker")
    assert "• relay: outbox -> Kafka" in lines
    assert (
        "• pruner: deletes delivered events, old idempotency keys and finished bulk jobs after AISLE_RETENTION_HOURS"
        in lines
    )


COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["import"],
    ["reindex"],
    ["demo"],
    ["sellers", "create"],
    ["sellers", "list"],
    ["sellers", "keys", "list"],
    ["sellers", "keys", "rotate"],
    ["sellers", "keys", "revoke"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "aisle")
def test_no_option_name_is_cut_short_at_80_columns(monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    if command == ["import"]:
        assert "--generated-reviews" in result.output and "--no-generated-reviews" in result.output
