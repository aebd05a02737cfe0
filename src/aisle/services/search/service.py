"""The search pipeline: understand the query, ask the engine, relax when nothing matches, re-rank, hydrate."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial

from aisle.domain.categories import Category, ancestors_path
from aisle.domain.errors import InvalidInput
from aisle.domain.ids import parse_id_text
from aisle.domain.search.brand_spellings import brand_key
from aisle.domain.search.departments import (
    aisle_of,
    aisle_of_most,
    category_holding_most,
    department_asked,
    department_first,
    department_typed_first,
    names_department,
    root_of,
)
from aisle.domain.search.devices import DEVICE_PRICE_RATIO, MIN_DEVICES, devices, names_a_line
from aisle.domain.search.document import bare_name
from aisle.domain.search.kinds import (
    AMBIGUOUS_SHARE,
    COLOURS,
    head_word,
    is_modifier,
    model_after_head,
    names_the_model,
)
from aisle.domain.search.query import ParsedQuery, brands_as_words
from aisle.domain.search.ranking import RankingWeights
from aisle.domain.search.rerank import (
    VARIANT_WORDS,
    RerankWeights,
    asked_models,
    by_name_coverage,
    counted_only_share,
    made_by_first,
    names_every_word,
    other_model_share,
    rerank_scored,
)
from aisle.domain.search.text import tokenize
from aisle.services.ports import Cache
from aisle.services.search.asked_kind import AskedKind
from aisle.services.search.cards import ProductCards, showing_chosen
from aisle.services.search.chosen_facets import with_chosen_values
from aisle.services.search.engine import (
    EngineQuery,
    EngineResult,
    EngineUnavailable,
    Facets,
    Filters,
    Hit,
    KeywordGroup,
    SearchEngine,
    Searcher,
    facets_from_dict,
    facets_to_dict,
)
from aisle.services.search.kept_pages import KeptPage, KeptPages
from aisle.services.search.params import MAX_RESULT_WINDOW, SearchParams
from aisle.services.search.planning import (
    Asked,
    Counted,
    Plan,
    boosting,
    lifted_by_dropped,
    near_groups,
    plan_for,
    relax_once,
    within_department,
    word_groups,
)
from aisle.services.search.results import (
    CategoryCount,
    Degraded,
    Relaxation,
    RelaxStep,
    SearchResult,
)
from aisle.services.search.understanding import QueryUnderstanding
from aisle.services.search.variant_facets import counted_by_variant

RERANK_DEPTH = 200  # keyword results are re-ranked with the full formula among the engine's best this many
KIND_IN_WINDOW = 40  # fewer products of the kind asked for than this among them, and as many more join them
NAME_RERANK_DEPTH = 40  # the best this many are re-ranked once more with their titles (from the cached cards)
KIND_SORT_DEPTH = 1000  # sorted by price (or rating, date), the first this many are ordered kind first
KIND_SORT_DEEPER = 5000  # ... or this many, when the first ones hold none of the kind (iPhones after 1,000 cases)
KIND_SORT_SHARE = 0.5  # of the kind lift (kinds.py): a product at least this surely of the asked kind sorts first
NAMED_SHARE = 0.2  # sorted by price (or rating, date): only the products whose names hold the words, if this share do
CHOSEN_PRICE_DEPTH = 1000  # sorted by price under an attribute filter, the first this many by the chosen variant's
AISLE_FROM = 5  # the best exact matches whose aisle, where most sit, is where near matches are looked for first
PREDICTED_FROM = 20  # the predicted category is where most of the best this many sit
SIBLINGS_SHOWN = 10  # devices of a model's other size shown before the accessories of a model not sold
THIN_RESULTS = 10  # fewer exact matches than this are followed by near ones (a first page is never thin)
FACETS_TTL_SECONDS = 30  # the freshness goal: a product's new brand or price is in the counts as it is in search
POPULARITY_CUTS_TTL_SECONDS = 60
DEGRADED_NOTE = Degraded(
    reason="search engine unavailable",
    served_by="catalog database",
    limits="keywords match title substrings; no spelling tolerance or relevance ranking; brand facet only",
)
REBUILDING_NOTE = replace(DEGRADED_NOTE, reason="search index being rebuilt")


class SearchService:
    def __init__(
        self,
        engine: SearchEngine,
        understanding: QueryUnderstanding,
        cards: ProductCards,
        categories: Callable[[], dict[int, Category]],
        now: Callable[[], datetime],
        weights: RankingWeights | None = None,
        on_searched: Callable[[str, int, str], None] = lambda _q, _total, _client: None,
        fallback: Searcher | None = None,
        cache: Cache | None = None,
        pages: KeptPages | None = None,
        index_lost: Callable[[], bool] = lambda: False,
    ) -> None:
        self._cache = cache
        self._index_lost = index_lost  # while the index is lost and being rebuilt, the fallback answers
        self._pages = pages  # ranked pages kept per index generation (None: every search ranks afresh)
        self._engine = engine
        self._fallback = fallback  # answers (more simply) from the database while the engine is down
        self._on_searched = on_searched  # e.g. count popular queries for autocomplete
        self._understanding = understanding
        self._cards = cards  # live price and stock from the database: the index may be a moment behind
        self._categories = categories
        self._now = now
        self._weights = weights or RankingWeights()
        self._rerank_weights = RerankWeights(text=self._weights.text)
        self._cuts: tuple[float, list[float]] | None = None  # (read at, monotonic seconds; cuts)
        self._asked_kind = AskedKind(categories, lambda: understanding.parser().synonyms)

    def forget_card(self, product_id: int) -> None:
        self._cards.forget([product_id])

    def brand_choices(self, given: Sequence[str]) -> tuple[str, ...]:
        """The brands chosen in ``brand=`` values, each "repeatable or comma-separated": a value that is one of the
        catalog's brands whole ("Black, Decker & Sons") is that brand, any other is split at its commas."""
        known = {brand_key(b): b for b in self._engine.brands()} if any("," in value for value in given) else {}
        chosen = (
            [known[brand_key(value)]] if brand_key(value) in known else value.split(",")
            for value in (v.strip() for v in given)
        )
        return tuple(dict.fromkeys(b.strip() for values in chosen for b in values if b.strip()))

    def search(self, params: SearchParams) -> SearchResult:
        started = time.perf_counter()
        _check_window(params)
        try:
            if self._fallback is not None and self._index_lost():
                result = replace(self._search_with(self._fallback, params), degraded=REBUILDING_NOTE)
            else:
                result = self._search_engine(params)
        except EngineUnavailable:
            if self._fallback is None:
                raise
            result = replace(self._search_with(self._fallback, params), degraded=DEGRADED_NOTE)
        result = replace(result, took_ms=round((time.perf_counter() - started) * 1000, 2))
        if result.relaxed is None and result.degraded is None:
            searched = result.query.corrected or params.q  # learn the corrected form, never the typo
            self._on_searched(searched, result.total, params.client)
        return result

    def _search_engine(self, params: SearchParams) -> SearchResult:
        """The engine's answer, its ranked page kept for the same search on the same index generation."""
        key = None if self._pages is None else self._pages.key(params)
        if self._pages is None or key is None:
            return self._search_with(self._engine, params)
        cuts = self._popularity_cuts()  # read again when due, before the page is looked up
        ranked_with = (self._understanding.parser(), self._categories(), cuts)
        page = self._pages.get(key, ranked_with)
        if page is None:
            result, product_ids = self._ranked_page(self._engine, params)
            page = KeptPage(result, product_ids, ranked_with)
            self._pages.put(key, page)
        return self._with_cards(page.result, page.product_ids)

    def _search_with(self, engine: Searcher, params: SearchParams) -> SearchResult:
        return self._with_cards(*self._ranked_page(engine, params))

    def _with_cards(self, result: SearchResult, product_ids: Sequence[int]) -> SearchResult:
        cards = [showing_chosen(card, result.filters, result.query.keywords) for card in self._cards.cards(product_ids)]
        spelled = [replace(card, brand=self._understanding.brand_spelling(card.brand)) for card in cards]
        return replace(result, cards=tuple(spelled))

    def _ranked_page(
        self, engine: Searcher, params: SearchParams, respell: bool = True, by_department: bool = True
    ) -> tuple[SearchResult, tuple[int, ...]]:
        """Everything but the cards (live price and stock), and the products the cards are for. ``by_department``:
        a department the query starts by naming is where its other words are looked for."""
        categories = self._categories()
        category_id = _resolve_category(params.category, categories)
        typed = self._department_typed(params, categories, category_id) if by_department else None
        read = self._understanding.parse(params.q) if typed is None else typed[1]
        parsed = self._with_known_attributes(engine, read, params)
        in_titles: tuple[str, ...] = ()
        if parsed.brands and params.brands:
            # a brand clicked beside one typed ("verizon", then HP) narrows the typed words, never replaces them;
            # typed with a kind ("samsung galaxy case"), the other brand's products whose titles name it, as the
            # brand facet counted them (the maker's or made for it: see plan_for)
            if self._asked_kind.names_a_kind(parsed):
                in_titles = tuple(dict.fromkeys(" ".join(tokenize(brand)) for brand in parsed.brands))
            parsed = brands_as_words(parsed)
        plan = plan_for(parsed, params, category_id, names_a_kind=self._asked_kind.names_a_kind(parsed))
        if typed is not None and category_id is None:
            plan = within_department(plan, typed[0].category_id)
        if in_titles:
            plan = replace(plan, filters=replace(plan.filters, title_words=in_titles))
        if "price" in plan.given:  # a bound read from the text that gave way to a given one is not said as read
            low, high = plan.filters.price_min, plan.filters.price_max
            parsed = replace(
                parsed,
                price_min=parsed.price_min if low == parsed.price_min else None,
                price_max=parsed.price_max if high == parsed.price_max else None,
            )
        if parsed.unreadable:  # "!!!", an emoji: nothing to match, which is not "everything"
            return _nothing_found(parsed, plan, params), ()
        plan, result, described_only = self._first_search(engine, plan, params)
        if result.total == 0 and typed is not None:
            # nothing of the kind in that department ("video games gaming laptops"): the words as typed, anywhere
            return self._ranked_page(engine, params, respell, by_department=False)
        if result.total == 0 and respell and (respelled := self._respelled_page(engine, params)) is not None:
            return respelled
        if result.total == 0 and parsed.brands and not params.brands:
            # The brand before the phrase: "sony wireless headphones" is a Sony wireless headset before it is
            # another maker's "wireless headphones"
            result, plan = self._split_phrases(engine, plan, params, parsed, result)
        brand_dropped: list[RelaxStep] = []
        if result.total == 0 and parsed.brands and not params.brands and _only_colours(plan):
            # "samsung yellow" with no yellow Samsung: Samsung's products, saying the colour was let go of, not
            # the yellow cases that mention a Samsung phone
            colourless = replace(plan, keywords=())
            if (found := engine.search(self._engine_query(colourless, params))).total:
                brand_dropped = [RelaxStep("keyword", k.word) for k in plan.keywords]
                plan, result = colourless, found
        if result.total == 0 and parsed.brands and not params.brands:
            # A brand word filters only when that leaves something matching the rest of the query; otherwise
            # it is one more word ("samsung incipio": Incipio cases for a Samsung phone).
            brand_words = brands_as_words(parsed)
            plan = plan_for(brand_words, params, category_id)
            result = engine.search(self._engine_query(plan, params))
            if result.total == 0 and (boosted := boosting(plan, set(brand_words.keywords) - set(parsed.keywords))):
                # Nor as words: then the rest of the query decides. No product holds the brand word beside the
                # others, so the brand word was let go of, and the answer says so, as relaxing does.
                boosted_result = engine.search(self._engine_query(boosted, params))
                if boosted_result.total:
                    plan, result = boosted, boosted_result
                    brand_dropped = [RelaxStep("keyword", g.word) for g in boosted.keywords if not g.required]
            parsed = brand_words
        result, plan = self._split_phrases(engine, plan, params, parsed, result)
        result, relaxed_steps, plan = self._search_relaxing(engine, plan, params, result, parsed)
        relaxed_steps = brand_dropped + relaxed_steps
        parsed = self._asked_kind.read_with_fitting(result.hits, parsed)
        facets = self._facets(engine, plan, found=result.total)
        # Only the engine's best RERANK_DEPTH are re-ranked; deeper hits keep the engine's order. Re-ranking every
        # page so far instead would order a deeper page's window differently, repeating and skipping products.
        best, deeper, kinds_read = self._window(engine, plan, parsed, result)
        ranked = self._ranked(best, plan, parsed, kinds_read)
        ranked = _in_department_asked(ranked, plan, facets, categories, result.total)
        ranked += deeper
        siblings = [] if relaxed_steps else self._sibling_devices(engine, plan, parsed, params, best, kinds_read)
        if siblings or relaxed_steps:
            near = siblings
        else:
            near = self._near_matches(engine, plan, parsed, params, result, ranked, categories)
        start = (params.page - 1) * params.page_size  # re-ranked: the engine sent every page so far
        if plan.sort == "relevance":
            lifted = siblings or self._lifted_by_kind(ranked[: len(best)], near, parsed)
            first = {h.product_id for h in lifted}
            hits = [*lifted, *(h for h in ranked + near if h.product_id not in first)][start : start + params.page_size]
            # what the shopper sees first: near matches only when lifted before every exact match
            exact = {h.product_id for h in ranked}
            predicted = _predicted(ranked if first & exact else lifted or ranked, categories)
        elif (of_kind := self._sorted_kind_first(engine, plan, params, parsed)) is not None:
            hits = of_kind[start : start + params.page_size]
            predicted = _predicted(of_kind, categories)
        elif (by_chosen := self._sorted_by_chosen_price(engine, plan, params)) is not None:
            hits = by_chosen[start : start + params.page_size]
            predicted = _held_by_most(facets, result.total, categories)
        else:
            hits = ranked
            predicted = _held_by_most(facets, result.total, categories)  # the cheapest say little of the rest
        page = SearchResult(
            query=parsed if result.total or near else parsed.as_typed(),
            predicted_category=predicted,
            cards=(),
            facets=facets,
            facet_categories=_category_facet(facets, plan.filters, categories, result.total),
            filters=plan.filters,
            total=result.total + len(near),
            page=params.page,
            page_size=params.page_size,
            sort=plan.sort,
            relaxed=self._relaxation(engine, relaxed_steps, parsed, plan, categories) if relaxed_steps else None,
            near_matches=len(near),
            near_on_page=frozenset(h.product_id for h in hits) & {h.product_id for h in near},
            described_only=described_only if plan.keywords and plan.keywords[0].in_names else 0,
        )
        return page, tuple(h.product_id for h in hits)

    def _department_typed(
        self, params: SearchParams, categories: dict[int, Category], chosen: int | None
    ) -> tuple[Category, ParsedQuery] | None:
        """The department a query starts by naming, then no brand, and the rest of its words, read: "cell phones
        bluetooth" asks for Bluetooth things in Cell Phones. With a brand ("cell phones cricket") the words read
        as they are: its phones. A category ``chosen`` from the facets counts only when it is in that department:
        the same words then find what its facet entry counted."""
        if (typed := department_typed_first(params.q, categories.values())) is None:
            return None
        department, rest = typed
        if chosen is not None and root_of(categories, chosen) != department.category_id:
            return None
        parser = self._understanding.parser()
        read = parser.parse(rest)
        if read.brands or all(parser.is_brand_word(word) for word in tokenize(rest)):
            return None
        return department, read

    def _first_search(self, engine: Searcher, plan: Plan, params: SearchParams) -> tuple[Plan, EngineResult, int]:
        """The plan's first request, the plan it was made for, and how many matches it left out. Sorted by price,
        rating or date, only the products whose name, brand or category hold every word, when at least NAMED_SHARE
        of the matches do: by relevance a phone grip whose description mentions headphones comes last for
        "headphones", but sorted by price it would come first. When fewer do, the description says what the
        products are ("power cables": charging cables that only their descriptions call power cables), and every
        match is kept."""
        query = self._engine_query(plan, params)
        if plan.sort == "relevance" or not plan.keywords:
            return plan, engine.search(query), 0
        named = replace(plan, keywords=tuple(replace(g, in_names=True) for g in plan.keywords))
        if not self._named_enough(engine, named.keywords, plan.keywords):
            return plan, engine.search(query), 0
        found = engine.search(self._engine_query(named, params))
        if not found.total:
            return plan, engine.search(query), 0
        every = engine.search(replace(query, limit=0, with_facets=False)).total
        return named, found, every - found.total

    @staticmethod
    def _named_enough(engine: Searcher, named: tuple[KeywordGroup, ...], every: tuple[KeywordGroup, ...]) -> bool:
        """Whether NAMED_SHARE of the words' matches hold them in their names, over the whole catalog: decided on
        the words alone, so a filter chosen from the facets never turns the rule on or off, and each facet entry
        counts what choosing it finds."""

        def count(keywords: tuple[KeywordGroup, ...]) -> int:
            return engine.search(EngineQuery(keywords=keywords, limit=0, with_facets=False)).total

        named_count = count(named)
        return named_count > 0 and named_count >= NAMED_SHARE * count(every)

    def _respelled_page(self, engine: Searcher, params: SearchParams) -> tuple[SearchResult, tuple[int, ...]] | None:
        """The page for the query with a word one typo from a brand written as the brand ("cannon printer" as
        "canon printer"), when that finds what it asks for with nothing let go of, said as a correction; else None,
        and the words as typed go on to relaxation."""
        respelled = self._understanding.parser().brand_respelled(params.q)
        if respelled is None:
            return None
        text, corrections = respelled
        page, product_ids = self._ranked_page(engine, replace(params, q=text), respell=False)
        if page.relaxed is not None or page.total <= page.near_matches:
            return None
        query = replace(page.query, raw=params.q, corrections=(*corrections, *page.query.corrections))
        return replace(page, query=query), product_ids

    def _window(
        self, engine: Searcher, plan: Plan, parsed: ParsedQuery, result: EngineResult
    ) -> tuple[list[Hit], list[Hit], dict[int, float] | None]:
        """The hits re-ranked (the engine's best RERANK_DEPTH), those after them, and how surely each re-ranked
        one is of the kind asked for when that was read here (``_of_kind``: None when not). When the words name a kind
        of product and that window holds few products filed under it while more matched, the best of those join
        it: by words alone a long-named laptop ("Lenovo ThinkBook 14 Notebook Gray 35.6 cm ...") scores far below
        a short "Laptop Sleeve", and re-ranking lifts the kind asked for only among the hits it sees. One more
        engine request, for such searches only."""
        best, deeper = result.hits[:RERANK_DEPTH], result.hits[RERANK_DEPTH:]
        if plan.sort != "relevance" or result.total <= len(best) or plan.filters.category_id is not None:
            return best, deeper, None
        named = self._asked_kind.categories_named(parsed)
        if not named:
            return best, deeper, None
        of_kind = self._of_kind(best, parsed)  # read by title, one hit at a time: the joining ones are read apart
        if sum(share >= 1.0 for share in of_kind.values()) >= KIND_IN_WINDOW:
            return best, deeper, of_kind
        filters = replace(plan.filters, in_categories=tuple(sorted(named)))
        query = EngineQuery(keywords=plan.keywords, filters=filters, limit=KIND_IN_WINDOW, with_facets=False)
        seen = {h.product_id for h in best}
        joining = [h for h in engine.search(replace(query, with_total=False)).hits if h.product_id not in seen]
        joined = {h.product_id for h in joining}
        of_kind |= self._of_kind(joining, parsed)
        return [*best, *joining], [h for h in deeper if h.product_id not in joined], of_kind

    def _split_phrases(
        self, engine: Searcher, plan: Plan, params: SearchParams, parsed: ParsedQuery, result: EngineResult
    ) -> tuple[EngineResult, Plan]:
        """When nothing matched: a synonym phrase or model code the catalog never writes as one, its words apart,
        before letting any go of (relaxing lets go of words, not of the whole phrase)."""
        if result.total or (split := word_groups(plan.keywords, self._synonyms_of, parsed.exact)) is None:
            return result, plan
        plan = replace(plan, keywords=split)
        return engine.search(self._engine_query(plan, params)), plan

    def _with_known_attributes(self, engine: Searcher, parsed: ParsedQuery, params: SearchParams) -> ParsedQuery:
        """The attribute values the words ask for ("size 10") that some product of the catalog has; the others are
        let go of (a shoe size in a catalog without sizes). Attributes the shopper chose win over the words."""
        if not parsed.attributes or params.attributes:
            return parsed
        kept = tuple(
            pair
            for pair in parsed.attributes
            if engine.search(EngineQuery(filters=Filters(attributes=(pair,)), limit=0, with_facets=False)).total
        )
        return replace(parsed, attributes=kept)

    def _search_relaxing(
        self, engine: Searcher, plan: Plan, params: SearchParams, result: EngineResult, parsed: ParsedQuery
    ) -> tuple[EngineResult, list[RelaxStep], Plan]:
        steps: list[RelaxStep] = []
        counted: Counted = {}  # one count per word, however many are dropped
        asked = self._asked(parsed, engine) if result.total == 0 else Asked()
        asked_for = searched = plan
        while result.total == 0:
            relaxed = relax_once(plan, engine, counted, asked)
            if relaxed is None:
                break
            plan, step = relaxed
            steps.append(step)
            # the words let go of lift what holds them, and match nothing more: the same products, in one request
            found_nothing = {keys[0].word for (keys, _f), n in counted.items() if len(keys) == 1 and not n}
            searched = lifted_by_dropped(plan, asked_for, found_nothing) or plan
            result = engine.search(self._engine_query(searched, params))
        if result.total == 0:  # letting go of some words found nothing either: the answer is to what was asked
            return result, [], asked_for
        return result, steps, searched

    def _asked(self, parsed: ParsedQuery, engine: Searcher) -> Asked:
        kinds = self._asked_kind.kinds_asked(parsed)
        head = self._head(parsed)
        held = head is None or head in parsed.exact or head in dict(parsed.synonyms)
        if not held and (head not in parsed.plain or _described(engine, head)):
            # a word neither of the catalog nor of the language ("canon ikn", "sony xyzzy"): a typo the speller
            # could not read names nothing, and may be let go of like any word matching nothing; nor does a word
            # that no name holds but descriptions do: it says something of products, not what they are ("macbook
            # retina" without one is MacBook things, not a Retina display that nothing sells)
            head, held = None, True

        def of_kind(hits: Sequence[Hit]) -> bool:
            return bool(self._asked_kind.candidates_of(hits, parsed))

        return Asked(kinds, head, held, of_kind if kinds else None, frozenset(parsed.fitting))

    def _engine_query(self, plan: Plan, params: SearchParams) -> EngineQuery:
        reranked = plan.sort == "relevance"  # browsing too: popularity ranks the engine's best by static score
        window = params.page * params.page_size
        return EngineQuery(
            keywords=plan.keywords,
            filters=plan.filters,
            sort=plan.sort,
            offset=0 if reranked else (params.page - 1) * params.page_size,
            limit=max(RERANK_DEPTH, window) if reranked else params.page_size,
            with_facets=False,  # counted apart, and cached: see _facets
        )

    def _facets(self, engine: Searcher, plan: Plan, found: int) -> Facets:
        """Facet counts for these words and filters, cached for FACETS_TTL_SECONDS: counting them is the costliest
        part of a search. Counted again when the search's total (``found``) is not the one they
        were counted with, so a product listed since is in the counts as soon as it is in the results (a brand
        facet saying 2 over 7 results misleads). Not kept when nothing was found."""
        # the fallback's partial facets are not kept
        cache = self._cache if engine is self._engine and found else None
        key = "facets:" + hashlib.sha1(repr((plan.keywords, plan.filters)).encode()).hexdigest()
        if cache is not None and (cached := cache.get(key)) is not None and cached.get("found") == found:
            return facets_from_dict(cached["facets"])
        only_facets = EngineQuery(keywords=plan.keywords, filters=plan.filters, limit=0, with_total=False)
        facets = engine.search(only_facets).facets
        if engine is self._engine:
            facets = with_chosen_values(engine, plan.keywords, plan.filters, facets, self._engine.brands)
            count_each = partial(self._engine.count_each, plan.keywords)
            facets = counted_by_variant(count_each, plan.filters, facets, found)
        if cache is not None:
            cache.set(key, {"found": found, "facets": facets_to_dict(facets)}, FACETS_TTL_SECONDS)
        return facets

    def _near_matches(
        self,
        engine: Searcher,
        plan: Plan,
        parsed: ParsedQuery,
        params: SearchParams,
        exact: EngineResult,
        ranked: list[Hit],
        categories: dict[int, Category],
    ) -> list[Hit]:
        """When fewer than a page of products match every word, and the shopper chose no filter, those that nearly
        do follow them, ranked among themselves: with the brand read as a word ("alcatel cell phone": the
        carrier-packaged Alcatel phones after the Alcatel-branded ones), else with one word fewer ("iphone 7 cases
        trend cases": other iPhone 7 cases after the one trend case; see ``near_groups``), else, for a query that
        is one synonym phrase, with its words apart ("wireless earbuds": wireless earphones). Those in the aisle where
        most of the best ``ranked`` exact matches sit go first ("iphone charger cable": Lightning cables lacking
        "charger" before SATA power adapter cables lacking "iphone")."""
        if exact.total == 0 or plan.sort != "relevance" or plan.given:
            return []  # a filter the shopper chose shows what its facet counted: the exact matches
        if exact.total >= THIN_RESULTS:  # many exact matches, but when few are of the kind the last word names
            if not self._asked_kind.names_a_kind(parsed, head_only=True):
                return []
            if len(self._asked_kind.candidates_of(exact.hits[:RERANK_DEPTH], parsed, head_only=True)) >= THIN_RESULTS:
                return []
        also: EngineQuery | None = None
        if parsed.brands and not params.brands and plan.keywords and all(k.word in COLOURS for k in plan.keywords):
            # "google black": the brand's other products, in other colours, before black things that mention it
            query = self._engine_query(replace(plan, keywords=()), params)
        elif parsed.brands and not params.brands:
            also = self._brands_kind(plan, parsed, params)
            parsed = brands_as_words(parsed)
            plan = plan_for(parsed, params, plan.filters.category_id)
            query = self._engine_query(plan, params)
        elif len(plan.keywords) > 1:
            groups, at_least = near_groups(plan.keywords)
            query = replace(self._engine_query(plan, params), keywords=groups, minimum_should_match=at_least)
        elif (
            split := word_groups(plan.keywords, self._synonyms_of, parsed.exact)
        ) is not None:  # one synonym phrase: no word to drop
            query = replace(self._engine_query(plan, params), keywords=split)
        else:
            return []
        exact_ids = {h.product_id for h in exact.hits}
        # RERANK_DEPTH of them at most, however deep the page, so that every page sees the same near matches, in the
        # same order, and the same total: asked for that many beyond the exact matches the engine's answer holds.
        query = replace(query, limit=RERANK_DEPTH + len(exact_ids))
        aisle_of_hit = partial(_aisle_of_hit, categories)
        aisle = aisle_of_most(aisle_of_hit(h) for h in self._of_kind_asked(ranked[:AISLE_FROM], parsed))
        found = [*self._near_in_aisle(engine, query, aisle), *engine.search(query).hits]
        if also is not None:  # the brand's products of the kind asked, lacking the other words
            found += engine.search(replace(also, limit=query.limit)).hits
        first: dict[int, Hit] = {}  # each product as first found: the aisle's before the others
        for hit in found:
            if hit.product_id not in exact_ids:
                first.setdefault(hit.product_id, hit)
        near = self._ranked(list(first.values())[:RERANK_DEPTH], plan, parsed)
        return near if aisle is None else department_first(near, aisle, aisle_of_hit)

    def _sibling_devices(
        self,
        engine: Searcher,
        plan: Plan,
        parsed: ParsedQuery,
        params: SearchParams,
        best: list[Hit],
        kinds_read: dict[int, float] | None = None,
    ) -> list[Hit]:
        """The devices of a model's other size, when the query names a model by its edition ("iphone 7 plus", "pixel
        xl") and none of the best matches is of the kind it names (or a device, naming none): the catalog sells no
        such device, only accessories naming it. The iPhone 7 then comes before the iPhone 7 Plus cases, as the
        nearest thing to what was asked. At most SIBLINGS_SHOWN of them, by relevance; none when the words without
        the edition name fewer than MIN_DEVICES devices (by price, domain/search/devices.py, each naming the model
        in its own name), or when the edition turns out to be sold after all."""
        if plan.sort != "relevance" or plan.given or len(plan.keywords) < 2 or not plan.keywords[-1].required:
            return []
        if plan.keywords[-1].word not in VARIANT_WORDS:
            return []
        if kinds_read if kinds_read is not None else self._of_kind(best, parsed):
            return []  # what is asked for is sold ("iphone 7 plus case": cases)
        sibling = replace(plan, keywords=plan.keywords[:-1])
        found = engine.search(replace(self._engine_query(sibling, params), offset=0, limit=RERANK_DEPTH))
        line = devices([(h.product_id, h.category_id, h.price) for h in found.hits])
        if line.keys() & {h.product_id for h in best}:  # a device of the edition asked is sold ("galaxy s6 edge")
            return []
        # each names the model in its own name: "APC Surface Mounting Brackets" are no Surface, whatever they cost
        words = _words_of(sibling)
        shown = [h for h in found.hits if h.product_id in line and names_every_word(words, h.title)]
        if len(shown) < MIN_DEVICES or self._edition_sold(best, plan, shown):
            return []
        return self._ranked(shown, sibling, parsed, line)[:SIBLINGS_SHOWN]

    @staticmethod
    def _edition_sold(best: list[Hit], plan: Plan, siblings: list[Hit]) -> bool:
        """Whether an exact match names the edition in its own name at a device's price (within DEVICE_PRICE_RATIO
        of the cheapest sibling): the edition is sold, filed apart from its siblings ("Unlocked" beside "with
        Plans"). An iPhone 7 Plus case names it too, at a twentieth of an iPhone 7's price."""
        cheapest = min((h.price for h in siblings if h.price is not None), default=None)
        if cheapest is None:
            return False
        words = _words_of(plan)
        return any(
            h.price is not None and h.price * DEVICE_PRICE_RATIO >= cheapest and names_every_word(words, h.title)
            for h in best
        )

    def _of_kind_asked(self, hits: list[Hit], parsed: ParsedQuery) -> list[Hit]:
        """The hits of the kind the query's last word names, or all of them when it names none. The aisle to look
        for near matches in is theirs: for "computer speakers" the monitors whose descriptions mention speakers
        match both words (filed under Computers), but the speakers are not in their aisle."""
        if not self._asked_kind.names_a_kind(parsed, head_only=True):
            return hits
        of_kind = self._asked_kind.candidates_of(hits, parsed, head_only=True)
        return [h for h in hits if h.product_id in of_kind]

    def _brands_kind(self, plan: Plan, parsed: ParsedQuery, params: SearchParams) -> EngineQuery | None:
        """The brand typed, kept as a filter, with only the kind asked required and the other words lifting the
        score: "dell laptop charger" finds one Dell product holding both words, and Dell's power adapters say
        neither "laptop" nor "charger" in their titles. None without a kind or other words."""
        head = self._head(parsed)
        if head is None or len(plan.keywords) < 2 or not any(g.word == head for g in plan.keywords):
            return None
        groups = tuple(replace(g, required=g.word == head) for g in plan.keywords)
        return replace(self._engine_query(plan, params), keywords=groups)

    def _near_in_aisle(self, engine: Searcher, query: EngineQuery, aisle: int | None) -> list[Hit]:
        """The near matches filed in the exact matches' aisle, asked for apart: the best exact matches of "ipad case"
        are tablet cases, and by the words alone the best products holding only "case" are hundreds of phone cases."""
        if aisle is None:
            return []
        in_aisle = replace(query.filters, in_categories=(aisle,))
        return engine.search(replace(query, filters=in_aisle, with_total=False, with_facets=False)).hits

    def _synonyms_of(self, word: str) -> list[str]:
        return self._understanding.parser().synonyms.expand([word]).get(word, [])

    def _sorted_kind_first(
        self, engine: Searcher, plan: Plan, params: SearchParams, parsed: ParsedQuery
    ) -> list[Hit] | None:
        """Sorted by price (or rating, date) because the words said so: among the first KIND_SORT_DEPTH in that
        order, the products the query names first, in that order, then the others. When it names a kind, those of
        that kind ("cheap phones": phones by price, not the SIM kits and cases that mention a phone); else those
        whose own name holds every word ("cheap iphone": iPhones, not the cases for one). None when none is, when
        the page lies deeper, or when the shopper chose the sort (``sort=price_asc`` is kept strictly in order)."""
        if params.sort is not None or not plan.keywords or params.page * params.page_size > KIND_SORT_DEPTH:
            return None
        query = replace(self._engine_query(plan, params), offset=0, limit=KIND_SORT_DEPTH, with_titles=True)
        found = engine.search(query)
        first = self._named(found.hits, plan, parsed)
        if not first and found.total > KIND_SORT_DEPTH:
            found = engine.search(replace(query, limit=KIND_SORT_DEEPER))
            first = self._named(found.hits, plan, parsed)
        if not first:
            return None
        chosen = {h.product_id for h in first}
        return first + [h for h in found.hits if h.product_id not in chosen]

    def _sorted_by_chosen_price(self, engine: Searcher, plan: Plan, params: SearchParams) -> list[Hit] | None:
        """Sorted by price under an attribute filter: the first CHOSEN_PRICE_DEPTH in the order of the price their
        cards show, that of the cheapest variant with the chosen values (``showing_chosen``), not the product's
        lowest, which the engines sort by: filtered to red, a scarf red at $80 and blue at $50 comes after one red
        at $60. Exact when that many hold every match; past them the engine's order goes on. None when not so
        sorted, or when the page lies deeper."""
        if plan.sort not in ("price_asc", "price_desc") or not plan.filters.attributes:
            return None
        if params.page * params.page_size > CHOSEN_PRICE_DEPTH:
            return None
        found = engine.search(replace(self._engine_query(plan, params), offset=0, limit=CHOSEN_PRICE_DEPTH))
        cards = self._cards.cards([h.product_id for h in found.hits])
        if not any(card.priced_variants for card in cards):  # each sells at one price: the engine's order holds
            return None
        shown = {card.product_id: showing_chosen(card, plan.filters).price.amount for card in cards}
        on_sale = [h for h in found.hits if h.product_id in shown]  # the others show no card
        return sorted(on_sale, key=lambda h: shown[h.product_id], reverse=plan.sort == "price_desc")  # stable

    def _named(self, hits: list[Hit], plan: Plan, parsed: ParsedQuery) -> list[Hit]:
        """The hits that are what the query names: of the kind it names, else with every word in their own name."""
        if self._asked_kind.names_a_kind(parsed):
            # Those surely of the kind before those only possibly so: a "Headset connector" filed under
            # Headphones is no pair of headphones, however cheap.
            shares = self._asked_kind.candidates_of(hits, parsed)
            sure = [h for h in hits if shares.get(h.product_id, 0.0) > AMBIGUOUS_SHARE]
            maybe = [h for h in hits if KIND_SORT_SHARE <= shares.get(h.product_id, 0.0) <= AMBIGUOUS_SHARE]
            return sure + maybe
        return [h for h in hits if names_every_word(_words_of(plan), h.title)]

    def _lifted_by_kind(self, exact: list[Hit], near: list[Hit], parsed: ParsedQuery) -> list[Hit]:
        """What goes before the exact matches and then the near ones (none, mostly): when the query's last word
        names a kind and near matches exist, products of that kind, exact then near: "iphone car mounts" shows the
        car mounts that do not say "iphone" before iPhone cases that mention a car mount. An exact match filed under
        that kind keeps its place: for "xbox games" the one Xbox game, filed under "Video Games > Consoles", before
        the board games that lack "xbox". None when a model follows the kind and exact matches name it: for
        "galaxy note5" the Note5 cases before Galaxy phones of other models; but for "iphone 13", which no title
        names, the nearest iPhones before cases that hold a "13" somewhere. When no exact match is of the kind, those
        whose own names hold every word still go first: for "nintendo switch" a Switch case naming Nintendo, then
        the network switches."""
        if not near or (
            model_after_head(parsed.named) and any(names_the_model(parsed.named, h.title) for h in exact if h.title)
        ):
            return []
        of_kind = self._asked_kind.candidates_of([*exact, *near], parsed, head_only=True)
        if not of_kind:
            return []
        filed = self._asked_kind.filed_under_asked(exact, parsed, head_only=True)
        kept = of_kind.keys() | filed | self._asked_kind.naming_the_head(exact, parsed, self._understanding.stems)
        lead = [] if any(h.product_id in kept for h in exact) else _naming_every_word(exact, parsed)
        # a near match of the kind for another model than the one asked is no answer: for "iphone 7 battery", a
        # battery for an iPhone 5 does not go before the iPhone 7 battery case
        models = asked_models(parsed.named)
        lifted = [
            h for h in near if h.product_id in of_kind and not (models and other_model_share(models, h.title or ""))
        ]
        return [*lead, *(h for h in exact if h.product_id in kept), *lifted]

    def _ranked(
        self, hits: list[Hit], plan: Plan, parsed: ParsedQuery, read: dict[int, float] | None = None
    ) -> list[Hit]:
        """``read``: the hits' kinds (``_of_kind``), when already read."""
        if plan.sort != "relevance":
            return hits
        counted = _counted_only(hits, plan)
        shares = self._of_kind(hits, parsed) if read is None else read
        # a title that ends with a word only as what a number counts ("1024 pixels") is not named by it
        of_kind = {pid: share for pid, share in shares.items() if pid not in counted}
        scored = rerank_scored(hits, self._rerank_weights, self._popularity_cuts(), of_kind, counted)
        ranked = [h for h, _s in scored]
        if plan.keywords:  # every page sees the same order: the best few again by name, then the rest
            top = scored[:NAME_RERANK_DEPTH]
            titles = self._titles([h for h, _s in top])
            words = _words_of(plan)
            weights = self._rerank_weights
            if plan.filters.brands_in_title:
                top = made_by_first(top, titles, plan.filters.brands, weights.made_by)
            ranked = (
                by_name_coverage(
                    top,
                    titles,
                    words,
                    weights.name_coverage,
                    weights.near_model,
                    (weights.stem_only, self._understanding.stems),
                    weights.other_model,
                    0.0 if self._asked_kind.names_a_kind(parsed) else weights.fits_only,
                    (weights.maker_only, self._understanding.parser().is_brand_name),
                    weights.other_capacity,
                )
                + ranked[len(top) :]
            )
        return ranked

    def _of_kind(self, hits: list[Hit], parsed: ParsedQuery) -> dict[int, float]:
        """The hits of the kind the query names, by the catalog's categories; else by their own names' last word;
        else, naming none, the devices a line or model names, by their prices (domain/search/devices.py); not
        for a brand alone, whose dearest department ("logitech": flight sticks) is no more what is asked for
        than its others (keyboards and mice)."""
        if self._asked_kind.names_a_kind(parsed):
            return self._asked_kind.candidates_of(hits, parsed)
        named = self._asked_kind.named_by_head(hits, parsed, self._head(parsed))
        if named or not parsed.keywords:
            return named
        found = devices([(h.product_id, h.category_id, h.price) for h in hits])
        titles = [h.title for h in hits if h.product_id in found]
        return found if names_a_line(titles, parsed.keywords_as_one) else {}

    def _head(self, parsed: ParsedQuery) -> str | None:
        return head_word(parsed.named_as_one, parsed.exact, self._understanding.parser().is_brand_name)

    def _titles(self, hits: list[Hit]) -> dict[int, str]:
        """From the engine's hits; from the cards where the engine sent none (the database fallback)."""
        titles = {h.product_id: h.title for h in hits if h.title}
        missing = [h.product_id for h in hits if not h.title]
        if missing:
            titles.update({c.product_id: c.title for c in self._cards.cards(missing)})
        return titles

    def _popularity_cuts(self) -> list[float]:
        """The catalog's popularity percentiles, read again every few minutes (they move slowly)."""
        now = time.monotonic()
        if self._cuts is None or now - self._cuts[0] > POPULARITY_CUTS_TTL_SECONDS:
            try:
                cuts = self._engine.popularity_cuts()
                if self._cuts is not None and cuts == self._cuts[1]:
                    cuts = self._cuts[1]  # the same list while they hold: the pages ranked with them stay kept
                self._cuts = (now, cuts)
            except EngineUnavailable:
                return [] if self._cuts is None else self._cuts[1]
        return self._cuts[1]

    def _relaxation(
        self,
        engine: Searcher,
        steps: list[RelaxStep],
        parsed: ParsedQuery,
        plan: Plan,
        categories: dict[int, Category],
    ) -> Relaxation:
        suggestion = " ".join(parsed.keywords) if parsed.corrections else None
        # where the words kept are found, whatever the filters; with no word kept, where the filters' products are
        kept = EngineQuery(keywords=plan.keywords, limit=0, with_total=False)
        keyword_only = engine.search(kept if plan.keywords else replace(kept, filters=plan.filters))
        related = [
            CategoryCount(categories[cid], count) for cid, count in keyword_only.facets.categories if cid in categories
        ][:5]
        return Relaxation(tuple(steps), suggestion, tuple(related))


