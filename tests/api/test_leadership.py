"""Leader election over a file lock, and the follower's view of the outbox (real SQLite, real flock)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from aisle.adapters.leadership import FileLock, claim_slot
from aisle.bootstrap import bootstrap
from aisle.domain import events as ev
from aisle.services.leadership import Leadership, OutboxFollower
from aisle.services.ports import OutboxEntry
from tests.api.conftest import make_settings


class CountingLoop:
    def __init__(self) -> None:
        self.started = self.stopped = 0

    def start(self) -> None:
        self.started += 1

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped += 1


def test_one_of_two_leads_and_the_other_takes_over_when_the_lock_is_freed(tmp_path: Path):
    lock_path = tmp_path / "leader.lock"
    first_work, first_follow, second_work, second_follow = (CountingLoop() for _ in range(4))
    first = Leadership(FileLock(lock_path), [first_work], [first_follow])
    second = Leadership(FileLock(lock_path), [second_work], [second_follow])
    first.step()
    second.step()
    second.step()
    assert (first.leading, second.leading) == (True, False)
    assert (first_work.started, second_work.started, second_follow.started) == (1, 0, 1)
    first.stop()  # as the kernel does when the leader's process dies
    second.step()
    assert second.leading
    assert (second_work.started, second_follow.stopped) == (1, 1)
    second.stop()


def test_slots_are_distinct_while_held(tmp_path: Path):
    first, first_lock = claim_slot(tmp_path)
    second, _still_held = claim_slot(tmp_path)
    assert (first, second) == (0, 1)
    first_lock.release()
    assert claim_slot(tmp_path)[0] == 0


def test_the_follower_hands_over_each_event_once_including_late_commits(tmp_path: Path):
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seen: list[OutboxEntry] = []
    follower = OutboxFollower(app.uow, seen.extend)
    follower.step()  # starts from now

    def record(key: int) -> None:
        with app.uow() as uow:
            uow.record([ev.Event(ev.PRODUCT_UPDATED, key, {})])
            uow.commit()

    record(1)
    record(2)
    follower.step()
    follower.step()
    assert [e.key for e in seen] == [1, 2]
    late = app.ids.next_id()  # an id taken before the next event's, committed after it (another process, slower)
    record(3)
    with app.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox (event_id, name, key, payload, status, attempts, created_at) "
                "VALUES (:id, 'product.updated', 4, '{}', 'PENDING', 0, CURRENT_TIMESTAMP)"
            ),
            {"id": late},
        )
    follower.step()
    follower.step()
    assert sorted(e.key for e in seen) == [1, 2, 3, 4]
    app.stop()
