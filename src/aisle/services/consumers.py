"""Workers' consumer loop: poll a subscription, handle the batch, commit — at least once."""

from __future__ import annotations

from collections.abc import Callable

from aisle.services.ports import EventSubscription, OutboxEntry


class ConsumerLoop:
    """One ``step`` polls up to ``max_events``, hands them to ``handle_batch`` and commits once it returned.

    When the handler raises, nothing is committed and the exception propagates (the BackgroundLoop logs it and calls
    ``step`` again). The failed batch is kept and handed over again by the next ``step`` before anything new is
    polled: polling on would move the consumer's position past it, and the next commit would drop it. If the process
    dies meanwhile, the stream redelivers every uncommitted event to the group. Handlers must therefore be idempotent
    (the index builder is: it loads the current state of each product)."""

    def __init__(
        self,
        subscription: EventSubscription,
        handle_batch: Callable[[list[OutboxEntry]], None],
        max_events: int = 500,
        timeout_seconds: float = 0.2,
    ) -> None:
        self._subscription = subscription
        self._handle_batch = handle_batch
        self._max_events = max_events
        self._timeout = timeout_seconds
        self._unhandled: list[OutboxEntry] = []

    def step(self) -> int:
        """Returns how many events were handled."""
        batch = self._unhandled or self._subscription.poll(self._max_events, self._timeout)
        if batch:
            self._unhandled = batch
            self._handle_batch(batch)
            self._unhandled = []
        # Also after an empty poll: the events the subscription filtered out still advance the group's position.
        self._subscription.commit()
        return len(batch)

    def close(self) -> None:
        self._subscription.close()