def _nothing_found(parsed: ParsedQuery, plan: Plan, params: SearchParams) -> SearchResult:
    return SearchResult(
        query=parsed,
        predicted_category=None,
        cards=(),
        facets=Facets(),
        facet_categories=(),
        filters=plan.filters,
        total=0,
        page=params.page,
        page_size=params.page_size,
        sort=plan.sort,
        relaxed=None,
    )


def _counted_only(hits: Sequence[Hit], plan: Plan) -> dict[int, float]:
    """Each hit's share of the query's words its title holds only as what a number counts, for the words the
    query does not count itself and that say more than a number's edition ("plus" of "iPhone 7 Plus")."""
    words = _words_of(plan)
    named = [w for n, w in enumerate(words) if not is_modifier(w) and not (n and words[n - 1].isdigit())]
    if not named:
        return {}
    shares = {h.product_id: counted_only_share(named, h.title) for h in hits if h.title}
    return {product_id: share for product_id, share in shares.items() if share}


def _only_colours(plan: Plan) -> bool:
    return bool(plan.keywords) and all(k.word in COLOURS for k in plan.keywords)


def _naming_every_word(hits: list[Hit], parsed: ParsedQuery) -> list[Hit]:
    """The hits whose own names, before what comes with them, hold every word the query names."""
    words = [t for keyword in parsed.named for t in tokenize(keyword)]
    return [h for h in hits if h.title and names_every_word(words, bare_name(h.title))]


