"""Comparing two versions of a product, field by field and variant by variant (matched by SKU)."""

from __future__ import annotations

from typing import Any

MAX_VERSION = 999_999_999  # a product's version numbers: nine digits (If-Match, paths, bodies), in any database's int


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    fields = [
        {"field": name, "from": old.get(name), "to": new.get(name)}
        for name in new
        if name != "variants" and old.get(name) != new.get(name)
    ]
    old_variants = {v["sku"]: v for v in old.get("variants", [])}
    new_variants = {v["sku"]: v for v in new.get("variants", [])}
    changed = [
        {"sku": sku, "changes": _variant_changes(old_variants[sku], variant)}
        for sku, variant in new_variants.items()
        if sku in old_variants and old_variants[sku] != variant
    ]
    return {
        "fields": fields,
        "variants": {
            "added": [v for sku, v in new_variants.items() if sku not in old_variants],
            "removed": [v for sku, v in old_variants.items() if sku not in new_variants],
            "changed": changed,
        },
    }


def _variant_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"field": k, "from": old.get(k), "to": new.get(k)} for k in new if old.get(k) != new.get(k)]
