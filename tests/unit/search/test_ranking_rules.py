"""The re-ranking rules: category affinity, popularity by rank, deterministic ties, a product's own name."""

from __future__ import annotations

import random

from aisle.domain.search.document import own_name
from aisle.domain.search.rerank import (
    RerankWeights,
    by_name_coverage,
    category_affinity,
    counted_only_share,
    fits_only_share,
    maker_only_share,
    popularity_ranks,
    rerank,
    rerank_scored,
)
from tests.unit.search.candidates import Cand

PHONES, CASES = 10, 20


def test_a_device_asked_for_by_name_outranks_accessories_that_only_fit_it():
    # "nexus 6p": three cases score about as well on words as the phone; the strong matches sit mostly in
    # phones, so the phones category wins the affinity and the phone comes first.
    candidates = [
        Cand(1, 9.0, category_id=CASES),
        Cand(2, 9.5, category_id=PHONES),
        Cand(3, 9.4, category_id=PHONES),
        Cand(4, 9.6, category_id=CASES),
        Cand(5, 9.3, category_id=PHONES),
    ]
    affinity = category_affinity(candidates, 9.6)
    assert affinity[PHONES] == 1.0 and affinity[CASES] < 1.0
    assert rerank(candidates, RerankWeights())[0].category_id == PHONES


def test_the_type_a_query_names_wins_when_its_matches_are_stronger():
    candidates = [Cand(1, 10.0, category_id=CASES), Cand(2, 10.0, category_id=CASES), Cand(3, 5.0, category_id=PHONES)]
    assert [c.product_id for c in rerank(candidates, RerankWeights())][:2] == [1, 2]


def test_weak_matches_do_not_vote_for_their_category():
    candidates = [Cand(1, 10.0, category_id=PHONES)] + [Cand(i, 2.0, category_id=CASES) for i in range(2, 30)]
    assert category_affinity(candidates, 10.0) == {PHONES: 1.0}


def test_when_the_query_names_a_kind_only_products_of_that_kind_vote_for_a_category():
    # "lg accessories": a phone whose description talks of its accessories matches the words best; the cases (the
    # kind asked, matched only through their category's name) match weakly. The phone's category must not lift it.
    ACCESSORIES = 30
    phone = Cand(1, 10.0, category_id=PHONES, popularity=90)
    cases = [Cand(i, 0.6, category_id=CASES, popularity=60) for i in range(2, 8)]
    others = [Cand(i, 7.0, category_id=PHONES, popularity=50) for i in range(8, 12)]
    of_kind = dict.fromkeys((c.product_id for c in cases), 0.9)
    cuts = [float(p) for p in range(1, 100)]
    assert category_affinity([phone, *others], 10.0) == {PHONES: 1.0}  # what the phones alone would say
    ranked = rerank([phone, *cases, *others], RerankWeights(), cuts, of_kind)
    assert {c.product_id for c in ranked[:6]} == {c.product_id for c in cases}
    # with no product of the asked kind among the candidates, the strongest matches vote as before
    kinds_elsewhere = {99: 1.0}
    unchanged = rerank([phone, *others, Cand(12, 6.5, category_id=ACCESSORIES)], RerankWeights(), cuts, kinds_elsewhere)
    assert unchanged[0] == phone


def test_popularity_counts_by_rank_whatever_its_scale():
    small = popularity_ranks([Cand(1, 1, popularity=1), Cand(2, 1, popularity=2), Cand(3, 1, popularity=3)])
    large = popularity_ranks([Cand(1, 1, popularity=10), Cand(2, 1, popularity=9000), Cand(3, 1, popularity=21000)])
    assert small == large == {1: 0.0, 2: 0.5, 3: 1.0}


def test_popularity_breaks_a_tie_in_words():
    candidates = [Cand(1, 5.0, popularity=3), Cand(2, 5.0, popularity=20_000)]
    assert [c.product_id for c in rerank(candidates, RerankWeights())] == [2, 1]


def test_ties_break_the_same_way_whatever_order_the_engine_returned():
    candidates = [Cand(i, 1.0) for i in range(50)]
    orders = set()
    for seed in range(5):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        orders.add(tuple(c.product_id for c in rerank(shuffled, RerankWeights())))
    assert orders == {tuple(range(50))}


def test_own_name_is_the_title_before_what_it_fits():
    assert own_name("Spigen - Rugged Armor Case for Google Nexus 6P - Black") == "Spigen - Rugged Armor Case"
    assert own_name("Huawei - Google Nexus 6P 64GB Cell Phone - Graphite") == (
        "Huawei - Google Nexus 6P 64GB Cell Phone - Graphite"
    )
    assert own_name("Charger Compatible with iPhone 7") == "Charger"
    assert own_name("Fortnite Poster") == "Fortnite Poster"  # "for" inside a word is no cut


