"""The `aisle` command line: serve the API, manage sellers, import catalogs, run the demo."""

from __future__ import annotations

import errno
import json
import os
import secrets
import signal
import socket
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aisle.bootstrap import Container, bootstrap
from aisle.domain.inventory import Warehouse
from aisle.entrypoints.heap import settle_heap
from aisle.entrypoints.logs import configure_logging
from aisle.entrypoints.showcase import add_showcase
from aisle.settings import Settings

app = typer.Typer(
    help="aisle: an e-commerce product listing platform. Settings come from AISLE_* environment variables "
    "(AISLE_DATA_DIR, AISLE_PROFILE, AISLE_DATABASE_URL, ...): see the README.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",  # a docstring's paragraphs are rewrapped to the terminal, not broken where typed
    context_settings={"help_option_names": ["-h", "--help"]},
)
sellers_app = typer.Typer(help="Manage sellers and their API keys.", no_args_is_help=True)
app.add_typer(sellers_app, name="sellers")
keys_app = typer.Typer(help="List, rotate and revoke a seller's API keys.", no_args_is_help=True)
sellers_app.add_typer(keys_app, name="keys")


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        print(f"aisle {version('aisle')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit")
    ] = False,
) -> None:
    _warn_of_unread_variables()  # the options and checks every command shares; no docstring: the help is the app's


def _warn_of_unread_variables() -> None:
    """Warns, never refuses: a variable of the operator's own (a script's, a wrapper's) must not stop a server."""
    from aisle.entrypoints.environment import unread_variables

    for warning in unread_variables(os.environ):
        console.print(f"[yellow]{escape(warning)}[/yellow]", highlight=False)


TOKEN_FILE = "internal-token"  # the demo's generated internal token, kept in AISLE_DATA_DIR
console = Console(stderr=True, soft_wrap=True)  # a line is never broken at 80 columns in a log that is no terminal
DEFAULT_SAMPLE_DATA = Path("../shared/data")
HEALTHCHECK_SECONDS = 60  # a worker building its container on a busy machine is slow, not dead
DEMO_WAREHOUSE = Warehouse("demo-main", "Demo warehouse", "us-east")
DEMO_LOADED = "demo-loaded"  # in the data dir once `aisle demo` has loaded everything: a stopped load is resumed


class ImportFormat(StrEnum):
    bestbuy = "bestbuy"
    icecat = "icecat"
    jsonl = "jsonl"
    synthetic = "synthetic"


def _settings(
    run_background_workers: bool = False, with_workers: bool = False, existing: bool = False, store: bool = True
) -> Settings:
    """The settings, checked; ``store``: the data dir is checked too (``existing``: it must hold a store), else
    made."""
    try:
        overrides: dict[str, Any] = {"with_workers": True} if with_workers else {}
        settings = Settings(run_background_workers=run_background_workers, **overrides)
    except ValidationError as error:
        for problem in error.errors():
            # a check of several settings together has no field: its message names them
            name = " AISLE_" + "_".join(str(p) for p in problem["loc"]).upper() if problem["loc"] else ""
            reason = problem["msg"].removeprefix("Value error, ")  # pydantic's label for a validator's message
            console.print(f"[red]bad setting{name}[/red]: {escape(reason)}")  # a pattern's [a-z] is no markup
        raise typer.Exit(2) from None
    if not store:
        return settings
    if existing:
        _require_store(settings)
    else:
        _refuse_a_store_without_its_database(settings)
        _make_data_dir(Path(settings.data_dir))
    return settings


def _refuse_a_store_without_its_database(settings: Settings) -> None:
    """A data dir whose search index (or write-ahead log) outlived its database is a store that lost it (moved,
    deleted): starting would make an empty database beside them and answer ready with no products or sellers."""
    database = _database_file(settings)
    if settings.profile != "embedded" or database is None or database.exists():
        return
    index, wal = Path(settings.data_dir) / "search", Path(f"{database}-wal")
    if wal.exists() or (index.is_dir() and any(index.iterdir())):
        console.print(
            f"[red]the store at {Path(settings.data_dir).resolve()} has lost its database[/red]: {database} is "
            f"missing, though {'its write-ahead log' if wal.exists() else 'its search index'} is still there. "
            "Restore the database file (from a backup, or where it was moved), or move the data directory aside "
            "to start a new, empty store.",
            highlight=False,
        )
        raise typer.Exit(2)


