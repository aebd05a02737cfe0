"""Input the embedded shape refuses with a 4xx is refused the same way on PostgreSQL, whose integers are narrower."""

from __future__ import annotations

from tests.distributed.conftest import Shape, create_product, new_seller


def test_version_numbers_past_a_postgres_integer_are_4xx_not_500(shape: Shape):
    seller = new_seller(shape.client)
    product_id = create_product(shape.client, seller, "Wombat Kettle", "WK-1")
    base = f"/api/v1/seller/products/{product_id}"
    too_big = 2**31
    answers = [
        shape.client.get(f"{base}/versions/{too_big}", headers=seller),
        shape.client.get(f"{base}/diff", params={"from": too_big, "to": 1}, headers=seller),
        shape.client.post(f"{base}/rollback", json={"version": too_big}, headers=seller),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] in ("version", "from")
    assert shape.client.get(f"{base}/versions/1", headers=seller).status_code == 200
