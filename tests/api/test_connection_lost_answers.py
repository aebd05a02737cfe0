"""What a request hears when its database connection breaks: whether its change was saved decides whether sending
it again is safe. The breaks are raised where the database driver raises them (the pool's "handle_error", a
commit), over the real SQLite database and the app's real middleware and handlers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event

from aisle.bootstrap import bootstrap
from aisle.domain import events as ev
from aisle.entrypoints.api.app import create_app
from aisle.services.ports import ConnectionLost
from aisle.services.retry import retry_on_conflict
from tests.api.conftest import make_settings

LOST = "terminating connection due to administrator command"


def test_the_answer_says_whether_the_change_was_saved_when_the_connection_breaks(tmp_path: Path):
    container = bootstrap(make_settings(tmp_path, run_background_workers=False))
    app = create_app(container, manage_background=False)
    attempts: list[int] = []

    def save_a_change() -> None:
        with container.uow() as uow:
            uow.record([ev.Event(ev.PRODUCT_UPDATED, key=1, payload={})])
            uow.commit()

    @app.post("/lost-before-saving")
    def lost_before_saving() -> None:
        raise ConnectionLost(LOST)

    @app.post("/lost-after-saving")
    def lost_after_saving() -> None:
        save_a_change()
        raise ConnectionLost(LOST)  # reading the answer back

    @app.post("/lost-while-saving")
    def lost_while_saving() -> None:
        def attempt() -> None:
            attempts.append(1)
            save_a_change()

        retry_on_conflict(attempt, 3, "gave up")

    def break_the_commit(_connection: object) -> None:
        raise ConnectionLost(LOST)

    with TestClient(app, raise_server_exceptions=False) as client:
        before = client.post("/lost-before-saving")
        after = client.post("/lost-after-saving")
        event.listen(container.engine, "commit", break_the_commit)
        during = client.post("/lost-while-saving")
        event.remove(container.engine, "commit", break_the_commit)
        again = client.post("/lost-before-saving")  # a later request starts with nothing saved
    container.stop()
    assert [a.status_code for a in (before, after, during, again)] == [503] * 4
    assert all(a.headers["retry-after"] == "1" for a in (before, after, during, again))
    assert "nothing was changed. Send it again." in before.json()["detail"]
    assert "Your change was saved" in after.json()["detail"] and "rather than sending" in after.json()["detail"]
    assert "may or may not have been" in during.json()["detail"] and "Idempotency-Key" in during.json()["detail"]
    assert attempts == [1]  # a commit in doubt is never run again: it could make the change twice
    assert "nothing was changed" in again.json()["detail"]