def test_recency_counts_whole_days_so_one_import_does_not_order_itself():
    from datetime import UTC, datetime, timedelta

    from aisle.domain.search.ranking import recency_factor

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert recency_factor(now - timedelta(seconds=1), now) == recency_factor(now - timedelta(hours=20), now)
    assert recency_factor(now - timedelta(days=2), now) < recency_factor(now - timedelta(hours=20), now)


def test_the_exact_model_beats_the_near_model():
    from aisle.domain.search.rerank import by_name_coverage, name_coverage

    titles = {1: "Samsung - Galaxy S7 edge 32GB - Black Onyx (Verizon)", 2: "Samsung - Galaxy S7 32GB - Black Onyx"}
    assert name_coverage({"galaxy", "s7"}, titles[2]) > name_coverage({"galaxy", "s7"}, titles[1])
    scored = [(Cand(1, 5.0), 0.50), (Cand(2, 5.0), 0.49)]  # the edge a little ahead on everything else
    assert [c.product_id for c in by_name_coverage(scored, titles, ["galaxy", "s7"], 0.10)] == [2, 1]
    asked_edge = by_name_coverage(scored, titles, ["galaxy", "s7", "edge"], 0.10)
    assert [c.product_id for c in asked_edge] == [1, 2]  # unless the near model is what was asked


def test_a_device_beats_an_accessory_type_the_query_does_not_name():
    from aisle.domain.search.rerank import name_coverage

    phone, case = "Apple - iPhone 7 Plus 128GB - Black (AT&T)", "Apple - iPhone 7 Plus Silicone Case - Black"
    assert name_coverage({"iphone", "7", "plus"}, phone) > name_coverage({"iphone", "7", "plus"}, case)
    assert name_coverage({"iphone", "7", "plus", "case"}, case) > name_coverage({"iphone", "7", "plus", "case"}, phone)
    assert name_coverage({"nexus", "6p"}, "Spigen - Rugged Case for Google Nexus 6P - Black") == 0.0  # only fits it


def test_popularity_counts_by_its_percentile_over_the_whole_catalog():
    from aisle.domain.search.rerank import catalog_percentile

    cuts = [float(p) for p in range(1, 100)]  # a catalog whose popularity runs 0..100
    assert catalog_percentile(0.5, cuts) == 0.0 and catalog_percentile(1000, cuts) == 1.0
    assert abs(catalog_percentile(50.0, cuts) - 50 / 99) < 1e-9
    # between two cuts, interpolated: products in one percentile band keep their order, and a cut a sketch placed
    # a little apart moves a score a little, not a whole step
    assert catalog_percentile(50.0, cuts) < catalog_percentile(50.5, cuts) < catalog_percentile(51.0, cuts)
    assert abs(catalog_percentile(50.5, cuts) - 50.5 / 99) < 1e-9
    assert catalog_percentile(7.0, [5.0, 5.0, 9.0]) == 2.5 / 3  # equal cuts are one step
    # Two middling products among themselves: the candidates' ranks would call one the best of all (1.0).
    middling = [Cand(1, 5.0, popularity=40), Cand(2, 5.0, popularity=45)]
    assert popularity_ranks(middling)[2] == 1.0
    ranked = rerank([*middling, Cand(3, 1.5, popularity=99)], RerankWeights(), cuts)
    assert [c.product_id for c in ranked] == [2, 1, 3]  # a best-seller that barely matches stays below
    # among close matches, the best-seller comes first: popularity weighs as much as the text share
    ranked = rerank([*middling, Cand(3, 4.5, popularity=99)], RerankWeights(), cuts)
    assert [c.product_id for c in ranked] == [3, 2, 1]


def test_a_rare_synonym_weighs_at_most_the_typed_word():
    from aisle.adapters.search.tantivy_queries import SYNONYM_WEIGHT, bm25_idf, synonym_weight

    def idf(token: str) -> float:
        return bm25_idf(1000, {"headphone": 300, "headset": 5, "ear": 200, "bud": 200}[token])

    assert synonym_weight(["headphone"], ["headset"], idf) < SYNONYM_WEIGHT / 3  # rare: scaled to the typed word
    scaled = synonym_weight(["headphone"], ["headset"], idf) * idf("headset")
    assert abs(scaled - SYNONYM_WEIGHT * idf("headphone")) < 1e-9
    assert synonym_weight(["headset"], ["headphone"], idf) == SYNONYM_WEIGHT  # a commoner synonym: the plain weight
    assert synonym_weight(["headphone"], ["ear", "bud"], idf) < SYNONYM_WEIGHT  # a phrase sums its words' idf
    assert synonym_weight(["headphone"], ["headset"], None) == SYNONYM_WEIGHT