def _require_store(settings: Settings) -> None:
    """A command that manages a store (sellers, reindex) makes no data dir: run from another directory, it would
    make another ./var, and the key it printed would open nothing the running server knows. An empty data dir is
    a store being set up (its database is made there); one that holds other files but no database is no store."""
    data_dir = Path(settings.data_dir)
    in_the_way = data_dir.exists() and not data_dir.is_dir()  # _make_data_dir names it
    if settings.profile == "embedded" and not in_the_way and not _holds_a_store(data_dir, settings):
        console.print(
            f"[red]no store at {data_dir.resolve()}[/red]: this command works on an existing one. Run it from the "
            "directory the store was started in (`make demo`, `aisle serve`), or set AISLE_DATA_DIR to that "
            "store's data directory.",
            highlight=False,
        )
        raise typer.Exit(2)
    _make_data_dir(data_dir)


def _holds_a_store(data_dir: Path, settings: Settings) -> bool:
    database = _database_file(settings)
    if database is not None and database.exists():
        return True
    return data_dir.is_dir() and not any(data_dir.iterdir())


def _database_file(settings: Settings) -> Path | None:
    """The SQLite database's file (None for PostgreSQL or an in-memory database)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database)
    database = url.database
    return Path(database) if url.get_backend_name() == "sqlite" and database and database != ":memory:" else None


def _make_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = "a file is in the way" if isinstance(error, FileExistsError) else error.strerror
        console.print(f"[red]AISLE_DATA_DIR {path.resolve()} cannot be made a directory[/red]: {reason}")
        raise typer.Exit(2) from None


def _container(run_background_workers: bool = False, with_workers: bool = False, existing: bool = False) -> Container:
    """``existing``: the command manages a store that must already be there (see ``_require_store``)."""
    settings = _settings(run_background_workers, with_workers, existing)
    if run_background_workers or with_workers:  # the long-running commands: serve, demo, worker
        configure_logging(settings.log_level, log_format=settings.log_format)
    console.print(f"database: {_shown_database(settings)}  ({settings.profile})", highlight=False)
    return bootstrap(settings)


def _shown_database(settings: Settings) -> str:
    """The database this command uses, spelled so a person can find it: an absolute SQLite path (a run from
    another directory would otherwise quietly use another ./var), a server URL without its password."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database)
    if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
        return f"sqlite:///{Path(url.database).resolve()}"
    return url.render_as_string(hide_password=True)


def _require_internal_token() -> None:
    if os.environ.get("AISLE_INTERNAL_TOKEN"):
        return
    console.print(
        "[red]AISLE_INTERNAL_TOKEN is not set.[/red] It guards the internal APIs (inventory, platform pricing, "
        "seller keys, /metrics) and has no default. Generate one, e.g.\n"
        "  export AISLE_INTERNAL_TOKEN=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\"\n"
        "and start again; `aisle demo` makes one for you and keeps it in AISLE_DATA_DIR."
    )
    raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
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
    /metrics on port P + n. Needs AISLE_INTERNAL_TOKEN (there is no default token).
    """
    import uvicorn

    from aisle.entrypoints.api.app import create_app
    from aisle.entrypoints.api.http_protocol import ProblemHttpToolsProtocol
    from aisle.entrypoints.api.listening import serve_processes

    _require_internal_token()
    _require_free_port(host, port)
    if with_workers:
        os.environ["AISLE_WITH_WORKERS"] = "true"
    container = _container(run_background_workers=True, with_workers=with_workers)
    count = workers or container.settings.workers
    profile = container.settings.profile
    _require_metrics_ports(container.settings.metrics_port, count, host, port)
    if count > 1 and container.settings.node_id is not None:
        console.print(f"AISLE_NODE_ID names one process's id; {count} processes take their own: leave it unset")
        raise typer.Exit(2)
    console.print(
        f"aisle ({profile}, {count} process(es)) on http://{host}:{port}  -  docs at http://{host}:{port}/docs"
    )
    if count == 1:
        served = create_app(container)
        settle_heap()
        uvicorn.run(
            served,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            http=ProblemHttpToolsProtocol,
        )
        return
    container.stop()  # each process builds its own
    config = uvicorn.Config(
        "aisle.entrypoints.api.process:serving_app",
        factory=True,
        workers=count,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        http=ProblemHttpToolsProtocol,
        timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
    )
    serve_processes(config)


def _require_free_port(host: str, port: int, what: str = "--port", host_option: str = "--host") -> None:
    """Says plainly that another server holds the port, before anything starts (uvicorn says it in a log line
    after startup); or that the address is not this machine's (--host)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as refused:
            if refused.errno == errno.EADDRINUSE:
                advice = f"Stop the server using it, or pass {what}" + (
                    " (make demo PORT=8001)." if what == "--port" else "."
                )
            else:
                advice = f"Pass a {host_option} this machine has (127.0.0.1, or 0.0.0.0 for every interface)."
            console.print(f"cannot listen on {host}:{port}: {refused.strerror}. {advice}")
            raise typer.Exit(1) from refused


