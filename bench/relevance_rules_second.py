"""The second rule-graded set: 80 more real Best Buy queries, each graded by a rule (read by ``relevance_rules.py``).

The queries come from ``queries/bestbuy_query_suggestions.json``, mostly those Algolia answered in Cell Phones,
none of them among the 40 of ``relevance-dev`` or the first rule set. One rater (a helper, 2026-12-05) wrote a
grading rule per query following ``relevance-dev/GUIDELINES.md`` (0-3), graded the whole catalog with it (so the
ideal ranking is the catalog's real best) and read every poorly scoring query by eye. "usb and samsung" and "usb or
samsung" are the first set's "samsung usb" in other words. Lenient where a rule is coarse, as the first set is.
"""

# ruff: noqa: E501
from __future__ import annotations

import re

QUERIES = [
    "iphone 12mp",
    "iphone cell",
    "apple mobile phone",
    "phone samsung",
    "unlocked",
    "all unlocked cell phones",
    "all prepaid phones",
    "all prepaid phones boost mobile",
    "prepaid phones virgin mobile",
    "prepaid phones verizon prepaid",
    "prepaid phones tracfone",
    "prepaid phones simple mobile",
    "prepaid phones cricket",
    "cell phones tracfone",
    "cell phones simple mobile",
    "iphone 7 cases",
    "iphone 6s plus cases",
    "iphone 7 plus cases battery cases",
    "iphone 7 plus cases water proof cases",
    "iphone 7 plus cases trend cases",
    "iphone 7 cases water proof cases",
    "iphone 7 cases battery cases",
    "iphone 6s plus cases battery cases",
    "iphone 6s plus cases water proof cases",
    "iphone 6s cases water proof cases",
    "iphone 6s cases battery cases",
    "iphone 6 cases water proof cases",
    "iphone 6 cases slim cases",
    "iphone 6 plus cases slim cases",
    "iphone screen protectors surface protection",
    "iphone accessories water proof cases",
    "iphone accessories",
    "samsung galaxy connectivity",
    "apple insignia",
    "usb and samsung",
    "usb or samsung",
    "google usb",
    "google shock",
    "cell phones apple third party",
    "smartwatch bands fitbit third party",
    "smartwatch accessories apple third party",
    "smartwatch accessories fitbit third party",
    "apple external",
    "ipad accessories chargers",
    "ipad accessories connectivity",
    "signal boosters",
    "smart tracker tags",
    "smartwatch charging docks",
    "smartwatch cables",
    "smartwatch accessories",
    "data cables",
    "phone cords",
    "cell phones connectivity",
    "covers",
    "camera cases",
    "car accessories",
    "travel accessories",
    "photography accessories",
    "cell phone headsets",
    "cell phone accessories",
    "lightning",
    "accessories chargers",
    "cell phones battery cases",
    "cell phones waterproof cases",
    "cell phones wireless charging",
    "cell phones bluetooth",
    "cell phones slim cases",
    "cell phones alternative power",
    "cell phones rechargeable",
    "aluminum",
    "textured",
    "watertight",
    "flowers",
    "phone securely",
    "car travel accessories",
    "emergency",
    "facetime",
    "chrome chrome",
    "mobile",
    "screen protectors surface protection",
]

CASE = r"\b(case|cover|folio|bumper|shell|candyshell|sleeve)\b"


def has(s, pat):
    return re.search(pat, s or "", re.I) is not None


def cats(x):
    return " > ".join(x["categories"])


def device(x):
    not_a_device = r"SIM Kit|SIM Card|Airtime|Card\b|Hotspot|Jetpack|Activation|Minute|ReUp|Refill|Top-Up"
    return (
        x["categories"][1:2] != ["Cell Phone Accessories"]
        and "Accessories" not in cats(x)
        and not has(x["name"], not_a_device)
    )


def iscase(n):
    not_a_case = (
        r"armband|holster|screen protector|for apple watch|case and band|headphone case|clip\b|camera carrying|pouch"
    )
    return has(n, CASE) and not has(n, not_a_case)


def issp(n):
    return has(n, r"screen protect|invisibleshield|glass\+|screen guard|shield.*screen|tempered glass") and not has(
        n, r"case\b"
    )


def brand_is(x, b):
    return x["name"].lower().startswith(b.lower()) or (x["brand"] or "").lower().startswith(b.lower())