def test_a_catalog_popularity_score_is_not_read_as_units_sold_a_day():
    from datetime import UTC, datetime
    from decimal import Decimal

    from aisle.domain.catalog import Product, ProductContent, Variant
    from aisle.domain.reviews import ReviewSummary
    from aisle.domain.search.document import build_document

    content = ProductContent(title="Phone", variants=(Variant(sku="P-1", price=Decimal("9.99")),), popularity=21449.0)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    product = Product(product_id=1, seller_id=1, content=content, version=1, created_at=when, updated_at=when)
    unsold = build_document(product, [], ReviewSummary(), None, True, None)
    assert unsold.sales_velocity == 0.0 and unsold.popularity == 21449.0
    assert build_document(product, [], ReviewSummary(), None, True, 3.5).sales_velocity == 3.5


def test_a_weak_match_is_not_lifted_by_the_category_of_the_strong_ones():
    # "fast phone": fast chargers match both words in their titles; a charger that names neither word in its
    # title sits in their category, yet a phone matching both words in its title comes before it.
    strong = [Cand(i, 10.0, category_id=CASES) for i in range(1, 6)]
    weak, phone = Cand(6, 1.0, category_id=CASES), Cand(7, 5.0, category_id=PHONES)
    order = [c.product_id for c in rerank([*strong, weak, phone], RerankWeights())]
    assert order.index(7) < order.index(6)


def test_a_word_held_only_as_another_word_of_its_stem_counts_against_a_title():
    from aisle.domain.search.rerank import stem_only_share

    stems = {"gaming": "game", "games": "game", "game": "game", "mouse": "mous", "case": "case", "cases": "case"}

    def stemmer(text: str) -> list[str]:
        return [stems.get(w, w) for w in text.lower().split()]

    gaming = {"gaming": ("game",)}
    assert stem_only_share(gaming, "Maze Games for Families", stemmer) == 1.0  # "games" for "gaming"
    assert stem_only_share(gaming, "Orbit Gaming Mouse", stemmer) == 0.0  # the word as typed
    assert stem_only_share(gaming, "Orbit Mouse", stemmer) == 0.0  # matched elsewhere (a description): no verdict
    assert stem_only_share({"cases": ("case",)}, "Slim Case", stemmer) == 0.0  # a plural is the same word
    both = {"gaming": ("game",), "mouse": ("mous",)}
    assert stem_only_share(both, "Board Game Mouse", stemmer) == 0.5


def test_a_word_a_title_holds_only_as_what_a_number_counts_is_a_specification():
    monitor, phone = 'Acer AL1716Fs 43.2 cm (17") 1280 x 1024 pixels', "Google - Pixel XL 4G LTE Cell Phone"
    assert counted_only_share(["pixel"], monitor) == 1.0
    assert counted_only_share(["pixel"], phone) == 0.0
    assert counted_only_share(["usb", "port"], "Sandberg USB Hub (7 ports)") == 0.5
    assert counted_only_share(["cell"], "BlackBerry - 8520 Cell Phone") == 0.0  # a model's number, not a count
    assert counted_only_share(["battery"], "Canon LK-62 Battery") == 0.0  # a code's number
    # candidates holding the word only as a count lose to one named by it, and do not vote for their category
    candidates = [Cand(1, 10.0, category_id=CASES), Cand(2, 10.0, category_id=CASES), Cand(3, 9.0, category_id=PHONES)]
    counted = {1: 1.0, 2: 1.0}
    assert rerank_scored(candidates, RerankWeights(), counted_only=counted)[0][0].product_id == 3
    assert rerank_scored(candidates, RerankWeights())[0][0].product_id != 3


def test_a_case_for_another_model_of_the_line_goes_after_one_for_the_model_asked():
    from aisle.domain.search.rerank import asked_models, by_name_coverage, other_model_share

    words = ["iphone", "6", "cases", "water", "proof"]
    titles = {
        1: "LifeProof - Frē Protective Waterproof Case for Apple® iPhone® 7 - Asphalt black",  # "6.6 feet" inside
        2: "LifeProof - NÜÜD Protective Waterproof Case for Apple® iPhone® 6s - Black",
        3: "LifeProof - nuud Hard Case for Apple® iPhone® 6 - Black",
        4: "Optrix - Protective Case for Apple iPhone 6 and 6s",
    }
    assert asked_models(words) == [("iphone", "6")]
    assert [other_model_share(asked_models(words), titles[i]) for i in (1, 2, 3, 4)] == [1.0, 0.5, 0.0, 0.0]
    scored = [(Cand(1, 5.0), 0.9), (Cand(2, 5.0), 0.8), (Cand(3, 5.0), 0.6), (Cand(4, 5.0), 0.5)]
    ranked = by_name_coverage(scored, titles, words, 0.0, other_model_penalty=0.5)
    assert [c.product_id for c in ranked] == [3, 2, 4, 1]


