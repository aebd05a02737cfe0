"""The answers and the document agree: every API test's client checks each answer against its route's model."""

from __future__ import annotations

import orjson
import pytest
from fastapi import FastAPI, Response

from tests.support.documented import DocumentedClient


def off_model_app() -> FastAPI:
    from pydantic import BaseModel, ConfigDict

    class Price(BaseModel):
        model_config = ConfigDict(extra="forbid")
        amount: float

    app = FastAPI()

    @app.get("/price", response_model=Price)
    def price() -> Response:
        return Response(orjson.dumps({"amount": 5.0, "amuont": 5.0}), media_type="application/json")

    @app.get("/fine", response_model=Price)
    def fine() -> Response:
        return Response(orjson.dumps({"amount": 5.0}), media_type="application/json")

    return app


def test_an_answer_outside_its_model_fails_the_test():
    with DocumentedClient(off_model_app()) as client:
        assert client.get("/fine").status_code == 200
        with pytest.raises(AssertionError, match="amuont"):
            client.get("/price")
        assert client.checked == 1


def test_search_page_and_autocomplete_answers_are_checked(client, seller):
    product = seller.create(title="Checked Trail Shoe")
    before = client.checked
    assert client.get("/api/v1/products/search", params={"q": "trail shoe under $100"}).status_code == 200
    assert client.get(f"/api/v1/products/{product['product_id']}").status_code == 200
    assert client.get("/api/v1/products/autocomplete", params={"q": "trai"}).status_code == 200
    assert client.checked == before + 3
