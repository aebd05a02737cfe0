"""A second relevance measure: 71 real shopper queries on the Best Buy catalog, each graded by a rule.

The queries come from ``queries/bestbuy_query_suggestions.json`` (real Best Buy searches), none of them among the
40 of ``relevance-dev``, spread over the same strata. For each, one rater (a helper, 2026-12-05) wrote a grading
rule over product names (and, for "android", descriptions) following ``relevance-dev/GUIDELINES.md`` (0-3), and
checked the rules against the top 10 read by eye. Because a rule grades every product, the ideal ranking is the
catalog's real best, and a ranking change is graded whatever it brings up: no unjudged results.

It is lenient where a rule is coarse: take 0.96 and above as "no visible problem", not as proof. Use it beside
``bench/relevance.py``, never instead: the dev set's grades are a person's judgments, these are rules.

Method: a fresh embedded aisle imports ``bestbuy/products.json`` (``relevance.build``); each query goes through
``SearchService.search``; each of the first 10 results is graded by its title's product; NDCG@10 with gain
2^g - 1 and discount log2(r + 1), over the ideal 10 grades in the catalog; averaged per query, overall and by
stratum. Run from the repository root (about a minute):
    .venv/bin/python bench/relevance_rules.py [--data ../shared/data] [--show N] [--out FILE] [--second]
``--second`` runs the second set of 80 queries and rules (``relevance_rules_second.py``) instead.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relevance_rules_second as second
from common import machine
from relevance import build

from aisle.services.search.params import SearchParams

QUERIES = [
    ("samsung", "brand"),
    ("google", "brand"),
    ("insignia", "brand"),
    ("belkin", "brand"),
    ("huawei", "brand"),
    ("tracfone", "brand"),
    ("kate spade", "brand"),
    ("incase", "brand"),
    ("fitbit", "brand"),
    ("garmin", "brand"),
    ("candyshell", "brand"),
    ("iphone", "device"),
    ("iphone 7", "device"),
    ("iphone 6s", "device"),
    ("iphone se", "device"),
    ("iphone 8", "device"),
    ("samsung s7", "device"),
    ("samsung galaxy", "device"),
    ("google pixel", "device"),
    ("apple iphone", "device"),
    ("apple watch", "device"),
    ("apple watch series 2", "device"),
    ("android", "device"),
    ("samsung mobile", "device"),
    ("iphone case", "accessory"),
    ("iphone protectors", "accessory"),
    ("iphone screen protectors", "accessory"),
    ("iphone 7 plus cases", "accessory"),
    ("iphone 6s cases", "accessory"),
    ("iphone 6 cases", "accessory"),
    ("google accessories", "accessory"),
    ("samsung zagg", "accessory"),
    ("samsung incipio", "accessory"),
    ("samsung usb", "accessory"),
    ("apple watch cases", "accessory"),
    ("smartwatch bands apple third party", "accessory"),
    ("iphone accessories battery cases", "accessory"),
    ("battery", "type"),
    ("chargers", "type"),
    ("protectors", "type"),
    ("screen protectors", "type"),
    ("usb charger", "type"),
    ("wireless chargers", "type"),
    ("smartwatch bands", "type"),
    ("car chargers", "type"),
    ("cell phone mounts", "type"),
    ("bluetooth headsets", "type"),
    ("sim cards", "type"),
    ("prepaid minutes", "type"),
    ("mobile hotspots", "type"),
    ("speakers", "type"),
    ("headphones", "type"),
    ("internal batteries", "type"),
    ("smartwatches", "type"),
    ("power cables", "type"),
    ("silver phone", "colour"),
    ("samsung yellow", "colour"),
    ("google black", "colour"),
    ("iphone 16gb", "colour"),
    ("apple watch gray", "colour"),
    ("iphone blue case", "colour"),
    ("charcoal", "colour"),
    ("wireless charging cases", "multi"),
    ("cell phones water proof cases", "multi"),
    ("refurbished phones", "multi"),
    ("unlocked cell phones", "multi"),
    ("phone case", "multi"),
    ("prepaid phones", "multi"),
    ("cell phone camera lenses", "multi"),
    ("cell phones mobile virtual reality", "multi"),
    ("mobile phone", "multi"),
]
CASE = r"\b(case|cover|folio|bumper|shell|candyshell)\b"
SILVER = r"silver|titanium"


def device(x: dict) -> bool:
    """A phone (or another device), not an accessory, a SIM kit or a card."""
    not_a_device = r"SIM Kit|Airtime|Card|Hotspot|Jetpack|Activation"
    return x["categories"][1:2] != ["Cell Phone Accessories"] and not re.search(not_a_device, x["name"], re.I)


def has(name: str, pattern: str) -> bool:
    return re.search(pattern, name, re.I) is not None


def iscase(name: str) -> bool:
    not_a_case = r"armband|holster|screen protector|for apple watch|case and band|headphone case|clip\b"
    return has(name, CASE) and not has(name, not_a_case)


def issp(name: str) -> bool:
    """A screen protector."""
    protector = r"screen protect|invisibleshield|glass\+|screen guard|shield.*screen|tempered glass"
    return has(name, protector) and not has(name, r"case\b")


def brand_is(x: dict, brand: str) -> bool:
    return x["name"].lower().startswith(brand.lower()) or (x["brand"] or "").lower().startswith(brand.lower())


def iphone_device(x: dict) -> bool:
    return device(x) and has(x["name"], r"iphone")


def color(name: str) -> str:
    return name.split(" - ")[-1] if name.count(" - ") >= 2 else ""


def grade(q: str, x: dict) -> int:  # one rule per query, in QUERIES' order
    n, d = x["name"], device(x)
    if q == "samsung":
        if brand_is(x, "samsung") or (d and has(n, r"- samsung")):
            return 3
        return 1 if has(n, "samsung") else 0
    if q == "google":
        if brand_is(x, "google"):
            return 3
        return 1 if has(n, r"google|pixel|nexus") else 0
    if q == "insignia":
        return 3 if has(n, r"^ins[ig]+nia") else 0
    if q == "belkin":
        return 3 if brand_is(x, "belkin") else 0
    if q == "huawei":
        return 3 if brand_is(x, "huawei") else (1 if has(n, "huawei") else 0)
    if q == "tracfone":
        return (
            3
            if brand_is(x, "tracfone")
            else (1 if has(n, r"^(net10|straight talk|simple mobile|total wireless)") else 0)
        )
    if q == "kate spade":
        return 3 if brand_is(x, "kate spade") else (1 if brand_is(x, "jack spade") else 0)
    if q == "incase":
        return 3 if brand_is(x, "incase") else 0
    if q == "fitbit":
        return 3 if brand_is(x, "fitbit") else (1 if has(n, "fitbit") else 0)
    if q == "garmin":
        return 3 if brand_is(x, "garmin") else 0
    if q == "candyshell":
        return 3 if has(n, "candyshell") else (1 if brand_is(x, "speck") else 0)
    if q in ("iphone", "apple iphone"):
        return 3 if iphone_device(x) else (1 if has(n, "iphone") else 0)
    if q == "iphone 7":
        if iphone_device(x):
            return 3 if has(n, r"iphone 7(?! plus)") else 2 if has(n, "iphone 7 plus") else 1
        return 1 if has(n, r"iphone.{0,3} 7") else 0
    if q == "iphone 6s":
        if iphone_device(x):
            return 3 if has(n, r"iphone 6s(?! plus)") else 2 if has(n, "6s plus") else 1
        return 1 if has(n, r"iphone.{0,3} (6s|6 and 6s)|6s and 7") else 0
    if q == "iphone se":
        if iphone_device(x):
            return 3 if has(n, r"iphone se") else 1
        return 1 if has(n, r"iphone.{0,3} se") else 0
    if q == "iphone 8":
        if iphone_device(x):
            return 2 if has(n, r"iphone 7") else 1
        return 1 if has(n, r"iphone.{0,3} 7") else 0
    if q == "samsung s7":
        if d and has(n, "galaxy s7"):
            return 2 if has(n, "edge") else 3
        return 1 if has(n, "s7") or (d and has(n, "galaxy")) else 0
    if q == "samsung galaxy":
        if d and has(n, "galaxy"):
            return 3
        return 1 if has(n, "galaxy|samsung") else 0
    if q == "google pixel":
        if d and has(n, "pixel"):
            return 2 if has(n, "pixel xl") else 3
        return 1 if has(n, "pixel") or brand_is(x, "google") else 0
    if q in ("apple watch", "apple watch series 2"):
        return 1 if has(n, "apple watch") else 0
    if q == "android":
        if d:
            return (
                3
                if has(x["description"] or "", "android")
                or (
                    has(n, "galaxy|moto|lg |nexus|pixel|htc|zte|alcatel|blu |huawei|kyocera")
                    and not has(n, "iphone|blackberry")
                )
                else 1
            )
        return 1 if has(n, "android") else 0
    if q == "samsung mobile":
        if d and (brand_is(x, "samsung") or has(n, "- samsung")):
            return 3
        return 1 if has(n, "samsung") else 0
    if q == "iphone case":
        return 3 if iscase(n) and has(n, "iphone") else (1 if has(n, "iphone") else 0)
    if q in ("iphone protectors", "iphone screen protectors"):
        if issp(n) and has(n, "iphone"):
            return 3
        return 1 if (issp(n) or has(n, "iphone")) else 0
    if q == "iphone 7 plus cases":
        if iscase(n) and has(n, "7 plus"):
            return 3
        if iscase(n) and has(n, r"iphone.{0,3} 7(?! plus)|and 7\b|6s and 7"):
            return 2
        if iscase(n) and has(n, "iphone"):
            return 1
        return 1 if has(n, "7 plus") else 0
    if q == "iphone 6s cases":
        if iscase(n) and has(n, r"6s(?! plus)|6 and 6s\b(?! plus)"):
            return 3
        if iscase(n) and has(n, "6s plus"):
            return 2
        if iscase(n) and has(n, "iphone"):
            return 1
        return 1 if has(n, r"iphone.{0,3} (6s|6 and 6s)") else 0
    if q == "iphone 6 cases":
        if iscase(n) and has(
            n, r"iphone.{0,3} 6(?! plus)(?!s)|iphone.{0,3} 6 and 6s(?! plus)|iphone.{0,3} 6 and iphone"
        ):
            return 3
        if iscase(n) and has(n, r"iphone.{0,3} 6 plus"):
            return 2
        if iscase(n) and has(n, "iphone"):
            return 1
        return 1 if has(n, r"iphone.{0,3} 6\b") else 0
    if q == "google accessories":
        if not d and has(n, "google|pixel|nexus|daydream"):
            return 3
        return 1 if has(n, "google|pixel|nexus") else 0
    if q == "samsung zagg":
        if brand_is(x, "zagg") and has(n, "samsung|galaxy"):
            return 3
        return 1 if brand_is(x, "zagg") or (issp(n) and has(n, "samsung")) else 0
    if q == "samsung incipio":
        if brand_is(x, "incipio") and has(n, "samsung|galaxy"):
            return 3
        return 1 if brand_is(x, "incipio") or has(n, "samsung") else 0
    if q == "samsung usb":
        sb = brand_is(x, "samsung")
        if sb and has(n, "usb") and has(n, "cable|adapter|charger"):
            return 3
        if sb and has(n, "usb"):
            return 2
        if sb and has(n, "charg|cable|adapter"):
            return 2
        if has(n, "usb") and has(n, "samsung"):
            return 2
        return 1 if sb else 0
    if q == "apple watch cases":
        if has(n, "case") and has(n, "apple watch"):
            return 3 if not has(n, "strap") else 1
        return 1 if has(n, "apple watch") else 0
    if q == "smartwatch bands apple third party":
        if has(n, "apple watch") and has(n, "band|strap|woven nylon"):
            return 2 if brand_is(x, "apple") else 3
        return 1 if has(n, "band|strap") and "Smartwatch" in " ".join(x["categories"]) else 0
    if q == "iphone accessories battery cases":
        if has(n, "battery case|juice pack.*case|power.*case|battery.*case") and has(n, "iphone"):
            return 3
        return 1 if has(n, "battery case") or (iscase(n) and has(n, "iphone")) else 0
    if q == "battery":
        if (
            has(n, r"battery|power ?bank|powerstation|portable charger|power pack")
            and not has(n, r"case|cover")
            and not d
        ):
            return 3
        return 2 if has(n, "battery case") else 0
    if q == "internal batteries":
        if has(n, r"lithium-ion battery|^\w+ - battery for|- battery for"):
            return 3
        return 1 if has(n, r"external battery|powerstation|portable charger|battery pack") else 0
    if q == "chargers":
        if has(n, r"charger|charging (dock|stand|pad|station)|power adapter") and not has(n, r"cable"):
            return 3
        return 1 if has(n, r"charg") else 0
    if q in ("protectors", "screen protectors"):
        if issp(n):
            return 3
        return 1 if has(n, "protect") else 0
    if q == "usb charger":
        if has(n, "charger") and not has(n, "cable$|wireless"):
            return 3 if has(n, "usb|port") else 2
        return 1 if has(n, "usb") and has(n, "charg") else 0
    if q == "wireless chargers":
        if has(n, r"wireless charg(er|ing (dock|pad|stand|base))|qi") and not has(n, "case"):
            return 3
        return 1 if has(n, "charger|wireless charg") else 0
    if q == "smartwatch bands":
        return 3 if has(n, "band|strap") and "Smartwatch" in " ".join(x["categories"]) else 0
    if q == "car chargers":
        return (
            3 if has(n, r"car charger|vehicle charger|car.*charg|vehicle.*charg") else (1 if has(n, "charger") else 0)
        )
    if q == "cell phone mounts":
        return 3 if has(n, r"mount|holder|cradle") and not d else 0
    if q == "bluetooth headsets":
        if has(n, "bluetooth headset|wireless.*headset|headset.*bluetooth"):
            return 3
        return 2 if has(n, "headset") and not has(n, "virtual|vr") else 0
    if q == "headphones":
        if has(n, r"headset|headphones\b|earbud|earphone") and not has(n, "virtual|vr|adapter|jack|case"):
            return 3
        return 1 if has(n, "headphone") else 0
    if q == "sim cards":
        return 3 if has(n, r"sim card|sim kit|\bsim\b") else (1 if has(n, "activation kit") else 0)
    if q == "prepaid minutes":
        if has(n, r"airtime|refill|top-up|phone card|prepaid card|minute") and not has(n, "data add-on"):
            return 3
        return 2 if has(n, "data add-on") else (1 if has(n, "prepaid") else 0)
    if q == "mobile hotspots":
        return 3 if has(n, "hotspot|jetpack|mifi") else 0
    if q == "speakers":
        if "Speakers" in " ".join(x["categories"]) or has(n, "speaker"):
            return 3
        return 0
    if q == "smartwatches":
        return 1 if "Smartwatch" in " ".join(x["categories"]) else 0
    if q == "power cables":
        if has(n, "cable") and has(n, r"charg|power|lightning"):
            return 3
        if has(n, "cable") and has(n, r"usb"):
            return 2
        if has(n, "charger|power adapter"):
            return 1
        return 0
    if q == "silver phone":
        if d:
            return 3 if has(color(n), SILVER) else 2
        return 1 if has(color(n), SILVER) else 0
    if q == "samsung yellow":
        sam = brand_is(x, "samsung") or (d and has(n, "- samsung"))
        if sam:
            return 3 if has(color(n), "yellow") else 2
        return 1 if has(n, "samsung") else 0
    if q == "google black":
        if brand_is(x, "google"):
            return 3 if has(color(n), "black") else 2
        return 1 if has(n, "google|pixel") and has(color(n), "black") else 0
    if q == "iphone 16gb":
        if iphone_device(x):
            return 3 if has(n, "16gb") else 2
        return 1 if has(n, "iphone") else 0
    if q == "apple watch gray":
        return 1 if has(n, "apple watch") else 0
    if q == "iphone blue case":
        if iscase(n) and has(n, "iphone"):
            return 3 if has(color(n), r"blue|navy|cobalt|teal|turquoise|aqua|cyan|sapphire|marine") else 2
        return 1 if has(n, "iphone") and has(color(n), "blue") else 0
    if q == "charcoal":
        return 3 if has(color(n), "charcoal") else 0
    if q == "wireless charging cases":
        if iscase(n) and has(n, "wireless charg"):
            return 3
        return 1 if has(n, "wireless charg|battery case") else 0
    if q == "cell phones water proof cases":
        if iscase(n) and has(n, "waterproof|water proof|water-proof"):
            return 3
        if iscase(n) and has(n, "water"):
            return 2
        return 1 if iscase(n) else 0
    if q == "refurbished phones":
        return 3 if d and has(n, "refurbished|pre-owned") else (1 if d else 0)
    if q == "unlocked cell phones":
        return 3 if d and has(n, "unlocked") else (1 if d else 0)
    if q == "phone case":
        return 3 if iscase(n) else 0
    if q == "prepaid phones":
        return 3 if d and has(n, "prepaid|no-contract|gophone") else (1 if d or has(n, "prepaid") else 0)
    if q == "cell phone camera lenses":
        return 3 if has(n, r"lens(es)?\b") and not has(n, "protector") else 0
    if q == "cell phones mobile virtual reality":
        return 3 if has(n, r"virtual reality|\bvr\b|daydream") else 0
    if q == "mobile phone":
        return 3 if d else 0
    raise KeyError(q)


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def _name_key(name: str) -> str:
    """A product's name as its title reads after import (spacing and case aside; the catalog has stray bytes)."""
    return " ".join(name.replace("\x99", "\u2122").split()).casefold()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--show", type=int, default=10, help="the worst N queries with their grades")
    parser.add_argument("--out", type=Path, help="also write the report here")
    parser.add_argument("--second", action="store_true", help="the second set (relevance_rules_second.py) instead")
    args = parser.parse_args()
    queries, rule = ([(q, "-") for q in second.QUERIES], second.grade) if args.second else (QUERIES, grade)
    products = json.loads((args.data / "bestbuy" / "products.json").read_text(encoding="utf-8"))
    by_name = {}
    for product in products:
        by_name.setdefault(_name_key(product["name"]), product)
    with tempfile.TemporaryDirectory(prefix="aisle-relevance-rules-") as tmp:
        container = build(args.data, tmp)
        scored = []
        for query, stratum in queries:
            found = container.search.search(SearchParams(q=query, page_size=10))
            graded = [by_name.get(_name_key(c.title)) for c in found.cards]
            grades = [0 if product is None else rule(query, product) for product in graded]
            ideal = dcg(sorted((rule(query, p) for p in products), reverse=True)[:10])
            scored.append((query, stratum, dcg(grades) / ideal if ideal else 0.0, grades))
        container.stop()
    by_stratum = defaultdict(list)
    for _query, stratum, ndcg, _grades in scored:
        by_stratum[stratum].append(ndcg)
    lines = ["| stratum | n | NDCG@10 |", "|---|---|---|"]
    lines += [f"| {s} | {len(v)} | {mean(v):.3f} |" for s, v in by_stratum.items()]
    lines.append(f"| overall | {len(scored)} | {mean(n for _q, _s, n, _g in scored):.3f} |")
    lines += ["", "Worst queries (grades of the top 10):", ""]
    lines += [f"- {n:.3f} {q}: {g}" for q, _s, n, g in sorted(scored, key=lambda row: row[2])[: args.show]]
    lines += ["", "machine: " + "; ".join(f"{k} {v}" for k, v in machine().items())]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