def iphone_models(n):
    """Models listed after the word iPhone, before the colour part."""
    s = n.replace("®", "").replace("™", "")
    m = re.search(r"iphone(.*)", s, re.I)
    if not m:
        return set()
    seg = m.group(1)
    seg = seg.split(" - ")[0]
    seg = re.sub(r"iphone", " ", seg, flags=re.I)
    out = set()
    for mm in re.finditer(r"\b(\d+s?|se|5c)\b(\s*plus)?", seg, re.I):
        out.add(mm.group(1).lower() + (" plus" if mm.group(2) else ""))
    return out


SIB = {"7": "7 plus", "7 plus": "7", "6s": "6s plus", "6s plus": "6s", "6": "6 plus", "6 plus": "6"}


def fit(n, model):
    ms = iphone_models(n)
    if model in ms:
        return 3
    if SIB[model] in ms:
        return 2
    return 1 if ms or has(n, "iphone") else 0


WATER = r"waterproof|water-proof|water proof|watertight|submersible"
SLIM = r"\bslim|\bthin\b|ultra-thin|ultrathin|low-profile|low profile|ultralight|minimal"
TREND = (
    r"print|pattern|glitter|foil|crystal|marble|floral|flower|karat|kate spade|siriano|trina turk|minkoff|sonix|"
    r"jack spade|mizrahi|waterfall|sparkle|lace|inked|brilliance|camo|realtree|chrome|dot\b|stripe|tweed|pearl|"
    r"rose gold|halftone|metallic|wristlet|luxe|jeweled|gem|bling|style|fashion|design"
)
BATT = r"battery|juice pack|power case|fre power|frē power|powerstation case"


def model_case(x, model, mod):
    n, d = x["name"], x["description"]
    if iscase(n):
        f = fit(n, model)
        if mod == "battery":
            ok = has(n, BATT)
        elif mod == "water":
            ok = has(n, WATER) or has(d, WATER)
        elif mod == "slim":
            ok = has(n, SLIM) or has(d, SLIM)
        elif mod == "trend":
            ok = has(n, TREND)
        else:
            ok = True
        if ok:
            return f if f else (1 if mod else 0)
        if mod in ("slim", "trend"):
            return {3: 2, 2: 1, 1: 1, 0: 0}[f]
        return 1 if f >= 2 else 0
    if device(x):
        return 1 if fit(n, model) >= 2 and has(n, "iphone") else 0
    # non-case accessory
    return 1 if fit(n, model) >= 2 else 0


def carrier(x, names, plan_ok=True):
    n = x["name"]
    own = any(n.lower().startswith(c) or (x["brand"] or "").lower().startswith(c) for c in names)
    d = device(x)
    prepaid = has(n, r"prepaid|no-contract|gophone|tracfone|boost|virgin|cricket|simple mobile|net10")
    if own and d:
        return 3
    if d and any(has(n, c) for c in names):
        return 2  # carrier phone sold otherwise
    if own:
        return 1  # cards, SIM kits
    if d and prepaid:
        return 1
    return 0