def _require_metrics_ports(metrics_port: int | None, processes: int, host: str, port: int) -> None:
    """Each of several processes serves /metrics on AISLE_METRICS_PORT + its number (process.py): those ports
    must be free and apart from the serving port, or a process dies at start and the others carry on alone."""
    if metrics_port is None or processes == 1:
        return
    ports = range(metrics_port, metrics_port + processes)
    if port in ports:
        console.print(f"AISLE_METRICS_PORT {metrics_port} gives process {port - metrics_port} the port --port {port}")
        raise typer.Exit(2)
    for taken in ports:
        _require_free_port(
            "127.0.0.1", taken, f"another AISLE_METRICS_PORT (process {taken - metrics_port} uses {taken})"
        )


class WorkerName(StrEnum):
    relay = "relay"
    index_builder = "index-builder"
    cache_invalidator = "cache-invalidator"
    reservation_expirer = "reservation-expirer"
    image_worker = "image-worker"
    pruner = "pruner"
    deal_clock = "deal-clock"


@app.command()
def worker(
    name: Annotated[WorkerName, typer.Argument(help="Which worker to run", metavar="WORKER")],
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65_535,
            help="Serve this worker's Prometheus /metrics on this port (default: AISLE_METRICS_PORT; unset: none). "
            "Each worker on one host needs its own port.",
        ),
    ] = None,
    metrics_host: Annotated[
        str,
        typer.Option(help="Address the metrics listen on; they need no token, so widen it only on a private network"),
    ] = "127.0.0.1",
) -> None:
    """Run one worker of the distributed profile until interrupted; start as many processes as the load needs.

    - relay: outbox -> Kafka
    - index-builder: events -> OpenSearch (and rebuilds the index from the catalog if it is found empty)
    - cache-invalidator: events -> Redis
    - reservation-expirer: gives back the stock of reservations whose time is up
    - pruner: deletes delivered events, old idempotency keys and finished bulk jobs after AISLE_RETENTION_HOURS
    - deal-clock: announces price changes when a deal starts or ends, so search follows the deal price
    - image-worker: image.uploaded -> thumbnails in the blob store
    """
    from prometheus_client import start_http_server

    from aisle.bootstrap import worker_loops
    from aisle.entrypoints.metrics import instrument

    if _settings(store=False).profile != "distributed":  # asked before opening (or creating) a store
        console.print("the embedded profile runs its workers inside `aisle serve`; set AISLE_PROFILE=distributed")
        raise typer.Exit(2)
    container = _container()
    configure_logging(container.settings.log_level, log_format=container.settings.log_format)
    if (port := metrics_port or container.settings.metrics_port) is not None:
        _require_free_port(metrics_host, port, "--metrics-port", "--metrics-host")
        instrument(container, serving=False)
        start_http_server(port, addr=metrics_host)
    # An index builder also watches for an index found empty (lost), and rebuilds it from the catalog.
    names = (name.value, "index-repair") if name is WorkerName.index_builder else (name.value,)
    container.loops = worker_loops(container, names)
    settle_heap()
    container.start_background()
    serving = f"; metrics on http://{metrics_host}:{port}/metrics" if port is not None else ""
    console.print(f"worker {name.value} running ({container.settings.profile}){serving}; Ctrl-C stops it")
    try:
        threading.Event().wait()
    finally:
        container.stop()