def test_sizes_capacities_and_qualified_numbers_name_no_model():
    from aisle.domain.search.rerank import asked_models, other_model_share

    assert asked_models(["iphone", "32gb"]) == []  # a capacity
    assert asked_models(["size", "10", "shoes"]) == []  # a number after a qualifier
    assert asked_models(["galaxy", "s7", "case"]) == [("galaxy", "s7")]
    assert other_model_share([("galaxy", "s7")], "Samsung - Galaxy S7 edge 32GB - Black") == 0.0  # a sibling
    assert other_model_share([("galaxy", "s7")], 'Samsung - Galaxy Tab A 8" - Black') == 0.0  # no number after it
    assert other_model_share([("hp", "61")], "HP - 61XL High Yield Ink Cartridge - Black") == 0.5  # an edition


def test_a_word_held_only_as_what_the_product_fits_is_counted_against_it():
    assert fits_only_share(["android"], "FLIR - ONE Thermal Imager for Android Devices - Black") == 1.0
    assert fits_only_share(["android"], "Samsung - Galaxy S7 32GB - Black") == 0.0  # matched elsewhere: no verdict
    assert fits_only_share(["android", "phone"], "Acme - Android Phone Stand for Desks") == 0.0
    # a colour after the fitted device is the product's own, not what it fits
    assert fits_only_share(["orange"], "Speck - Presidio Case for iPhone 7 - Warning Orange") == 0.0
    assert fits_only_share(["samsung", "mobile"], "Acme - Flip Case for Samsung Galaxy S4 Mobile Phones") == 1.0


MAKERS = {"just wireless", "case-mate", "google", "kate spade new york", "simple mobile"}


def _is_maker(text: str) -> bool:
    return text.casefold() in MAKERS


def test_a_word_held_only_in_the_makers_name_is_counted_against_it():
    assert maker_only_share(["wireless", "chargers"], "Just Wireless - Vehicle Charger - Black", _is_maker) == 0.5
    assert maker_only_share(["wireless", "chargers"], "Acme - Wireless Charger - Black", _is_maker) == 0.0
    assert maker_only_share(["iphone", "case"], "Case-Mate - Screen Protector for iPhone 7", _is_maker) == 0.5
    # what the maker's name alone may be asked for is no verdict
    assert maker_only_share(["mobile"], "Simple Mobile - Galaxy On5 Prepaid Phone", _is_maker) == 0.0
    assert maker_only_share(["simple", "mobile", "phone"], "Simple Mobile - Galaxy On5 Phone", _is_maker) == 0.0
    assert maker_only_share(["kate", "spade"], "kate spade new york - Wrap Case - Red", _is_maker) == 0.0
    assert maker_only_share(["google", "pixel"], "Google - Pixel 32GB - Black", _is_maker) == 0.0  # a brand
    assert maker_only_share(["wireless", "chargers"], "Wireless Charger Pad - Black", _is_maker) == 0.0  # no maker


def test_products_that_only_fit_the_word_asked_for_come_after_those_that_are_it():
    """ "android", a word no kind: the phones whose descriptions say Android before the accessories "for Android
    Devices" whose titles match it better."""
    imager, phone = Cand(1, text_score=1.0), Cand(2, text_score=0.8)
    titles = {1: "FLIR - ONE Thermal Imager for Android Devices", 2: "Acme - Nova 5 Cell Phone - Black"}
    scored = [(imager, 0.30), (phone, 0.24)]  # the title match scores higher on words
    weights = RerankWeights()
    assert by_name_coverage(scored, titles, ["android"], weights.name_coverage) == [imager, phone]
    ranked = by_name_coverage(scored, titles, ["android"], weights.name_coverage, fits_only_penalty=weights.fits_only)
    assert ranked == [phone, imager]


def test_a_maker_named_like_what_is_asked_comes_after_what_is_it():
    """ "wireless chargers": the Just Wireless car charger, sold more, after the wireless charger."""
    car, pad = Cand(1, text_score=1.0), Cand(2, text_score=0.9)
    titles = {1: "Just Wireless - Vehicle Charger - Black", 2: "Acme - Wireless Charger - White"}
    scored = [(car, 0.40), (pad, 0.34)]
    words, weights = ["wireless", "chargers"], RerankWeights()
    assert by_name_coverage(scored, titles, words, weights.name_coverage) == [car, pad]
    ranked = by_name_coverage(scored, titles, words, weights.name_coverage, maker_only=(weights.maker_only, _is_maker))
    assert ranked == [pad, car]
