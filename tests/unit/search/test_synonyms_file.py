"""The synonyms file: AISLE_SYNONYMS_PATH in Solr's format, reloaded when it changes, the packaged file by default."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from aisle.services.search.understanding import QueryUnderstanding
from aisle.settings import Settings


def understanding(path: Path) -> QueryUnderstanding:
    return QueryUnderstanding(lambda _n: [("phone", 5), ("mobile", 3), ("cellular", 2)], lambda: [], path)


def test_the_file_is_read_and_reloaded_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# Solr format\nphone, mobile\n", encoding="utf-8")
    found = understanding(path)
    assert found.parse("phone").synonyms == (("phone", ("mobile",)),)
    path.write_text("phone => cellular\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different stamp even on file systems with coarse times
    assert found.rebuild_if_stale() == 1
    assert found.parse("phone").synonyms == (("phone", ("cellular",)),)
    assert found.rebuild_if_stale() == 0  # unchanged: nothing to do


def test_a_file_that_disappears_keeps_the_table_in_use(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("phone, mobile\n", encoding="utf-8")
    found = understanding(path)
    path.unlink()
    found.rebuild_if_stale()
    assert found.parse("phone").synonyms == (("phone", ("mobile",)),)


def test_a_missing_file_stops_start_up_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="AISLE_SYNONYMS_PATH"):
        Settings(synonyms_path=tmp_path / "nope.txt")
    assert Settings().synonyms_path is None  # the packaged file