@sellers_app.command("create")
def sellers_create(name: Annotated[str, typer.Option(help="The seller's display name")]) -> None:
    """Create a seller; prints JSON with its id and API key (the key is shown only this once)."""
    from aisle.services.input_model import unstorable_reason

    if reason := unstorable_reason(name):  # the characters POST /api/v1/sellers refuses (control, bidi)
        console.print(f"[red]--name[/red]: {reason}")
        raise typer.Exit(2)
    created = _with_container(lambda c: c.sellers.create(name))
    print(
        json.dumps(
            {
                "seller_id": str(created.seller.seller_id),
                "name": created.seller.name,
                "api_key": created.api_key,
            }
        )
    )


@sellers_app.command("list")
def sellers_list(
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="List at most this many")] = 1000,
) -> None:
    """List sellers as JSON lines ({"seller_id", "name"}), the oldest first: the ids `import --seller` and
    `sellers keys` take, the imported catalogs' own sellers among them."""
    for seller in _with_container(lambda c: c.sellers.listed(limit)):
        print(json.dumps({"seller_id": str(seller.seller_id), "name": seller.name}))


def _with_container(use: Any) -> Any:
    from aisle.domain.errors import DomainError

    container = _container(existing=True)
    try:
        return use(container)
    except DomainError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    finally:
        container.stop()


def _key_view(key: Any) -> dict[str, Any]:
    revoked = None if key.revoked_at is None else key.revoked_at.isoformat()
    return {
        "key_id": str(key.key_id),
        "fingerprint": key.fingerprint,
        "created_at": key.created_at.isoformat(),
        "revoked_at": revoked,
        "active": key.active,
    }


SellerOption = Annotated[
    str,
    typer.Option("--seller", help="The seller's id, or its name if no other seller has it (`aisle sellers list`)"),
]


def _with_seller(seller: str, use: Callable[[Container, int], Any]) -> tuple[int, Any]:
    """``use`` given the id of the seller --seller names, and that id."""

    def for_the_seller(container: Container) -> tuple[int, Any]:
        seller_id = _seller_id(container, seller)
        return seller_id, use(container, seller_id)

    return _with_container(for_the_seller)


@keys_app.command("list")
def keys_list(seller: SellerOption) -> None:
    """The seller's keys as JSON, newest first: id, fingerprint, created, revoked (never the keys themselves)."""
    seller_id, keys = _with_seller(seller, lambda c, s: c.sellers.keys(s))
    print(json.dumps({"seller_id": str(seller_id), "keys": [_key_view(k) for k in keys]}, indent=2))


@keys_app.command("rotate")
def keys_rotate(seller: SellerOption) -> None:
    """Issue a new key (printed this once) and revoke every older key of the seller at once."""
    seller_id, (info, api_key) = _with_seller(seller, lambda c, s: c.sellers.rotate_key(s))
    print(json.dumps({"seller_id": str(seller_id), **_key_view(info), "api_key": api_key}))


@keys_app.command("revoke")
def keys_revoke(
    seller: SellerOption,
    key: Annotated[int, typer.Option("--key", help="The key id, from `aisle sellers keys list`", min=1)],
) -> None:
    """Revoke one key: requests with it get 401 from now on."""
    seller_id, revoked = _with_seller(seller, lambda c, s: c.sellers.revoke_key(s, key))
    if revoked:
        console.print(f"revoked key {key} of seller {seller_id}")
    else:
        console.print(f"key {key} of seller {seller_id} was already revoked")


# A panel of their own: a panel's rows share its columns, and beside the other options' types the switches' two names
# were cut to a few letters at 80 columns ("--generated-re…  --no-generated…")
ON_OFF = "Switches (on / off)"


