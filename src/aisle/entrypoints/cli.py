"""The `aisle` command line: serve the API, manage sellers, import catalogs, run the demo."""

from __future__ import annotations

import json
import os
import sys
import threading
import zlib
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aisle.bootstrap import Container, bootstrap
from aisle.domain.inventory import Warehouse
from aisle.settings import Settings

app = typer.Typer(
    help="aisle: an e-commerce product listing platform. Settings come from AISLE_* environment variables "
    "(AISLE_DATA_DIR, AISLE_PROFILE, AISLE_DATABASE_URL, ...): see the README.",
    no_args_is_help=True,
    add_completion=False,
)
sellers_app = typer.Typer(help="Manage sellers and their API keys.", no_args_is_help=True)
app.add_typer(sellers_app, name="sellers")
console = Console(stderr=True)
DEFAULT_SAMPLE_DATA = Path("../shared/data")
HEALTHCHECK_SECONDS = 60  # a worker building its container on a busy machine is slow, not dead
DEMO_WAREHOUSE = Warehouse("demo-main", "Demo warehouse", "us-east")


class ImportFormat(StrEnum):
    bestbuy = "bestbuy"
    icecat = "icecat"
    jsonl = "jsonl"
    synthetic = "synthetic"


def _container(run_background_workers: bool = False, with_workers: bool = False) -> Container:
    try:
        overrides: dict[str, Any] = {"with_workers": True} if with_workers else {}
        settings = Settings(run_background_workers=run_background_workers, **overrides)
    except ValidationError as error:
        for problem in error.errors():
            name = "AISLE_" + "_".join(str(p) for p in problem["loc"]).upper()
            console.print(f"[red]bad setting {name}[/red]: {problem['msg']}")
        raise typer.Exit(2) from None
    return bootstrap(settings)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    with_workers: Annotated[
        bool, typer.Option("--with-workers", help="Distributed: also run every worker in this process")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="API processes on this port (default AISLE_WORKERS or 1); embedded, one of them leads"
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs). Embedded: the relay, index builder and jobs run in-process.

    With --workers N, N processes share the port. Embedded, they share one SQLite database and one Tantivy index:
    the one holding the leader lock runs the relay, index builder and jobs, and another takes over within a
    second if it dies; the others serve and see each index commit. AISLE_METRICS_PORT=P gives process n its own
    /metrics on port P + n.
    """
    import uvicorn

    from aisle.entrypoints.api.app import create_app

    if with_workers:
        os.environ["AISLE_WITH_WORKERS"] = "true"
    container = _container(run_background_workers=True, with_workers=with_workers)
    count = workers or container.settings.workers
    profile = container.settings.profile
    console.print(
        f"aisle ({profile}, {count} process(es)) on http://{host}:{port}  -  docs at http://{host}:{port}/docs"
    )
    if count == 1:
        uvicorn.run(create_app(container), host=host, port=port, log_level="info", access_log=False)
        return
    container.stop()  # each process builds its own
    factory = "aisle.entrypoints.api.process:serving_app"
    uvicorn.run(
        factory,
        factory=True,
        workers=count,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
    )


class WorkerName(StrEnum):
    relay = "relay"
    index_builder = "index-builder"
    cache_invalidator = "cache-invalidator"
    reservation_expirer = "reservation-expirer"
    image_worker = "image-worker"
    pruner = "pruner"


@app.command()
def worker(name: Annotated[WorkerName, typer.Argument(help="Which worker to run")]) -> None:
    """Run one worker of the distributed profile until interrupted; start as many processes as the load needs.

    relay: outbox -> Kafka. index-builder: events -> OpenSearch. cache-invalidator: events -> Redis.
    reservation-expirer: gives back the stock of reservations whose time is up. pruner: deletes delivered events,
    old idempotency keys and finished bulk jobs after AISLE_RETENTION_HOURS.
    image-worker: image.uploaded -> thumbnails in the blob store.
    """
    from aisle.bootstrap import worker_loops

    container = _container()
    if not container.distributed:
        console.print("the embedded profile runs its workers inside `aisle serve`; set AISLE_PROFILE=distributed")
        raise typer.Exit(2)
    container.loops = worker_loops(container, (name.value,))
    container.start_background()
    console.print(f"worker {name.value} running ({container.settings.profile}); Ctrl-C stops it")
    try:
        threading.Event().wait()
    finally:
        container.stop()


@sellers_app.command("create")
def sellers_create(name: Annotated[str, typer.Option(help="The seller's display name")]) -> None:
    """Create a seller; prints JSON with its id and API key (the key is shown only this once)."""
    container = _container()
    try:
        created = container.sellers.create(name)
    finally:
        container.stop()
    print(
        json.dumps(
            {
                "seller_id": str(created.seller.seller_id),
                "name": created.seller.name,
                "api_key": created.api_key,
            }
        )
    )


@app.command("import")
def import_catalog(
    format: Annotated[ImportFormat, typer.Option("--format", "-f", help="What the file holds")],
    path: Annotated[
        Path | None, typer.Argument(exists=True, help="File, zip or directory to import (not for synthetic)")
    ] = None,
    count: Annotated[int, typer.Option(min=1, help="synthetic: how many products to generate")] = 10_000,
    seed: Annotated[int, typer.Option(help="synthetic: the same seed gives the same catalog")] = 7,
    seller: Annotated[str | None, typer.Option(help="Seller id to own the products (default: one per source)")] = None,
    generated_reviews: Annotated[
        bool, typer.Option(help="Attach deterministic generated reviews (marked as generated)")
    ] = False,
    index: Annotated[bool, typer.Option(help="Index each batch as it is imported (no replay by the server)")] = True,
) -> None:
    """Import a catalog (Best Buy JSON, Icecat zip/dir/JSON, JSONL in the seller API shape) or generate one.

    `aisle import --format synthetic --count 1000000` generates a deterministic catalog with reviews, for
    benchmarks. The import indexes as it goes: when it ends, everything it imported is searchable.
    """
    if (path is None) != (format is ImportFormat.synthetic):
        console.print("[red]give a PATH for bestbuy, icecat and jsonl, and none for --format synthetic[/red]")
        raise typer.Exit(2)
    container = _container()
    try:
        if path is None:
            summary = _generate(container, count, seed, seller, index)
        else:
            summary = _import(container, path, format, seller, generated_reviews, index)
    finally:
        container.stop()
    if summary.failed and not summary.imported:
        raise typer.Exit(1)


def _import(
    container: Container, path: Path, fmt: ImportFormat, seller: str | None, reviews: bool, index: bool = True
) -> Any:
    from aisle.adapters.importers import readers

    seller_id = int(seller) if seller else _source_seller(container, readers.SOURCE_NAMES[fmt.value])
    records = readers.read(fmt.value, path, with_generated_reviews=reviews)
    total = readers.count_hint(fmt.value, path)
    summary = _run_import(container, seller_id, records, total, f"importing {path.name}", index)
    _print_summary(summary)
    return summary


def _generate(container: Container, count: int, seed: int, seller: str | None, index: bool) -> Any:
    from aisle.adapters.importers import readers

    seller_id = int(seller) if seller else _source_seller(container, "Aisle Synthetic Goods (generated)")
    summary = _run_import(container, seller_id, readers.generated(count, seed), count, "generating", index)
    _print_summary(summary)
    return summary


def _run_import(
    container: Container, seller_id: int, records: Iterator[Any], total: int | None, label: str, index: bool = True
) -> Any:
    with _progress() as progress:
        task = progress.add_task(label, total=total)
        return container.importer(index).run(seller_id, records, lambda n: progress.advance(task, n))


def _print_summary(summary: Any) -> None:
    console.print(summary.line())
    for reason, count in summary.skipped.most_common(10):
        console.print(f"  skipped {count}: {reason}")
    for reason, count in summary.failed.most_common(10):
        console.print(f"  [red]failed {count}[/red]: {reason}")


def _source_seller(container: Container, name: str) -> int:
    """The stand-in seller for an imported source, created on first use (imports need no API key)."""
    return container.sellers.get_or_create(name).seller_id


@app.command()
def reindex() -> None:
    """Rebuild the search index from the catalog into a fresh index, then switch to it with no empty moment.

    The old index keeps answering while the new one is built; a running server follows the switch within a
    second and re-indexes whatever changed during the build.
    """
    from aisle.services.clock import utc_now

    container = _container()
    engine = container.search_engine
    started = utc_now()
    try:
        fresh = engine.begin_rebuild()
        with _progress() as progress:
            task = progress.add_task("indexing active products", total=container.catalog.count_active())
            indexed = container.index_builder.rebuild_into(fresh, lambda n: progress.advance(task, n))
        caught_up = container.index_builder.catch_up(started, fresh)  # changes made while we were building
        engine.finish_rebuild(fresh)
        if container.distributed:  # writes sent to the old index during the switch: every builder re-syncs them
            container.index_builder.catch_up(started)
            container.announce_rebuild(started)
    finally:
        container.stop()
    console.print(f"indexed {indexed} products into a fresh index and switched to it")
    console.print(f"re-synced {caught_up} products changed during the build")


def _progress() -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    products: Annotated[int, typer.Option(help="How many products to generate without sample data")] = 6000,
) -> None:
    """Load a catalog (the real Best Buy and Icecat ones from AISLE_SAMPLE_DATA, else a generated one), then serve."""
    container = _container()
    try:
        _load_demo_catalog(container, products)
    finally:
        container.stop()
    serve(host=host, port=port)


def _load_demo_catalog(container: Container, generated_count: int) -> None:
    from aisle.adapters.importers import readers

    if container.catalog.has_products():
        console.print("catalog already loaded: skipping the import (delete AISLE_DATA_DIR to start over)")
        return
    sample = Path(os.environ.get("AISLE_SAMPLE_DATA", DEFAULT_SAMPLE_DATA))
    if (sample / "bestbuy" / "products.json").exists():
        for fmt, relative in (("bestbuy", "bestbuy/products.json"), ("icecat", "icecat")):
            _import(container, sample / relative, ImportFormat(fmt), None, reviews=True)
    else:
        console.print(f"no sample data at {sample}: generating {generated_count} products (marked as generated)")
        seller_id = _source_seller(container, "Aisle Demo Goods (generated)")
        records = readers.generated(generated_count)
        _print_summary(_run_import(container, seller_id, records, generated_count, "generating catalog"))
        _attach_demo_pictures(container, seller_id)
    stocked = container.inventory.stock_catalog(DEMO_WAREHOUSE, _demo_stock)
    console.print(f"stocked {stocked} variants at warehouse {DEMO_WAREHOUSE.warehouse_id!r} (generated counts)")


def _attach_demo_pictures(container: Container, seller_id: int) -> None:
    """A drawn picture per product colour (at most two per product), through the image pipeline like an upload."""
    from aisle.adapters.importers.pictures import picture
    from aisle.services.images import Picture

    categories = container.categories()
    with _progress() as progress:
        product_ids = container.catalog.active_ids_for_seller(seller_id)
        task = progress.add_task("drawing pictures", total=len(product_ids))
        for start in range(0, len(product_ids), 1000):
            products = container.catalog.products_by_id(product_ids[start : start + 1000])
            pictures = []
            for product in products:
                category = categories.get(product.content.category_id or 0)
                path = tuple(category.path.split(" > ")) if category else ()
                for colour, variant_id in _colours(product)[:2]:
                    alt = f"{product.content.title} ({colour})" if colour else product.content.title
                    pictures.append(Picture(product.product_id, picture(path, colour), alt[:500], variant_id))
            container.images.attach(seller_id, pictures)
            progress.advance(task, len(products))


def _colours(product: Any) -> list[tuple[str, int | None]]:
    """(colour, the first variant in it) for each colour the product comes in; ("", None) when it names none."""
    found: dict[str, int | None] = {}
    for variant in product.content.variants:
        colour = variant.attributes.get("color") or variant.attributes.get("colour")
        if colour and colour not in found:
            found[colour] = variant.variant_id
    if not found:
        colour = product.content.attributes.get("color")
        return [(str(colour), None)] if isinstance(colour, str) else [("", None)]
    return list(found.items()) if len(found) > 1 else [(next(iter(found)), None)]


def _demo_stock(variant_id: int) -> int:
    """Deterministic, varied stock: a few sold out, some low, most plenty."""
    roll = zlib.crc32(str(variant_id).encode()) % 100
    return 0 if roll < 5 else (1 + roll % 5 if roll < 20 else 10 + roll * 3)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
