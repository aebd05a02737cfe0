"""One spelling per brand across every index builder writing to one OpenSearch alias.

Several builders (processes, hosts) index at once. Each used to pick a new brand's spelling on its own, so two
builders meeting "TracFone" and "TRACFONE" in the same moment could both write their own, and the facet showed
the brand twice. Now the spelling is claimed in a small index beside the alias with a conditional insert
(``op_type=create``, one document per brand key): the first claim wins, every later one reads the winner.
OpenSearch decides which claim came first, so all builders agree without talking to each other.

The claims outlive index rebuilds (the claims index is not one of the alias's physical indexes), so a rebuild
keeps the spellings shoppers already see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import orjson
from opensearchpy import OpenSearch, TransportError

CREATED, CONFLICT = 201, 409
CLAIMS_PER_REQUEST = 5_000
CLAIMS_SUFFIX = ".brand-spellings"  # "aisle-products.brand-spellings": outside the alias's "<alias>-<time>" indexes
_BODY = {
    "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
    "mappings": {
        "dynamic": "strict",
        "properties": {"key": {"type": "keyword"}, "spelling": {"type": "keyword", "index": False}},
    },
}


class BrandClaims:
    def __init__(self, client: OpenSearch, alias: str, timeout_seconds: float) -> None:
        self._client = client
        self.index = alias + CLAIMS_SUFFIX
        self._timeout = timeout_seconds
        self._ready = False

    def claim(self, wanted: Mapping[str, str]) -> dict[str, str]:
        """For each brand key, the spelling claimed first by any builder; ``wanted`` is claimed where no
        spelling is yet."""
        keys = list(wanted)
        claimed: dict[str, str] = {}
        for start in range(0, len(keys), CLAIMS_PER_REQUEST):
            claimed.update(self._claim({key: wanted[key] for key in keys[start : start + CLAIMS_PER_REQUEST]}))
        return claimed

    def _claim(self, wanted: Mapping[str, str]) -> dict[str, str]:
        self._ensure_index()
        lines: list[bytes] = []
        for key, spelling in wanted.items():
            lines.append(orjson.dumps({"create": {"_index": self.index, "_id": _doc_id(key)}}))
            lines.append(orjson.dumps({"key": key, "spelling": spelling}))
        response = self._client.bulk(body=b"\n".join(lines) + b"\n", request_timeout=self._timeout)
        refused = [item["create"] for item in response["items"] if item["create"]["status"] not in (CREATED, CONFLICT)]
        if refused:
            raise TransportError(refused[0]["status"], "brand spelling claim refused", refused[:3])
        found = self._client.mget(
            index=self.index, body={"ids": [_doc_id(key) for key in wanted]}, request_timeout=self._timeout
        )
        claimed = {doc["_source"]["key"]: doc["_source"]["spelling"] for doc in found["docs"] if doc.get("found")}
        return {key: claimed.get(key, spelling) for key, spelling in wanted.items()}

    def drop(self) -> None:
        self._client.indices.delete(index=self.index, ignore=[404], request_timeout=self._timeout)
        self._ready = False

    def _ensure_index(self) -> None:
        if self._ready:
            return
        # a 400 answered, not raised: the client logs a warning for every refused request, and every builder but
        # the first finds the index made
        answer = self._client.indices.create(index=self.index, body=_BODY, request_timeout=self._timeout, ignore=400)
        kind = answer.get("error", {}).get("type") if isinstance(answer.get("error"), dict) else answer.get("error")
        if kind is not None and kind != "resource_already_exists_exception":
            raise TransportError(400, str(kind), answer)
        self._ready = True


def _doc_id(key: str) -> str:
    """Brand keys may be long and hold any character; ids are at most 512 bytes."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
