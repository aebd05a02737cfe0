"""Every command warns of AISLE_* environment variables that nothing reads: a misspelled setting is otherwise
ignored without a word (AISLE_DATADIR=/x serving a new, empty store in ./var)."""

import re
from pathlib import Path

from typer.testing import CliRunner

from aisle.entrypoints.cli import app as cli
from aisle.entrypoints.environment import unread_variables

REPOSITORY = Path(__file__).resolve().parents[2]


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning: ")]


def test_a_misspelled_setting_is_named_with_the_setting_it_resembles_and_the_command_still_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_DATADIR", "/x")
    monkeypatch.setenv("AISLE_SEARCHES_PER_MINUT", "5")
    monkeypatch.setenv("AISLE_INTERNAL_TOKN", "abc")
    monkeypatch.setenv("AISLE_NOTHING_LIKE_IT", "1")

    result = CliRunner().invoke(cli, ["sellers", "create", "--name", "Acme"])

    assert result.exit_code == 0, result.output
    assert _warnings(result.output) == [
        "warning: AISLE_DATADIR is set but aisle reads no such setting; did you mean AISLE_DATA_DIR?",
        "warning: AISLE_INTERNAL_TOKN is set but aisle reads no such setting; did you mean AISLE_INTERNAL_TOKEN?",
        "warning: AISLE_NOTHING_LIKE_IT is set but aisle reads no such setting; see the README's Settings for the "
        "names aisle reads",
        "warning: AISLE_SEARCHES_PER_MINUT is set but aisle reads no such setting; did you mean "
        "AISLE_SEARCHES_PER_MINUTE?",
    ]


def test_a_setting_in_lower_case_is_read_so_a_misspelled_one_is_warned_of_too():
    assert unread_variables({"aisle_data_dir": "x", "aisle_test_database_url": "x"}) == []  # both read
    assert unread_variables({"aisle_datadir": "x"}) == [
        "warning: aisle_datadir is set but aisle reads no such setting; did you mean AISLE_DATA_DIR?"
    ]


def test_the_variables_read_outside_the_settings_are_not_warned_of(tmp_path, monkeypatch):
    monkeypatch.setenv("AISLE_DATA_DIR", str(tmp_path))
    for name in ("AISLE_SAMPLE_DATA", "AISLE_TEST_DATABASE_URL", "AISLE_SERVICES_DIR", "AISLE_TRACES_EXPORTER"):
        monkeypatch.setenv(name, "console" if name == "AISLE_TRACES_EXPORTER" else "x")

    result = CliRunner().invoke(cli, ["sellers", "list"])

    assert result.exit_code == 0, result.output
    assert _warnings(result.output) == []


def test_no_variable_the_scripts_tests_or_benchmarks_set_or_read_is_warned_of():
    sources = [*REPOSITORY.glob("deploy/**/*.sh"), REPOSITORY / ".ci" / "run", REPOSITORY / "Makefile"]
    sources += [p for p in REPOSITORY.glob("*/**/*.py") if p.name != Path(__file__).name and ".venv" not in p.parts]
    names = {name for path in sources for name in re.findall(r"\bAISLE_[A-Z0-9_]*[A-Z0-9]\b", path.read_text())}
    families = {name for name in names if any(other.startswith(name + "_") for other in names)}  # AISLE_CLUSTER_*
    constants = {"AISLE_FROM"}  # a name in the search code, not a variable
    assert unread_variables(dict.fromkeys(names - families - constants, "x")) == []
