"""Tantivy's index generation, which keeps ranked pages from outliving the index they were ranked on: it changes
with every commit, made by this process or by another one writing the same index, and a search after the change
sees that commit at once (the reader does not wait for its watcher)."""

from __future__ import annotations

import json
from pathlib import Path

import tantivy

from aisle.adapters.search.tantivy_engine import DOCSTORE_BLOCK_BYTES, TantivyEngine
from aisle.adapters.search.tantivy_home import SwitchingEngine, TantivyIndexHome
from aisle.adapters.search.tantivy_schema import build_schema
from aisle.services.search.engine import EngineQuery
from tests.contract.test_search_engine import NOW, doc, words


def ids_for(engine: TantivyEngine | SwitchingEngine, word: str) -> list[int]:
    return [h.product_id for h in engine.search(EngineQuery(words(word))).hits]


def test_a_commit_by_another_writer_is_a_new_generation_searched_at_once(tmp_path: Path):
    writer = TantivyEngine(tmp_path, lambda: NOW)
    writer.upsert([doc(1, "Trail Shoe", "Acme", "50.00")])
    writer.refresh()
    reader = TantivyEngine(tmp_path, lambda: NOW)  # another serving process on the same index
    before = reader.generation()
    assert reader.generation() == before and ids_for(reader, "shoe") == [1]
    writer.upsert([doc(2, "Road Shoe", "Acme", "60.00")])
    writer.refresh()
    assert reader.generation() != before
    assert sorted(ids_for(reader, "shoe")) == [1, 2]
    writer.close()


def test_an_index_in_memory_counts_its_commits(tmp_path: Path):
    engine = TantivyEngine(None, lambda: NOW)
    before = engine.generation()
    engine.upsert([doc(1, "Trail Shoe", "Acme", "50.00")])
    assert engine.generation() == before  # written, not yet committed: searches do not see it either
    engine.refresh()
    assert engine.generation() != before and ids_for(engine, "shoe") == [1]


def test_a_switch_to_a_rebuilt_index_is_a_new_generation(tmp_path: Path):
    serving = SwitchingEngine(TantivyIndexHome(tmp_path / "search"), lambda path: TantivyEngine(path, lambda: NOW))
    serving.upsert([doc(1, "Trail Shoe", "Acme", "50.00")])
    serving.refresh()
    before = serving.generation()
    rebuilt = serving.begin_rebuild()
    rebuilt.upsert([doc(1, "Trail Shoe", "Acme", "50.00")])
    rebuilt.refresh()
    serving.finish_rebuild(rebuilt)
    assert serving.generation() != before
    assert ids_for(serving, "shoe") == [1]
    serving.close()


def test_a_new_index_keeps_documents_in_small_blocks_and_an_existing_one_keeps_its_own(tmp_path: Path):
    fresh = TantivyEngine(tmp_path / "fresh", lambda: NOW)
    fresh.upsert([doc(n, f"Trail Shoe {n}", "Acme", "50.00") for n in range(1, 40)])
    fresh.refresh()
    fresh.close()
    reopened = TantivyEngine(tmp_path / "fresh", lambda: NOW)
    assert reopened.search(EngineQuery(words("shoe"))).total == 39
    settings = json.loads((tmp_path / "fresh" / "meta.json").read_text())["index_settings"]
    assert settings["docstore_blocksize"] == DOCSTORE_BLOCK_BYTES  # kept through commits and reopening
    reopened.close()

    older = tmp_path / "older"
    older.mkdir()
    tantivy.Index(build_schema(), path=str(older))  # as an earlier version created it: Tantivy's 16 KB blocks
    TantivyEngine(older, lambda: NOW).close()
    assert json.loads((older / "meta.json").read_text())["index_settings"]["docstore_blocksize"] == 16384