def grade(q, x):  # one rule per query, as QUERIES lists them
    n, d = x["name"], x["description"] or ""
    dv = device(x)
    c = cats(x)
    if q == "iphone 12mp":
        if dv and has(n, "iphone"):
            ms = iphone_models(n)
            return 3 if ms & {"7", "7 plus", "6s", "6s plus", "se"} or has(n, r"iphone (7|6s|se)\b") else 1
        return 0
    if q in ("iphone cell", "apple mobile phone", "facetime"):
        if dv and has(n, "iphone"):
            return 3
        return 1 if has(n, "iphone") else 0
    if q == "phone samsung":
        if dv and has(n, r"samsung"):
            return 3
        if dv:
            return 1
        return 1 if brand_is(x, "samsung") else 0
    if q in ("unlocked", "all unlocked cell phones"):
        return 3 if dv and has(n, "unlocked") else (1 if dv else 0)
    if q == "all prepaid phones":
        pre = has(n, r"prepaid|no-contract|gophone") or has(c, "Prepaid Phones")
        return 3 if dv and pre else (1 if dv or has(n, "prepaid") else 0)
    if q == "all prepaid phones boost mobile":
        return carrier(x, ["boost mobile"])
    if q == "prepaid phones virgin mobile":
        return carrier(x, ["virgin mobile"])
    if q == "prepaid phones verizon prepaid":
        own = brand_is(x, "verizon prepaid") or brand_is(x, "verizon wireless prepaid")
        if own and dv:
            return 3
        if dv and has(n, "verizon"):
            return 2
        if own or has(n, "verizon"):
            return 1
        return 1 if dv and has(n, "prepaid") else 0
    if q in ("prepaid phones tracfone", "cell phones tracfone"):
        return carrier(x, ["tracfone"])
    if q in ("prepaid phones simple mobile", "cell phones simple mobile"):
        return carrier(x, ["simple mobile"])
    if q == "prepaid phones cricket":
        return carrier(x, ["cricket"])
    m = re.match(r"iphone (7 plus|7|6s plus|6s|6 plus|6) cases(?: (battery|water proof|slim|trend) cases)?$", q)
    if m:
        mod = {"battery": "battery", "water proof": "water", "slim": "slim", "trend": "trend", None: None}[m.group(2)]
        return model_case(x, m.group(1), mod)
    if q == "iphone screen protectors surface protection":
        if issp(n):
            return 3 if has(n, "iphone") else 1
        return 1 if has(n, "iphone") and (iscase(n) or dv) else 0
    if q == "screen protectors surface protection":
        return 3 if issp(n) else (1 if has(n, "screen protect") else 0)
    if q == "iphone accessories water proof cases":
        if iscase(n) and (has(n, WATER) or has(d, WATER)):
            return 3 if has(n, "iphone") else 1
        return 1 if iscase(n) and has(n, "iphone") else 0
    if q == "iphone accessories":
        if dv:
            return 1 if has(n, "iphone") else 0
        if has(n, r"iphone|lightning|apple mfi|apple®? devices|30-pin"):
            return 3
        if has(n, r"most cell phones|mobile devices|universal|most smartphones|select cell"):
            return 2
        return (
            2
            if not has(n, r"samsung|galaxy|lg |htc|moto|pixel|nexus|fitbit|watch|gear|sony|blackberry|huawei|zte")
            and has(c, "Accessories")
            else 0
        )
    CONN = r"cable|adapter|dock|reader|cord|hub"
    if q == "samsung galaxy connectivity":
        if dv:
            return 1 if has(n, "samsung|galaxy") else 0
        if has(n, CONN) and not has(n, r"case\b|gear s|watch"):
            if brand_is(x, "samsung") or has(n, "samsung|galaxy"):
                return 3
            if has(n, r"micro usb|micro-usb|type c|type-c|usb-c"):
                return 2
            return 1
        return 1 if brand_is(x, "samsung") and has(n, "charg") else 0
    if q == "cell phones connectivity":
        if dv:
            return 0
        if has(n, CONN) and not has(n, r"case\b|mount"):
            return 3
        return 1 if has(n, r"bluetooth|transmitter|hotspot") else 0
    if q == "ipad accessories connectivity":
        if has(n, CONN) and not has(n, r"case\b"):
            if has(n, r"ipad|lightning|30-pin|apple"):
                return 3
            return 2
        return 1 if has(n, r"ipad|lightning") else 0
    if q == "apple insignia":
        if brand_is(x, "insignia") or brand_is(x, "insginia"):
            return 3 if has(n, r"apple|iphone|ipad|lightning") else 1
        return 1 if brand_is(x, "apple") else 0
    if q in ("usb and samsung", "usb or samsung"):
        sb = brand_is(x, "samsung")
        if sb and has(n, "usb") and has(n, "cable|adapter|charger"):
            return 3
        if sb and has(n, "usb|charg|cable|adapter|dock"):
            return 2
        if not sb and has(n, "usb") and has(n, "samsung|galaxy"):
            return 2
        if has(n, r"micro usb|micro-usb|usb type c|usb-c") and has(n, "cable|adapter|charger"):
            return 1
        return 1 if sb and not dv else 0
    if q == "google usb":
        if brand_is(x, "google") and has(n, r"usb"):
            return 3
        if has(n, r"usb") and has(n, "pixel|nexus|google"):
            return 2
        if has(n, r"type c|type-c|usb-c") and has(n, "cable|adapter|charger"):
            return 1
        return 1 if brand_is(x, "google") else 0
    if q == "google shock":
        if iscase(n) and has(n, r"pixel|nexus|google"):
            return 3 if has(n + " " + d, r"shock|drop|impact|armor|rugged|defender") else 2
        return 1 if has(n, r"pixel|nexus|google") else 0
    if q == "cell phones apple third party":
        if dv:
            return 1 if has(n, "iphone") else 0
        if has(n, r"iphone|ipad|apple|lightning"):
            return 2 if brand_is(x, "apple") else 3
        return 0
    if q == "smartwatch bands fitbit third party":
        if has(n, "fitbit") and has(n, r"band|strap"):
            return 2 if brand_is(x, "fitbit") else 3
        if has(n, r"band|strap") and "Smartwatch" in c:
            return 1
        return 1 if has(n, "fitbit") else 0
    if q == "smartwatch accessories apple third party":
        if has(n, "apple watch") and not (dv and "Smartwatch" not in c):
            return 2 if brand_is(x, "apple") else 3
        return 1 if "Smartwatch" in c or has(n, "smartwatch") else 0
    if q == "smartwatch accessories fitbit third party":
        if has(n, "fitbit") and not brand_is(x, "fitbit"):
            return 3
        if has(n, "fitbit"):
            return 2
        return 1 if "Smartwatch" in c or has(n, "smartwatch") else 0
    if q == "smartwatch accessories":
        if "Smartwatch" in c or has(
            n, r"smartwatch|apple watch|gear s\d|moto 360|pebble|fitbit|watch strap|watch band"
        ):
            return (
                3
                if not has(
                    n,
                    r"^(apple|samsung|pebble|motorola|lg|fitbit) - (apple watch|gear s\d|pebble time|moto 360)( sport)?\b.*(mm|smartwatch)\b",
                )
                else 1
            )
        return 0
    if q == "smartwatch charging docks":
        watch = has(n + " " + d[:200], r"watch|gear s|moto 360|fitbit|pebble|smartwatch")
        if watch and has(n, r"dock|stand|charger|powerstation|timeporter|charging pad"):
            return 3
        if watch and has(n, r"cable"):
            return 2
        return 1 if has(n, r"dock") else 0
    if q == "smartwatch cables":
        watch = has(n, r"watch|gear s|moto 360|fitbit|pebble|smartwatch|microsoft band")
        if watch and has(n, "cable"):
            return 3
        if watch and has(n, r"dock|charger|charging|timeporter"):
            return 2
        return 0
    if q == "signal boosters":
        return 3 if has(n, "booster") else (1 if has(n, "antenna|signal") else 0)
    if q == "smart tracker tags":
        if has(n, r"tracker|tile mate|tile slim|trackr|tracking device") and not has(
            n, r"skin|wristband|band\b|activity"
        ):
            return 3
        if has(n, "flic") and has(n, "find|location"):
            return 2
        return 1 if has(n, "flic|tile") else 0
    if q == "data cables":
        if has(n, r"cable|cord") and not has(n, r"audio|aux|3\.5"):
            return 3 if has(n, r"sync|data|usb|lightning|30-pin|type c") else 2
        return 1 if has(n, r"cable|adapter") else 0
    if q == "phone cords":
        if has(n, r"cable|cord") and not has(n, r"headphone|case\b"):
            return 3 if has(n, r"usb|lightning|30-pin|type c|charg|sync") else 2
        return 0
    if q == "covers":
        return 3 if iscase(n) else (1 if has(n, "cover") else 0)
    if q == "camera cases":
        if has(n, r"camera case|camera carrying|focal|lens case|photo case|camera.*case") and not has(n, r"paper"):
            return 3
        return 1 if iscase(n) and has(n + d, r"camera") else (1 if iscase(n) else 0)
    if q in ("car accessories", "car travel accessories"):
        if has(n, r"car|vehicle|dash|vent|windshield|fm transmitter|auto|cup holder|trucker") and not has(
            n, r"card\b|carrying|caribbean"
        ):
            return 3
        if has(c, "Car & Travel"):
            return 2
        return 0
    if q == "travel accessories":
        if has(n, r"travel|portable charger|power bank|powerstation|converter|battery pack"):
            return 3
        if has(n, r"car charger|vehicle charger|fm transmitter|mount|charger"):
            return 2
        return 1 if has(c, "Car & Travel") else 0
    if q == "photography accessories":
        if has(
            n,
            r"lens|tripod|selfie|photo|shutter|camera|gorillapod|griptight|printer|light|stabiliz|gimbal|instax|microsd reader|zip",
        ):
            return 3
        return 2 if has(c, "Photography") else 0
    if q == "cell phone headsets":
        if has(n, r"headset") and not has(n, r"virtual|vr\b|daydream|gear vr"):
            return 3
        return 2 if has(n, r"earbud|headphone|earphone") and not has(n, "case|adapter") else 0
    if q == "cell phone accessories":
        if dv:
            return 1
        return 3 if has(c, "Cell Phone Accessories") else 0
    if q == "lightning":
        if has(n, "lightning|lighting devices"):
            return 3
        return 1 if has(n, r"iphone (5|6|7|se)") and not iscase(n) else 0
    if q == "accessories chargers":
        if has(n, r"charger|charging (dock|stand|pad|station)|power adapter|power bank|powerstation") and not has(
            n, r"cable"
        ):
            return 3
        return 1 if has(n, r"charg") else 0
    if q == "cell phones battery cases":
        if iscase(n) and has(n, BATT):
            return 3
        return 1 if iscase(n) or has(n, r"battery|power bank") else 0
    if q == "cell phones waterproof cases":
        if iscase(n) and (has(n, WATER) or has(d, WATER)):
            return 3
        if iscase(n) and has(n + d, "water"):
            return 2
        return 1 if iscase(n) else 0
    if q == "cell phones wireless charging":
        if has(n, r"wireless charg|qi\b|wireless receiver|charging pad|charging mat"):
            return 3
        return 1 if has(n, "charg") else 0
    if q == "cell phones bluetooth":
        if not dv and has(n + " " + d[:200], r"bluetooth"):
            return 3
        return 1 if dv else 0
    if q == "cell phones slim cases":
        if iscase(n):
            return 3 if has(n, SLIM) or has(d, SLIM) else 2
        return 1 if has(n, SLIM) else 0
    if q == "cell phones alternative power":
        if has(
            n,
            r"power bank|portable charger|powerstation|battery pack|external battery|solar|battery case|juice pack|powerpack|portable battery|jumpack|power ?core",
        ):
            return 3
        return 1 if has(n, r"charger") else 0
    if q == "cell phones rechargeable":
        if has(n, r"power bank|portable charger|powerstation|battery pack|external battery|battery|powerpack"):
            return 3 if not iscase(n) else 2
        if not dv and has(n + " " + d, r"rechargeable"):
            return 2
        return 1 if dv else 0
    if q == "aluminum":
        if has(n, r"alumin"):
            return 3
        return 2 if has(d, r"alumin") else 0
    if q == "textured":
        if has(n, r"textur|caviar|grip|woven|tweed|knit|leather"):
            return 3 if has(n + d, "textur") else 2
        return 2 if has(d, r"textur") and not dv else (1 if has(d, "textur") else 0)
    if q == "watertight":
        if has(n + " " + d, r"watertight|waterproof|submersible") and not dv:
            return 3 if iscase(n) or has(n, r"pouch|bag|dry") else 1
        return 0
    if q == "flowers":
        if has(n, r"flower|floral|blossom|bloom|peony|botanical|daisy|garden"):
            return 3
        return 2 if has(d, r"flower|floral") else 0
    if q == "phone securely":
        if has(n, r"mount|holder|grip|cradle|clip|holster|armband|stand|popsocket|lanyard|strap"):
            return 3
        if iscase(n):
            return 2
        return 1 if dv else 0
    if q == "emergency":
        if has(n, "jitterbug") or has(n + d, r"emergency|sos\b|5star"):
            return 3 if has(n + d, r"emergency") and (dv or has(n, r"charger|power|jump|battery")) else 2
        return 0
    if q == "chrome chrome":
        return 3 if has(n, "chrome") else (2 if has(d, "chrome") else 0)
    if q == "mobile":
        return 3 if dv else 1
    if q == "apple external":
        ext = has(n, r"external|portable charger|power bank|powerstation|battery pack|juice pack")
        if ext and has(n, r"apple|iphone|ipad|lightning"):
            return 3
        if ext:
            return 2
        return 1 if has(n, r"iphone|apple") and not dv else 0
    if q == "ipad accessories chargers":
        chg = has(n, r"charger|charging (dock|stand|station)|power adapter")
        if chg and has(n, r"ipad|apple mfi|lightning|apple"):
            return 3
        if chg and not has(n, r"samsung|galaxy|micro usb|watch|gear|fitbit|pixel|type c|type-c"):
            return 2
        if chg:
            return 1
        return 1 if has(n, "ipad") else 0
    raise KeyError(q)