@app.command("import")
def import_catalog(
    format: Annotated[
        ImportFormat,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="What the file holds: bestbuy, icecat, jsonl, or synthetic"
        ),
    ],
    path: Annotated[
        Path | None, typer.Argument(exists=True, help="File, zip or directory to import (not for synthetic)")
    ] = None,
    count: Annotated[int, typer.Option(min=1, help="synthetic: how many products to generate")] = 10_000,
    seed: Annotated[int, typer.Option(help="synthetic: the same seed gives the same catalog")] = 7,
    seller: Annotated[
        str | None, typer.Option(help="Seller (id or name) to own the products (default: one per source)")
    ] = None,
    generated_reviews: Annotated[
        bool, typer.Option(help="Attach deterministic generated reviews (marked as generated)", rich_help_panel=ON_OFF)
    ] = False,
    index: Annotated[
        bool, typer.Option(help="Index each batch as it is imported (no replay by the server)", rich_help_panel=ON_OFF)
    ] = True,
    parallel: Annotated[
        bool,
        typer.Option(
            help="Read and index in two more processes, to use a second core (--no-parallel: all in one)",
            rich_help_panel=ON_OFF,
        ),
    ] = True,
) -> None:
    """Import a catalog (Best Buy JSON, Icecat zip/dir/JSON, JSONL in the seller API shape) or generate one.

    `aisle import --format synthetic --count 1000000` generates a deterministic catalog with reviews, for
    benchmarks. The import indexes as it goes: when it ends, everything it imported is searchable. One process
    reads and validates the records, this one writes them to the database, a third indexes what was committed.
    Stopped midway (Ctrl-C, or SIGTERM), it makes what it committed searchable before it exits; run it again to
    import the rest (products already imported are skipped by SKU). Exits 1 when any record failed (the summary
    names the first lines of each reason; the records that passed are imported all the same), or when nothing
    could be.
    """
    if (path is None) != (format is ImportFormat.synthetic):
        console.print("[red]give a PATH for bestbuy, icecat and jsonl, and none for --format synthetic[/red]")
        raise typer.Exit(2)
    from aisle.adapters.importers.readers import UnreadableCatalog
    from aisle.entrypoints.import_reader import ReadError

    container = _container()
    try:
        if path is None:
            summary = _generate(container, count, seed, seller, index, parallel)
        else:
            summary = _import(container, path, format, seller, generated_reviews, index, parallel)
    except (UnreadableCatalog, ReadError) as error:
        console.print(f"[red]import stopped[/red]: {error}")
        console.print("Products committed before this are kept; `aisle import --help` lists the formats.")
        raise typer.Exit(1) from None
    except KeyboardInterrupt as stop:
        console.print(
            "[yellow]stopped.[/yellow] The products imported so far are kept (and indexed, unless --no-index); run "
            "the same command again to import the rest: those already imported are skipped by SKU."
        )
        raise typer.Exit(stop.exit_code if isinstance(stop, ImportStopped) else 130) from None
    finally:
        container.stop()
    if summary.failed:
        raise typer.Exit(1)
    if path is not None and summary.nothing_fit():
        console.print(f"[red]nothing in {path} could be imported as {format.value}[/red]: is --format right?")
        raise typer.Exit(1)
    if path is not None and summary.imported == 0 and not summary.skipped:
        console.print(f"[red]{path} holds no products[/red] (an empty file, an empty list, or no catalog file)")
        raise typer.Exit(1)


def _import(
    container: Container,
    path: Path,
    fmt: ImportFormat,
    seller: str | None,
    reviews: bool,
    index: bool = True,
    parallel: bool = False,
) -> Any:
    from aisle.adapters.importers import readers

    seller_id = _owner(container, seller, readers.SOURCE_NAMES[fmt.value])
    read = partial(readers.read, fmt.value, path, with_generated_reviews=reviews)
    total = readers.count_hint(fmt.value, path)
    summary = _run_import(container, seller_id, read, total, f"importing {path.name}", index, parallel)
    _print_summary(summary, "line" if fmt is ImportFormat.jsonl else "item")
    return summary


def _generate(container: Container, count: int, seed: int, seller: str | None, index: bool, parallel: bool) -> Any:
    from aisle.adapters.importers import readers

    seller_id = _owner(container, seller, "Aisle Synthetic Goods (generated)")
    read = partial(readers.generated, count, seed)
    summary = _run_import(container, seller_id, read, count, "generating", index, parallel)
    _print_summary(summary)
    return summary


def _owner(container: Container, seller: str | None, source: str) -> int:
    """The seller to own what is imported: the one --seller names, else the source's own seller."""
    if seller is None:
        return _source_seller(container, source)
    or_else = ", or leave --seller out to import under one seller per source"
    seller_id = _seller_id(container, seller, or_else)
    if container.sellers.get(seller_id) is None:
        _refuse_seller(f"no seller {seller}", NO_SUCH_SELLER + or_else)
    return seller_id


NO_SUCH_SELLER = "give an id or a name that `aisle sellers list` shows"