def _words_of(plan: Plan) -> list[str]:
    """The plan's keywords as single words ("cell phones" as "cell", "phones")."""
    return [t for group in plan.keywords for t in tokenize(group.word)]


def _check_window(params: SearchParams) -> None:
    if params.page * params.page_size > MAX_RESULT_WINDOW:
        raise InvalidInput.single("page", f"page * page_size may be at most {MAX_RESULT_WINDOW}; narrow the search")


def _resolve_category(raw: str | None, categories: dict[int, Category]) -> int | None:
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if (number := parse_id_text(raw)) is not None and number in categories:
        return number
    wanted = " ".join(raw.replace("/", ">").split()).casefold()
    for category in categories.values():
        if category.path.casefold().replace(" > ", ">") == wanted.replace(" > ", ">").replace(" >", ">"):
            return category.category_id
        if category.slug == wanted:
            return category.category_id
    raise InvalidInput.single("category", f"no category {raw!r}: use an id or a path from /api/v1/categories")


def _in_department_asked(
    ranked: list[Hit], plan: Plan, facets: Facets, categories: dict[int, Category], total: int
) -> list[Hit]:
    """Ranked by relevance, the department the words name and that holds nearly all the matches first
    (domain/search/departments.py)."""
    if plan.sort != "relevance" or not plan.keywords or plan.filters.category_id is not None:
        return ranked
    roots = [(cid, n) for cid, n in facets.categories if cid in categories and categories[cid].parent_id is None]
    department = department_asked(roots, total)
    if department is None or not names_department(_words_of(plan), categories[department]):
        return ranked
    return department_first(ranked, department, lambda hit: root_of(categories, hit.category_id))


