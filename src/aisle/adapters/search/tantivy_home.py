"""Generations of the Tantivy index side by side, and a CURRENT file naming the one that serves.

A reindex builds a new generation while the old one keeps answering, then switches CURRENT in one atomic rename.
A serving process notices the switch, opens the new generation and re-syncs what changed while it was built.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.domain.search.document import SearchDocument
from aisle.services.search.engine import EngineQuery, EngineResult, Filters, KeywordGroup, RebuildTarget

log = logging.getLogger(__name__)
BUILT_FROM = "built_from"  # when the rebuild started reading the catalog: the serving side catches up from there
CHECK_EVERY_SECONDS = 1.0


class TantivyIndexHome:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._pointer = root / "CURRENT"

    def current(self) -> Path:
        if not self._pointer.exists():
            self.switch_to(self.new_generation(started=datetime.now(UTC)))
        return self.root / self._pointer.read_text().strip()

    def new_generation(self, started: datetime) -> Path:
        generation = self.root / f"gen-{time.time_ns()}"
        generation.mkdir(parents=True)
        (generation / BUILT_FROM).write_text(started.isoformat())
        return generation

    def switch_to(self, generation: Path) -> None:
        temporary = self.root / f".CURRENT.{os.getpid()}"
        temporary.write_text(generation.name)
        os.replace(temporary, self._pointer)  # atomic: readers see the old name or the new, never neither

    def version(self) -> int:
        return self._pointer.stat().st_mtime_ns if self._pointer.exists() else 0

    def remove_abandoned_generations(self) -> list[Path]:
        """Generations begun after the serving one and never switched to (a rebuild whose process died)."""
        current = self.current()
        abandoned = [p for p in self.root.glob("gen-*") if p.is_dir() and p.name > current.name]
        for generation in abandoned:
            shutil.rmtree(generation, ignore_errors=True)
        return abandoned

    def remove_old_generations(self, keep: int = 2) -> None:
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        current = self.current()
        for old in generations[:-keep]:
            if old != current:
                shutil.rmtree(old, ignore_errors=True)


def built_from(generation: Path) -> datetime:
    marker = generation / BUILT_FROM
    return datetime.fromisoformat(marker.read_text()) if marker.exists() else datetime.now(UTC)


class SwitchingEngine:
    """A TantivyEngine that follows the home's CURRENT pointer; every engine call goes to the serving generation."""

    def __init__(
        self,
        home: TantivyIndexHome,
        open_engine: Callable[[Path], TantivyEngine],
        on_switch: Callable[[datetime], None] = lambda _since: None,
    ) -> None:
        self.home = home
        self._open = open_engine
        self._on_switch = on_switch
        self._lock = threading.Lock()
        self.needs_rebuild = False  # the serving index was made by an older version: rebuild it from the catalog
        self._engine = self._open_current()
        self._seen_version = home.version()
        self._checked_at = time.monotonic()

    def _open_current(self) -> TantivyEngine:
        """The serving generation. When an older version wrote it with another layout: a fresh empty generation
        and ``needs_rebuild``. When it cannot be read at all (corrupted): a fresh empty generation too, which the
        serving loops rebuild from the catalog (services/search/index_rebuild.py); the index is derived data, so
        a broken one must not keep the store from starting. The old generation stays on disk until a rebuild
        removes it."""
        current = self.home.current()
        try:
            return self._open(current)
        except ValueError as error:
            if "schema does not match" in str(error):
                log.warning("search index %s has an older layout: starting a fresh one to rebuild", current)
                self.needs_rebuild = True
            else:
                log.error("search index %s cannot be opened (%s): starting a fresh one to rebuild", current, error)
        fresh = self.home.new_generation(datetime.now(UTC))
        self.home.switch_to(fresh)
        return self._open(fresh)

    @property
    def engine(self) -> TantivyEngine:
        if time.monotonic() - self._checked_at >= CHECK_EVERY_SECONDS:
            self._follow_pointer()
        return self._engine

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        self.engine.upsert(documents)

    def delete(self, product_ids: Sequence[int]) -> None:
        self.engine.delete(product_ids)

    def refresh(self) -> None:
        self.engine.refresh()

    def search(self, query: EngineQuery) -> EngineResult:
        return self.engine.search(query)

    def related(self, product_id: int, limit: int) -> list[int]:
        return self.engine.related(product_id, limit)

    def count_each(self, keywords: tuple[KeywordGroup, ...], filters: Sequence[Filters]) -> list[int]:
        return self.engine.count_each(keywords, filters)

    def term_completions(self, prefix: str, limit: int, within: str = "") -> list[tuple[str, int]]:
        return self.engine.term_completions(prefix, limit, within)

    def title_completions(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        return self.engine.title_completions(prefix, limit)

    def brands(self) -> list[str]:
        return self.engine.brands()

    def claim_brand_spellings(self, wanted: Mapping[str, str]) -> dict[str, str]:
        return self.engine.claim_brand_spellings(wanted)

    def popularity_cuts(self) -> list[float]:
        return self.engine.popularity_cuts()

    def generation(self) -> tuple[object, ...] | None:
        """The serving index and its commit: changes when either does (see TantivyEngine.generation); None
        when it cannot be read (the index directory is gone) or reloaded (tantivy's ValueError: a read-only
        directory refuses the lock file a reload takes), nor followed to a new one (a file where the directory
        was): searches go on with the reader open, or through the engine's guard, and nothing is kept."""
        try:
            engine = self.engine
            return (str(engine.path), engine.generation())
        except (OSError, ValueError):
            return None

    def count(self) -> int:
        return self.engine.count()

    def close(self) -> None:
        self._engine.close()  # the index open now: closing follows no pointer to another

    def begin_rebuild(self) -> TantivyEngine:
        return self._open(self.home.new_generation(datetime.now(UTC)))

    def drop_abandoned_rebuilds(self) -> None:
        if abandoned := self.home.remove_abandoned_generations():
            log.warning("removed search index generations of rebuilds that never finished: %s", abandoned)

    def finish_rebuild(self, target: RebuildTarget) -> None:
        """Switches this process at once; other processes follow the pointer within a second and catch up."""
        assert isinstance(target, TantivyEngine), "a Tantivy index switches only to a Tantivy generation"
        target.close()
        assert target.path is not None
        self.home.switch_to(target.path)
        with self._lock:
            old, self._engine = self._engine, self._open(target.path)
            self._seen_version = self.home.version()
        _retire(old)
        self.home.remove_old_generations()

    def _follow_pointer(self) -> None:
        with self._lock:
            self._checked_at = time.monotonic()
            version = self.home.version()
            if version == self._seen_version:
                return
            generation = self.home.current()
            log.info("search index switched to %s", generation.name)
            old, self._engine = self._engine, self._open(generation)
            self._seen_version = version
            _retire(old)
        self._on_switch(built_from(generation))


def _retire(engine: TantivyEngine) -> None:
    """Closes an index this process no longer serves. Its directory may be gone (deleted under the running store):
    what its writer had not committed goes with it, and the repair refills the new generation from the catalog,
    rather than the search that noticed the switch failing."""
    try:
        engine.close()
    except (OSError, ValueError) as error:  # tantivy reports a missing file as a ValueError
        log.warning("search index %s closed without its last writes (%s)", engine.path, error)