def _seller_id(container: Container, seller: str, or_else: str = "") -> int:
    """The id --seller gives, or the id of the one seller of the name it gives (refused when several have it)."""
    if seller.isascii() and seller.isdigit() and int(seller) < 2**63:
        return int(seller)
    named = container.sellers.named(seller)
    if not named:
        _refuse_seller(f"no seller {seller}", NO_SUCH_SELLER + or_else)
    if len(named) > 1:
        ids = ", ".join(str(s.seller_id) for s in named)
        _refuse_seller(f"{len(named)} sellers are named {seller!r}", f"give --seller the id of one of them: {ids}")
    return named[0].seller_id


def _refuse_seller(problem: str, advice: str) -> NoReturn:
    console.print(f"[red]{escape(problem)}[/red]: {escape(advice)}", highlight=False)
    raise typer.Exit(2)


def _run_import(
    container: Container,
    seller_id: int,
    read: Callable[[], Iterable[Any]],
    total: int | None,
    label: str,
    index: bool = True,
    parallel: bool = False,
) -> Any:
    """``parallel``: the records are read and validated in one child process and indexed in another
    (entrypoints/import_reader.py, import_indexer.py); else all in this process."""
    with _progress() as progress, _stop_between_records() as until_stopped:
        task = progress.add_task(label, total=total)
        if not parallel:
            importer = container.importer(index=index)
            return importer.run(seller_id, until_stopped(read()), lambda n: progress.advance(task, n))
        from aisle.entrypoints.import_indexer import IndexingProcess
        from aisle.entrypoints.import_reader import prepared_in_child

        feed = None
        if index:
            indexed = progress.add_task("indexing", total=total)
            feed = partial(IndexingProcess, container.settings, container.uow, lambda n: progress.advance(indexed, n))
        importer = container.importer(index=index, feed=feed)
        # Closed on the way out, Ctrl-C included: it stops its child then, not at interpreter exit, where
        # multiprocessing would join a child still waiting to flush chunks nobody reads (a hang)
        with closing(prepared_in_child(read)) as prepared:
            summary = importer.run_prepared(seller_id, until_stopped(prepared), lambda n: progress.advance(task, n))
        if index:  # what there was to index: the records imported (not those skipped), and what a stopped run left
            progress.update(indexed, total=summary.to_index)
        return summary