def _held_by_most(facets: Facets, total: int, categories: dict[int, Category]) -> Category | None:
    return _category(category_holding_most(facets.categories, total, categories), categories)


def _predicted(hits: list[Hit], categories: dict[int, Category]) -> Category | None:
    """The deepest category more than half of the best matches sit in, their own or one above: "cheap phones"
    spread over prepaid, unlocked and carrier phones is Cell Phones."""
    leaves = [h.category_id for h in hits[:PREDICTED_FROM] if h.category_id]
    held = Counter(c.category_id for leaf in leaves for c in ancestors_path(categories, leaf))
    # more than half of the leaves is at least half of one more
    return _category(category_holding_most(held.items(), len(leaves) + 1, categories), categories)


def _aisle_of_hit(categories: dict[int, Category], hit: Hit) -> int | None:
    return aisle_of(categories, hit.category_id)


def _category(category_id: int | None, categories: dict[int, Category]) -> Category | None:
    return None if category_id is None else categories[category_id]


def _category_facet(
    facets: Facets, filters: Filters, categories: dict[int, Category], total: int
) -> tuple[CategoryCount, ...]:
    """The chosen category, marked selected, then its children (or the roots when none is chosen): the shopper
    sees what is picked and can narrow one level at a time. Counted under every other filter, the chosen
    category's count is what the search found (``total``) when it is past the counted categories."""
    counts = dict(facets.categories)
    chosen = filters.category_id
    picked = (
        (CategoryCount(categories[chosen], counts.get(chosen, total), selected=True),)
        if chosen is not None and chosen in categories
        else ()
    )
    children = tuple(
        CategoryCount(categories[cid], n)
        for cid, n in facets.categories
        if cid in categories and categories[cid].parent_id == chosen
    )
    return picked + children


def _described(engine: Searcher, word: str) -> bool:
    """Whether descriptions hold the word as written, and no product's name, brand, category or code does."""

    def found(in_names: bool) -> int:
        group = KeywordGroup(word, fuzzy=False, in_names=in_names)
        return engine.search(EngineQuery(keywords=(group,), limit=0, with_facets=False)).total

    return found(in_names=False) > 0 and found(in_names=True) == 0
