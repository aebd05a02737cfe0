"""AISLE_* environment variables that nothing reads: a misspelled setting is otherwise ignored without a word."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from pydantic import AliasChoices

from aisle.settings import Settings

PREFIX = "AISLE_"
# Read by aisle outside Settings: the demo and the data tests (AISLE_SAMPLE_DATA), and the test suite
READ_ELSEWHERE = frozenset({"AISLE_SAMPLE_DATA", "AISLE_SCHEMATHESIS_EXAMPLES", "AISLE_CHROMIUM"})
# Read by deploy/local's scripts, which start the distributed profile's services; an operator's shell may export
# them beside the settings
READ_BY_SERVICE_SCRIPTS = frozenset(
    {
        "AISLE_ALL_SERVICES",
        "AISLE_BIND",
        "AISLE_CACHE_DIR",
        "AISLE_JAVA_HOME",
        "AISLE_KAFKA_CONTROLLER_PORT",
        "AISLE_KAFKA_HEAP",
        "AISLE_KAFKA_PORT",
        "AISLE_KAFKA_PROBE_TIMEOUT",
        "AISLE_KAFKA_VERSION",
        "AISLE_LOCK_FD",
        "AISLE_LOG_DIR",
        "AISLE_MVN_DEP_PLUGIN",
        "AISLE_OPENSEARCH_HEAP",
        "AISLE_OPENSEARCH_PORT",
        "AISLE_OPENSEARCH_TRANSPORT_PORT",
        "AISLE_OPENSEARCH_VERSION",
        "AISLE_PG_PORT",
        "AISLE_PG_VERSION",
        "AISLE_PYTHON",
        "AISLE_REDIS_PORT",
        "AISLE_RUN_DIR",
        "AISLE_S3PROXY_VERSION",
        "AISLE_S3_ACCESS_KEY",
        "AISLE_S3_HEAP",
        "AISLE_S3_PORT",
        "AISLE_S3_SECRET_KEY",
        "AISLE_SERVICES_DIR",
        "AISLE_SVC_USER",
        "AISLE_WAIT_SECS",
    }
)
# Families read by the tests (AISLE_TEST_*), the benchmarks (AISLE_BENCH_*) and deploy/local/cluster.sh
READ_BY_PREFIX = ("AISLE_TEST_", "AISLE_BENCH_", "AISLE_CLUSTER_")


def setting_names() -> list[str]:
    """The environment variables Settings reads, as an operator spells them."""
    names = []
    for field, info in Settings.model_fields.items():
        names.append(PREFIX + field.upper())
        if isinstance(info.validation_alias, AliasChoices):
            names += [str(alias) for alias in info.validation_alias.choices if str(alias).startswith(PREFIX)]
    return names


def unread_variables(environ: Mapping[str, str]) -> list[str]:
    """One line for each AISLE_* variable in ``environ`` that no setting, script or test reads, naming the
    setting it may have meant to spell."""
    settings = setting_names()
    known = {*settings, *READ_ELSEWHERE, *READ_BY_SERVICE_SCRIPTS}
    # Settings reads names in any case ("aisle_data_dir" too), so any case is looked at
    unread = sorted(name for name in environ if name.upper().startswith(PREFIX) and not _is_read(name.upper(), known))
    return [_warning(name, [*settings, *READ_ELSEWHERE]) for name in unread]


def _is_read(name: str, known: set[str]) -> bool:
    return name in known or name.startswith(READ_BY_PREFIX)


def _warning(name: str, candidates: Iterable[str]) -> str:
    closest = difflib.get_close_matches(name.upper(), list(candidates), n=1, cutoff=0.75)
    meant = f"did you mean {closest[0]}?" if closest else "see the README's Settings for the names aisle reads"
    return f"warning: {name} is set but aisle reads no such setting; {meant}"