class ImportStopped(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped an import between two records."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.exit_code = 128 + signal_number  # as a shell reports a process that signal ended: 130, 143


@contextmanager
def _stop_between_records() -> Iterator[Callable[[Iterable[Any]], Iterator[Any]]]:
    """Ctrl-C, or SIGTERM (a service manager's or container runtime's stop), stops an import between two records,
    never inside a batch's transaction: interrupted inside a database write, this process could keep SQLite's
    write lock while it waits for its indexing process to finish, and that process waits for the lock (a hang found
    by tests/processes/test_import_stops.py)."""
    from aisle.entrypoints.import_reader import STOP_SIGNALS

    asked: list[int] = []
    previous = {number: signal.signal(number, lambda number, _frame: asked.append(number)) for number in STOP_SIGNALS}

    def until_stopped(records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if asked:
                raise ImportStopped(asked[0])
            yield record
        if asked:
            raise ImportStopped(asked[0])

    try:
        yield until_stopped
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _print_summary(summary: Any, unit: str = "item") -> None:
    """``unit``: what a record's number counts in its source ("line" in a JSONL file, else "item" of an array)."""
    console.print(summary.line())
    for reason, count in summary.skipped.most_common(10):
        console.print(f"  skipped {count}: {escape(reason)}{_where(summary.lines[reason], count, unit)}")
    for reason, count in summary.failed.most_common(10):
        console.print(f"  [red]failed {count}[/red]: {escape(reason)}{_where(summary.lines[reason], count, unit)}")


def _where(numbers: list[int], count: int, unit: str) -> str:
    """Where in the source the first few of ``count`` records are: " (lines 3, 7 and 12 more)"."""
    if not numbers:
        return ""
    listed = ", ".join(map(str, numbers))
    more = f" and {count - len(numbers)} more" if count > len(numbers) else ""
    return f" ({unit}{'s' if count > 1 else ''} {listed}{more})"


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
    from aisle.services.search.index_rebuild import RebuildRunning, rebuild_index, resync_after_switch

    container = _container(existing=True)
    builder = container.index_builder
    # Embedded, the running server owns the serving index's writer; it follows the switch and re-syncs by itself.
    after_switch = resync_after_switch(builder, container.announce_rebuild) if container.distributed else None
    lock = container.rebuild_lock()
    try:
        if not lock.try_acquire():  # asked before the progress bar shows (rebuild_index holds it from here on)
            raise RebuildRunning("another process is rebuilding the search index: wait for it to finish")
        with _progress() as progress:
            task = progress.add_task("indexing active listings", total=container.catalog.count_active())

            def advance(indexed: int) -> None:  # products listed while it runs are indexed too: the total grows
                progress.advance(task, indexed)
                done = progress.tasks[0].completed
                if done > (progress.tasks[0].total or 0):
                    progress.update(task, total=done)

            rebuilt = rebuild_index(container.search_engine, builder, utc_now, after_switch, lock, advance)
            listings = int(progress.tasks[0].completed)
            progress.update(task, total=listings)  # ends complete even when listings were withdrawn meanwhile
    except RebuildRunning as running:
        console.print(f"[red]{running}[/red]; nothing was changed")
        raise typer.Exit(1) from None
    finally:
        lock.release()
        container.stop()
    said = f"indexed {rebuilt.indexed} products into a fresh index and switched to it"
    console.print(said + _offers_in_buy_boxes(listings, rebuilt.indexed), highlight=False)
    console.print(f"re-synced {rebuilt.resynced} products changed during the build")


def _offers_in_buy_boxes(listings: int, indexed: int) -> str:
    """Why the products indexed are fewer than the listings the bar counted: a product that several listings offer
    is indexed once, as its buy box's winner."""
    offers = listings - indexed
    if offers <= 0:
        return ""
    are = "1 is an offer" if offers == 1 else f"{offers} are offers"
    return f" ({listings} active listings: {are} in the buy box of a product another listing shows)"


def _progress() -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    products: Annotated[
        int, typer.Option(min=1, max=10_000_000, help="How many products to generate without sample data")
    ] = 6000,
) -> None:
    """Load a catalog (the real Best Buy and Icecat ones from AISLE_SAMPLE_DATA, else a generated one), then serve.

    Without AISLE_INTERNAL_TOKEN, the demo generates a token, keeps it in AISLE_DATA_DIR/internal-token and prints it.
    """
    _require_free_port(host, port)  # before the import, not after it
    _demo_internal_token(_settings().data_dir)
    container = _container()
    try:
        _load_demo_catalog(container, products)
    finally:
        container.stop()
    serve(host=host, port=port)


def _demo_internal_token(data_dir: Path) -> None:
    if os.environ.get("AISLE_INTERNAL_TOKEN"):
        return
    stored = data_dir / TOKEN_FILE
    made = not stored.exists() or not stored.read_text().strip()  # an empty file (a crash while writing) too
    if made:
        data_dir.mkdir(parents=True, exist_ok=True)
        stored.touch(mode=0o600)
        stored.write_text(secrets.token_urlsafe(32) + "\n")
    token = stored.read_text().strip()
    os.environ["AISLE_INTERNAL_TOKEN"] = token
    # shown once, when made: printed on every start it would sit in whatever keeps the logs
    said = f"internal token (kept in {stored.resolve()})" + (f": {token}" if made else "; shown when it was made")
    console.print(said, highlight=False)


DEMO_SOURCES = (("bestbuy", "bestbuy/products.json"), ("icecat", "icecat"))  # what AISLE_SAMPLE_DATA may hold


def _load_demo_catalog(container: Container, generated_count: int) -> None:
    from aisle.adapters.importers import readers

    loaded = Path(container.settings.data_dir) / DEMO_LOADED
    if loaded.exists():
        console.print("catalog already loaded: skipping the import (delete AISLE_DATA_DIR to start over)")
        return
    if container.catalog.has_products():
        console.print("the last demo load did not finish: loading the rest (what was imported is skipped)")
    sample = Path(os.environ.get("AISLE_SAMPLE_DATA", DEFAULT_SAMPLE_DATA))
    found = [(fmt, sample / relative) for fmt, relative in DEMO_SOURCES if (sample / relative).exists()]
    if found:
        for fmt, path in found:
            _import(container, path, ImportFormat(fmt), None, reviews=True)
        if missing := [str(sample / relative) for _fmt, relative in DEMO_SOURCES if not (sample / relative).exists()]:
            console.print(f"not found, so not imported: {', '.join(missing)}", highlight=False)
        # Icecat's first: the showcase's second offer is for one of its laptops, Best Buy has phones only
        owners = [_source_seller(container, readers.SOURCE_NAMES[fmt]) for fmt, _path in reversed(found)]
    else:
        console.print(
            f"no sample data at {sample} (set AISLE_SAMPLE_DATA to the directory holding bestbuy/ and icecat/): "
            f"generating {generated_count} products (marked as generated)"
        )
        seller_id = _source_seller(container, "Aisle Demo Goods (generated)")
        read = partial(readers.generated, generated_count)
        _print_summary(_run_import(container, seller_id, read, generated_count, "generating catalog"))
        _attach_demo_pictures(container, seller_id)
        owners = [seller_id]
    stocked = container.inventory.stock_catalog(DEMO_WAREHOUSE, _demo_stock)
    console.print(f"stocked {stocked} variants at warehouse {DEMO_WAREHOUSE.warehouse_id!r} (generated counts)")
    for line in add_showcase(container, owners, DEMO_WAREHOUSE):
        console.print(line, highlight=False)
    _deliver_pending(container, "indexing stock levels")
    loaded.write_text("the demo catalog, its stock, deal and offer are loaded; delete AISLE_DATA_DIR to start over\n")


def _deliver_pending(container: Container, what: str) -> None:
    """Delivers the outbox here, before serving: the store then opens with an index that has caught up, instead
    of answering for its first minute from an index that the server is still bringing up to date."""
    relay = container.relay
    with _progress() as progress:
        task = progress.add_task(what, total=relay.pending())
        relay.drain(max_batches=sys.maxsize, progress=partial(progress.advance, task))  # however large the catalog


def _attach_demo_pictures(container: Container, seller_id: int) -> None:
    """A drawn picture per product colour, through the image pipeline like an upload: a search for "black jacket"
    then shows each jacket's black picture (the generator makes at most three colours a product)."""
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
                for colour, variant_id in _colours(product):
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


def _database_unusable(error: Exception) -> str:
    reason = _one_line(getattr(error, "orig", None) or error)
    if "not a database" in reason or "malformed" in reason:
        return (
            f"[red]the database file is damaged or is not an aisle database[/red] ({reason}): restore it from a "
            "backup, or point AISLE_DATA_DIR at another directory."
        )
    if "locked" in reason:
        return (
            f"[red]the database is busy[/red] ({reason}): another process (an import, a server) holds its write "
            "lock. Try again when it is done, or wait longer with AISLE_SQLITE_LOCK_WAIT_SECONDS."
        )
    return (
        f"[red]the database cannot be used[/red] ({reason}). Check AISLE_DATABASE_URL (host, port, name, user, "
        "password) and that the server is running; for SQLite, that its directory can be written."
    )


def _one_line(error: object) -> str:
    return " ".join(str(error).split()).rstrip(".?")


def main() -> None:
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import DatabaseError

    from aisle.adapters.sql.node_slots import NodeIdTaken
    from aisle.services.ports import DatabaseUnavailable, StorageFull

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except (DatabaseError, DatabaseUnavailable) as error:  # refused, a wrong password, a damaged or locked file
        console.print(_database_unusable(error), highlight=False)
        sys.exit(1)
    except CommandError as error:  # the database's schema revision is unknown here: a newer aisle made it
        said = f"[red]the database's schema is not one this version of aisle knows[/red] ({_one_line(error)}): it "
        said += (
            "was made by a newer aisle. Upgrade aisle, or point AISLE_DATA_DIR (AISLE_DATABASE_URL) at another store."
        )
        console.print(said, highlight=False)
        sys.exit(1)
    except NodeIdTaken as taken:
        console.print(f"[red]cannot start[/red]: {taken}.", highlight=False)
        sys.exit(1)
    except StorageFull as full:
        said = f"[red]the database is out of disk space[/red] ({full}): what was committed before stays. Free some "
        console.print(said + "space and run the command again.")
        sys.exit(1)
    except OSError as error:
        if error.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        said = f"[red]cannot write {error.filename or 'to the data dir'}[/red]: {error.strerror}. aisle keeps its "
        said += "database, index and locks in AISLE_DATA_DIR: give it a directory this user can write."
        console.print(said, highlight=False)
        sys.exit(1)
