"""Turns bench/freshness.py's results into bench/reports/freshness.md (and prints the key lines)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from common import Report, histogram_quantile, ms, summarize

GOAL_P99_S = 1.0


def write_report(path: Path, results: dict[str, Any]) -> Path:
    args, writes = results["args"], results["writes"]
    report = Report("Write -> searchable (freshness)")
    minutes = (results["finished"] - results["started"]) / 60
    report.run_and_machine(minutes)
    report.facts("Setup", _setup(args, results))
    rows = [_row(kind, [w for w in writes if kind in ("all", w.kind)]) for kind in ("create", "update", "all")]
    report.table(
        "Write -> searchable, seen by a client (ms)",
        [
            "writes",
            "n",
            "ok",
            "superseded",
            "never found",
            "ack p50",
            "ack p99",
            "p50",
            "p95",
            "p99",
            "max",
            "from send p99",
            "polls/write",
            "1st poll p50",
            "1st poll p99",
            "found by 1st poll",
        ],
        rows,
        note="'superseded': a write that made a newer version of the same product was acknowledged before this one "
        "was found, so its word "
        "was no longer the product's title (not counted in the latencies); 'never found': neither found nor "
        "superseded within the give-up time. 'ack' is the write request itself. p50..max run from the write's "
        "acknowledgement to the first search "
        "that found the product under its new word; 'from send' from the moment the write was sent. '1st poll': from "
        "the acknowledgement to the write's first search (the wait for one of the bench's pollers); a write found "
        "by its first search was searchable before then, so where nearly all are, p50..max measure the bench's "
        "poll queue, and the server's lag below is the closer figure.",
    )
    _lag_histogram(report, results["lag_histogram"])
    if results["server_errors"]:
        report.table(
            "Exceptions in the server's log",
            ["exception", "count"],
            results["server_errors"].most_common(10),
            note=f"From {results['args']['workdir']}/freshness-serve.log.",
        )
    report.text("Against the goal", _verdict(writes, results))
    return report.write(path)


def _setup(args: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    prepared, writes = results["prepared"], results["writes"]
    corrected = sum(w.corrected for w in writes)
    return {
        "catalog": f"{args['products']:,} generated products (no reviews), imported with CatalogImporter and indexed "
        "like `aisle reindex`" + (" (data dir from an earlier run)" if prepared["reused"] else ""),
        "server": "`aisle serve`, embedded shape, one process (outbox relay, index builder and vocabulary refresh "
        "in-process); rate limits lifted for the bench client",
        "writes": f"{len(writes)} at {args['rate']:g}/s asked, {_achieved_rate(writes):.1f}/s sent (open loop: a "
        f"write does not wait for the one before); {args['creates']:.0%} creates (POST), the rest title updates "
        "(PATCH) of those products",
        "polling": f"every {args['poll_ms']:g} ms per pending write, at most {args['pollers']} searches in flight, "
        "page_size 5",
        "errors": _errors(writes) + f" (server log: {args['workdir']}/freshness-serve.log)",
        "server CPU": f"{results['server_cpu'] / results['seconds']:.2f} cores on average (writes + polling)",
        "spelling": f"{corrected} of {len(writes)} new words were rewritten by the query parser while polling",
    }


def _achieved_rate(writes: list[Any]) -> float:
    span = max(w.sent for w in writes) - min(w.sent for w in writes)
    return (len(writes) - 1) / span if span > 0 else math.nan


def _errors(writes: list[Any]) -> str:
    counted = Counter(error for w in writes for error in w.errors)
    return ", ".join(f"{n} x {error}" for error, n in counted.most_common(5)) or "none"


def _row(kind: str, writes: list[Any]) -> list[Any]:
    ok = [w for w in writes if w.status in (200, 201)]
    found = [w for w in ok if w.found is not None]
    superseded = [w for w in ok if w.found is None and w.superseded]
    ack = summarize([(w.acked - w.sent) * 1000 for w in ok])
    lag = summarize([(w.found - w.acked) * 1000 for w in found])
    from_send = summarize([(w.found - w.sent) * 1000 for w in found])
    polls = sum(w.polls for w in ok) / max(len(ok), 1)
    first = summarize([(w.first_asked - w.acked) * 1000 for w in found if w.first_asked is not None])
    at_first = sum(1 for w in found if w.polls == 1)
    print(f"{kind:>6}: write->searchable p50 {ms(lag['p50'])} p99 {ms(lag['p99'])} max {ms(lag['max'])} ms")
    never = len(ok) - len(found) - len(superseded)
    return [kind, len(writes), len(ok), len(superseded), never, ms(ack["p50"]), ms(ack["p99"]), ms(lag["p50"]),
            ms(lag["p95"]), ms(lag["p99"]), ms(lag["max"]), ms(from_send["p99"]), f"{polls:.1f}",
            ms(first["p50"]), ms(first["p99"]), f"{at_first} of {len(found)}"]  # fmt: skip


def _lag_histogram(report: Report, buckets: list[tuple[float, float]]) -> None:
    if not buckets:
        report.text("The server's `aisle_index_lag_seconds`", "Not available: /metrics did not answer.")
        return
    total = buckets[-1][1] if buckets else 0
    rows, below = [], 0.0
    for bound, count in buckets:
        label = "+Inf" if math.isinf(bound) else f"<= {bound:g} s"
        rows.append((label, int(count - below), int(count)))
        below = count
    quantiles = ", ".join(f"p{int(q * 100)} ~{histogram_quantile(buckets, q):.2f} s" for q in (0.5, 0.99))
    report.table(
        f"The server's `aisle_index_lag_seconds` during the run ({int(total)} index batches)",
        ["bucket", "batches", "cumulative"],
        rows,
        note="Measured by the index builder per batch, from the oldest event's outbox time to the index commit; "
        f"estimated from the buckets: {quantiles}.",
    )


def _verdict(writes: list[Any], results: dict[str, Any]) -> str:
    """p99 over every write: one that failed or was never found counts as never searchable."""
    counted = [w for w in writes if not (w.superseded and w.found is None)]
    lags = [(w.found - w.acked) if w.found is not None else math.inf for w in counted]
    p99 = summarize(lags)["p99"] if lags else math.nan
    from_send = summarize([(w.found - w.sent) if w.found is not None else math.inf for w in counted])["p99"]
    missing = sum(1 for lag in lags if math.isinf(lag))
    lost = results["lost"]
    reached = "reached" if p99 <= GOAL_P99_S else "**not reached**"
    shown = _seconds(p99)
    return (
        f"Goal: p99 <= {GOAL_P99_S:g} s on the embedded shape: {reached}. p99 from acknowledgement to searchable, "
        f"over the {len(counted)} writes not superseded (of {len(writes)}) at {_achieved_rate(writes):.1f} "
        f"writes/s: **{shown}**; {missing} writes failed "
        f"or were not found within {results['give_up_seconds']:g} s (poll resolution ~{results['args']['poll_ms']:g} "
        f"ms plus one search). Counted from the moment the seller sent the write (the write's own time included): "
        f"p99 **{_seconds(from_send)}**. Final check: **{len(lost)}** of the products written were not found under "
        "the word of their last write at the end of the run (lost updates)."
    )


def _seconds(value: float) -> str:
    return "never (some writes failed or were not found)" if math.isinf(value) else f"{value:.2f} s"
