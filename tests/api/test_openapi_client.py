"""The OpenAPI document cannot drift from the server: a client generated from it (openapi-python-client, at test
time, offline) reads real answers into its typed models. A field the document promises and the server does not send
fails the parse; an undocumented status fails the status check."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, wait_for_outbox

PACKAGE = "aisle_generated_client"


@pytest.fixture(scope="module")
def generated_at(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generated packages by document, so the module generates once."""
    return {"root": tmp_path_factory.mktemp("generated")}


@pytest.fixture
def generated(client, generated_at: dict[str, Path]) -> Any:
    """The client package generated from this server's document, importable for this test only."""
    text = json.dumps(client.get("/openapi.json").json(), sort_keys=True)
    root = generated_at["root"]
    if generated_at.get(text) is None:
        _generate(text, root)
        generated_at[text] = root
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _generate(document_text: str, root: Path) -> None:
    document = root / "openapi.json"
    document.write_text(document_text)
    config = root / "config.yaml"
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [generator, "generate", "--path", document, "--config", config, "--meta", "none"]
    subprocess.run([*command, "--output-path", root / PACKAGE, "--overwrite"], check=True, capture_output=True)


def _api(package: str, module: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{package}.{module}")


def test_a_generated_client_reads_every_shopper_answer(client, container, seller: SellerClient, generated) -> None:
    created = seller.create()
    wait_for_outbox(container)
    api = generated.Client(base_url="http://testserver")
    api.set_httpx_client(client)
    models = importlib.import_module(f"{PACKAGE}.models")

    found = _api("search", "search_api_v1_products_search_get").sync_detailed(client=api, q="trailblazer shoe")
    assert found.status_code == 200
    assert isinstance(found.parsed, models.SearchResponse)
    assert [card.product_id for card in found.parsed.results] == [created["product_id"]]
    assert found.parsed.results[0].price.amount == pytest.approx(89.99)

    page = _api("shop", "product_page_api_v1_products_product_id_get").sync_detailed(created["product_id"], client=api)
    assert isinstance(page.parsed, models.ProductPage)
    assert [v.sku for v in page.parsed.variants] == ["TB-42-BLK", "TB-43-BLK"]
    assert page.parsed.price_range.min_ == pytest.approx(89.99)

    typed = _api("search", "autocomplete_api_v1_products_autocomplete_get").sync_detailed(client=api, q="trail")
    assert isinstance(typed.parsed, models.AutocompleteResponse)
    assert typed.parsed.q == "trail"

    tree = _api("shop", "categories_api_v1_categories_get").sync_detailed(client=api)
    assert isinstance(tree.parsed, models.CategoryTree)

    missing = _api("shop", "product_page_api_v1_products_product_id_get").sync_detailed("12345", client=api)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.status == 404


def test_a_generated_client_reads_inventory_and_pricing_answers(client, seller: SellerClient, generated) -> None:
    variant_id = seller.create()["variants"][0]["variant_id"]
    api = generated.AuthenticatedClient(base_url="http://testserver", token=INTERNAL_TOKEN)
    api.set_httpx_client(client)
    api.get_httpx_client().headers["Authorization"] = f"Bearer {INTERNAL_TOKEN}"
    models = importlib.import_module(f"{PACKAGE}.models")

    warehouse = models.WarehouseIn(warehouse_id="w-1", name="One", region="eu")
    made = _api("inventory", "create_warehouse_api_v1_warehouses_post").sync_detailed(client=api, body=warehouse)
    assert isinstance(made.parsed, models.WarehouseOut)
    restock = models.StockChange(operation=models.StockChangeOperation.RESTOCK, quantity=5, warehouse_id="w-1")
    changed = _api("inventory", "change_stock_api_v1_inventory_variant_id_patch").sync_detailed(
        variant_id, client=api, body=restock
    )
    assert isinstance(changed.parsed, models.StockChangeOut)
    assert changed.parsed.available == 5
    stock = _api("inventory", "get_stock_api_v1_inventory_variant_id_get").sync_detailed(variant_id, client=api)
    assert isinstance(stock.parsed, models.StockOut)
    assert stock.parsed.warehouses[0].available == 5

    basket = models.QuoteIn(lines=[models.QuoteLineIn(variant_id=variant_id, quantity=2)])
    quote = _api("pricing", "quote_api_v1_pricing_quote_post").sync_detailed(client=api, body=basket)
    assert isinstance(quote.parsed, models.QuoteOut)
    assert quote.parsed.total == pytest.approx(179.98)
