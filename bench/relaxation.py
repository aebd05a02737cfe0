"""What relaxation does with real queries on a catalog: how many relax, what is let go of, what ends empty.

Method
  1. An existing aisle data dir (``make demo`` leaves one) is opened embedded, without background workers.
  2. Every real query goes through ``SearchService.search`` (page size 3): the 2,120 Best Buy queries
     (``queries/bestbuy_query_suggestions.json``) and the first ``--wands`` queries of the WANDS furniture set
     (``queries/wands_queries.tsv``), most of which name kinds of product an electronics catalog does not sell.
  3. Each answer is kept (total, steps let go of, correction offered, first titles, predicted category) in
     ``--save`` (JSON). With
     ``--against`` (an earlier ``--save`` of another commit on the same data dir), the queries whose answer
     changed are counted and a seeded sample of them is listed side by side, for a person to judge.
No grades exist for these queries: the sample is what says whether a change is better.

Run from the repository root (a few minutes on 2 cores):
    .venv/bin/python bench/relaxation.py --data-dir DIR [--data ../shared/data] [--save now.json]
        [--against before.json] [--sample 40] [--out bench/reports/relaxation.md]
A commit's answers for --against: the same command with that commit's src/ first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, however the script is started

from common import Report

from aisle.bootstrap import bootstrap
from aisle.services.search.params import SearchParams
from aisle.settings import Settings

Answer = dict[str, Any]


def real_queries(data: Path, wands: int) -> list[str]:
    suggestions = json.loads((data / "queries" / "bestbuy_query_suggestions.json").read_text())
    with (data / "queries" / "wands_queries.tsv").open() as rows:
        furniture = [row["query"] for row in csv.DictReader(rows, delimiter="\t")][:wands]
    return list(dict.fromkeys([*(s["query"] for s in suggestions), *furniture]))


def answers(data_dir: Path, queries: list[str]) -> dict[str, Answer]:
    container = bootstrap(Settings(data_dir=data_dir, run_background_workers=False))
    try:
        found = {}
        for q in queries:
            result = container.search.search(SearchParams(q=q, page_size=3))
            steps = [str(step.value) for step in result.relaxed.steps] if result.relaxed else []
            titles = [card.title[:70] for card in result.cards]
            predicted = result.predicted_category.path if result.predicted_category else None
            found[q] = {
                "total": result.total,
                "let_go": steps,
                "corrected": result.query.corrected,
                "top": titles,
                "predicted": predicted,
            }
        return found
    finally:
        container.stop()


def shown(answer: Answer) -> str:
    let_go = f" without {', '.join(answer['let_go'])}" if answer["let_go"] else ""
    top = "; ".join(answer["top"][:2]) or "nothing"
    predicted = f" (predicted: {answer['predicted']})" if answer.get("predicted") else ""
    return f"{answer['total']}{let_go}: {top}{predicted}".replace("|", "/")


COUNTED = {
    "relaxed (something let go of)": lambda a: bool(a["let_go"]),
    "nothing shown": lambda a: a["total"] == 0,
    "a correction offered": lambda a: bool(a["corrected"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="an aisle data dir holding a catalog")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data directory")
    parser.add_argument("--wands", type=int, default=400, help="how many WANDS queries to add")
    parser.add_argument("--save", type=Path, help="write every answer here (JSON)")
    parser.add_argument("--against", type=Path, help="an earlier --save to compare with")
    parser.add_argument("--sample", type=int, default=40, help="changed queries to list")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/reports/relaxation.md"), help="the report (markdown)")
    args = parser.parse_args()

    started = time.monotonic()
    queries = real_queries(args.data, args.wands)
    now = answers(args.data_dir, queries)
    if args.save:
        args.save.write_text(json.dumps(now))
    before: dict[str, Answer] = json.loads(args.against.read_text()) if args.against else {}
    report = Report("Relaxation on real queries")
    report.run_and_machine((time.monotonic() - started) / 60)
    facts = {"data dir": args.data_dir, "queries": len(queries)}  # the commit is in the Machine section
    report.facts("Catalog and queries", {**facts, **({"before": f"the answers in {args.against}"} if before else {})})
    rows = [
        (name, sum(map(test, now.values())), *([sum(map(test, before.values()))] if before else []))
        for name, test in COUNTED.items()
    ]
    report.table("Answers", ["", "now", *(["before"] if before else [])], rows)
    if before:
        changed = sorted(q for q in queries if q in before and before[q] != now[q])
        sample = random.Random(args.seed).sample(changed, min(args.sample, len(changed)))
        report.table(
            f"{len(changed)} of {len(queries)} answers changed; a sample of {len(sample)} (seed {args.seed})",
            ["query", "before", "now"],
            [(q, shown(before[q]), shown(now[q])) for q in sorted(sample)],
        )
    print(report.write(args.out).read_text())


if __name__ == "__main__":
    main()
