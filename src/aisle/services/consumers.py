"""Workers' consumer loop: poll a subscription, handle the batch, commit — at least once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aisle.services.ports import EventSubscription, OutboxEntry, SubscriptionLost

log = logging.getLogger(__name__)
LEAVE_AFTER_SECONDS = 20.0  # a batch failing this long: the trouble is more than a blip (an OpenSearch failover is)
PROBE_EVERY_SECONDS = 2.0


class ConsumerLoop:
    """One ``step`` polls up to ``max_events``, hands them to ``handle_batch`` and commits once it returned.

    When the handler raises, nothing is committed and the exception propagates (the BackgroundLoop logs it and calls
    ``step`` again). The failed batch is kept and handed over again by the next ``step`` before anything new is
    polled: polling on would move the consumer's position past it, and the next commit would drop it. If the process
    dies meanwhile, the stream redelivers every uncommitted event to the group. Handlers must therefore be idempotent
    (the index builder is: it loads the current state of each product).

    A batch still failing after ``leave_after_seconds`` makes the loop leave the group, so that members which can
    handle the events (another process that reaches the search engine) take its partitions rather than wait until
    the broker gives up on this one (Kafka's poll interval: 5 minutes). Out of the group, it tries the same batch
    again every ``probe_every_seconds`` and joins again once the batch went through."""

    def __init__(
        self,
        subscribe: Callable[[], EventSubscription],
        handle_batch: Callable[[list[OutboxEntry]], None],
        max_events: int = 500,
        timeout_seconds: float = 0.2,
        leave_after_seconds: float = LEAVE_AFTER_SECONDS,
        probe_every_seconds: float = PROBE_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``subscribe``: joins the group (called on the first step, so a process starts while the broker is down,
        and again after leaving)."""
        self._subscribe = subscribe
        self._handle_batch = handle_batch
        self._max_events = max_events
        self._timeout = timeout_seconds
        self._leave_after = leave_after_seconds
        self._probe_every = probe_every_seconds
        self._clock = clock
        self._subscription: EventSubscription | None = None
        self._unhandled: list[OutboxEntry] = []
        self._failing_since: float | None = None
        self._probed_at: float | None = None  # set while out of the group

    @property
    def in_group(self) -> bool:
        return self._subscription is not None

    def step(self) -> int:
        """Returns how many events were handled."""
        if self._subscription is None:
            if self._probed_at is not None and not self._probe():
                return 0
            self._subscription = self._subscribe()
        try:
            batch = self._unhandled or self._subscription.poll(self._max_events, self._timeout)
            if batch:
                self._unhandled = batch
                self._handle(batch)
            # Also after an empty poll: the events the subscription filtered out still advance the group's position.
            self._subscription.commit()
        except SubscriptionLost:
            # Uncommitted, the batch comes again through the new subscription (the handlers are idempotent)
            log.warning("the subscription was lost: closing it; the next step subscribes again")
            self.close()
            self._unhandled = []
            raise
        return len(batch)

    def close(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.close()

    def _handle(self, batch: list[OutboxEntry]) -> None:
        try:
            self._handle_batch(batch)
        except Exception:
            now = self._clock()
            self._failing_since = now if self._failing_since is None else self._failing_since
            if now - self._failing_since >= self._leave_after:
                self._leave(now - self._failing_since)
            raise
        self._unhandled, self._failing_since = [], None

    def _leave(self, failing_for: float) -> None:
        log.warning(
            "%d events failed for %.0f s: leaving the consumer group, so that its other members take these "
            "partitions; joining again once the events go through here",
            len(self._unhandled),
            failing_for,
        )
        self.close()  # what was not committed goes to the other members
        self._probed_at = self._clock()

    def _probe(self) -> bool:
        """Out of the group: the batch that failed, tried again (handlers are idempotent); True once it went through."""
        now = self._clock()
        if self._probed_at is not None and now - self._probed_at < self._probe_every:
            return False
        self._probed_at = now
        try:
            self._handle_batch(self._unhandled)
        except Exception as error:
            log.debug("still failing out of the consumer group: %s", error)
            return False
        log.warning("events go through again: joining the consumer group")
        self._unhandled, self._failing_since, self._probed_at = [], None, None
        return True
