"""What one engine request asks: the words to match and the filters to apply, read from the shopper's query and
parameters, and what to let go of, one step at a time, when nothing matches."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import pairwise

from aisle.domain.search.compounds import is_split_code
from aisle.domain.search.kinds import AUDIENCE_WORDS, COLOURS, is_modifier, is_qualifier, singular
from aisle.domain.search.query import ParsedQuery
from aisle.domain.search.rerank import COUNTED_NOUNS
from aisle.domain.search.text import has_digit, tokenize
from aisle.domain.search.units import is_capacity, is_measure
from aisle.services.search.engine import EngineQuery, Filters, Hit, KeywordGroup, Searcher
from aisle.services.search.params import SearchParams
from aisle.services.search.results import PriceDropped, RelaxStep


@dataclass(frozen=True)
class Plan:
    """One engine request in words a person can read back: what is matched and what is filtered."""

    keywords: tuple[KeywordGroup, ...]
    filters: Filters
    sort: str
    given: frozenset[str] = frozenset()  # the filters set as parameters: relaxation never drops them


def plan_for(parsed: ParsedQuery, params: SearchParams, category_id: int | None, names_a_kind: bool = False) -> Plan:
    """Explicit parameters win over what the text implied: a filter the shopper clicked is not second-guessed.
    A brand typed with a kind of product ("apple chargers", "samsung case") keeps what the brand makes and what
    names it in its title (made for its devices); a brand clicked in the facets is the maker."""
    price_min, price_max = _price_range(parsed, params)
    filters = Filters(
        brands=params.brands or parsed.brands,
        brands_in_title=names_a_kind and not params.brands and bool(parsed.brands),
        brands_typed=bool(parsed.brands) and not params.brands,
        category_id=category_id,
        price_min=price_min,
        price_max=price_max,
        rating_min=params.rating_min if params.rating_min is not None else parsed.rating_min,
        in_stock=params.in_stock if params.in_stock is not None else parsed.in_stock,
        attributes=params.attributes or parsed.attributes,
        excluded_words=parsed.excluded,
        excluded_makers=parsed.not_made_by,
    )
    given = {
        "rating_min": params.rating_min is not None,
        "in_stock": params.in_stock is not None,
        "price": params.price_min is not None or params.price_max is not None,
        "brand": bool(params.brands),
        "category": category_id is not None,
        "attributes": bool(params.attributes),  # else read from the words ("size 10")
    }
    sort = params.sort or parsed.sort or "relevance"
    return Plan(keyword_groups(parsed), filters, sort, frozenset(name for name, set_ in given.items() if set_))


def within_department(plan: Plan, department_id: int) -> Plan:
    """The plan narrowed to the department the query started by naming. The shopper did not choose it from the
    facets, so near matches may still show; nor are its name's words asked of the products: every product there
    is filed under them, and a title that says them ("Cell Phone") is the department's, not the thing asked for."""
    return replace(plan, filters=replace(plan.filters, category_id=department_id))


def boosting(plan: Plan, brand_words: set[str]) -> Plan | None:
    """The plan with the brand's words optional (a match lifts the score), when other words remain to match."""
    groups = tuple(replace(g, required=g.word not in brand_words) for g in plan.keywords)
    if all(g.required for g in groups) or not any(g.required for g in groups):
        return None
    return replace(plan, keywords=groups)


def lifted_by_dropped(relaxed: Plan, asked: Plan, found_nothing: Collection[str] = ()) -> Plan | None:
    """The relaxed plan with the words it let go of back, a match lifting the score: a word let go of early may
    still be held by some of what the last words find ("small kitchen appliances cookware" without any such
    product finds appliances: the kitchen's come before the racks'). Not a number or edition after another word:
    "rx 480" without an RX 480 is not an answer about anything numbered 480, nor "xbox one headsets" one about
    "VR One" headsets; nor a size; nor a word that ``found_nothing`` alone: "galaxy s8" without an S8 lifts only
    what a typo-tolerant "s8" matches, and ranks the Galaxy S7 as another model than the one asked."""
    kept = {g.word: g for g in relaxed.keywords}
    lifting = [g for g in asked.keywords if g.word not in kept and _has_letter(g.word) and g.word not in found_nothing]
    lifting = [g for g in lifting if not _qualifies(g, asked.keywords) and not is_measure(g.word)]
    if not kept or not lifting:
        return None
    groups = tuple(
        kept.get(g.word, replace(g, required=False)) for g in asked.keywords if g.word in kept or g in lifting
    )
    return replace(relaxed, keywords=groups)


def near_groups(groups: tuple[KeywordGroup, ...]) -> tuple[tuple[KeywordGroup, ...], int | None]:
    """What a near match holds of the query's words, and how many at least: all but any one; but when a single
    word names something and the others only number or qualify it, that word ("xbox one": every product with
    "xbox", not every "All-in-One"), the others lifting the score."""
    naming = [g for g in groups if not _qualifies(g, groups)]
    if len(naming) == 1 and not is_modifier(naming[0].word):  # "one two three" names nothing
        return tuple(replace(g, required=g is naming[0]) for g in groups), None
    return groups, len(groups) - 1


def _qualifies(group: KeywordGroup, groups: tuple[KeywordGroup, ...]) -> bool:
    """A number, edition or colour after another word: it only qualifies that word ("xbox one"); first, it names
    something ("air conditioners")."""
    return group is not groups[0] and is_modifier(group.word)


def keyword_groups(parsed: ParsedQuery) -> tuple[KeywordGroup, ...]:
    """One group per keyword, except that a multi-word synonym term ("cell phones") becomes one phrase group;
    typo tolerant only where the catalog lacks the word as typed."""
    words = list(parsed.keywords)
    groups: list[KeywordGroup] = []
    phrases = {tuple(term.split()): alternatives for term, alternatives in parsed.synonyms}
    index = 0
    while index < len(words):
        phrase = next(
            (p for p in sorted(phrases, key=len, reverse=True) if tuple(words[index : index + len(p)]) == p), None
        )
        if phrase is None:
            phrase = (words[index],)
        word = " ".join(phrase)
        groups.append(
            KeywordGroup(
                word,
                tuple(phrases.get(phrase, ())),
                fuzzy=word not in parsed.exact and word not in parsed.plain,
                numbers=_numbered(
                    word, groups[-1].word if groups else "", next(iter(words[index + len(phrase) :]), "")
                ),
            )
        )
        index += len(phrase)
    return tuple(groups)


# the words a number before them counts ("8 port"); not those a model's number also comes before ("ryzen 7 pc",
# "surface pro 7 core")
COUNTED_AFTER_A_NUMBER = COUNTED_NOUNS - {"core", "thread", "pc"}


def _numbered(word: str, before: str, following: str = "") -> str:
    """The word a bare number numbers: the last word typed before it, when that has letters ("iphone 8", "gtx
    1080", "pack 3"). Anywhere else in a product's text the number is another thing's ("ƒ/1.8", "1920 x 1080"),
    and "iphone 8" would find every iPhone 7 as if it were one. None when the number counts the word after it:
    "gigabit switch 8 port" asks for eight ports, as "8 port gigabit switch" does, not for a Switch 8."""
    if singular(following) in COUNTED_AFTER_A_NUMBER:
        return ""
    last = before.split()[-1] if before else ""
    return last if word.isdigit() and last.isalpha() else ""


def word_groups(
    groups: tuple[KeywordGroup, ...], synonyms_of: Callable[[str], Sequence[str]], held: Collection[str] = ()
) -> tuple[KeywordGroup, ...] | None:
    """The groups again with each synonym phrase split into its words, each with its own synonyms, in any order:
    "wireless earbuds" also as "wireless" (or "bluetooth", which takes its place in the phrase's synonym "bluetooth
    earbuds") and "earbuds" (or "earphones"), for when the phrase finds too little.
    Each word is typo tolerant only where the catalog lacks it (``held``: the words it holds).
    None when no group is such a phrase; a word the catalog writes joined ("head phone": "headphone") stays one,
    but a model code ("xbox 360": "xbox360") is its words again."""
    split: list[KeywordGroup] = []
    for group in groups:
        words = group.word.split()
        joined = group.word.replace(" ", "") in group.alternatives
        if len(words) == 1 or (joined and not (len(words) == 2 and is_split_code(*words))):
            split.append(group)
            continue
        in_place = _in_place_of(words, group.alternatives)
        split.extend(
            KeywordGroup(
                w,
                tuple(dict.fromkeys([*synonyms_of(w), *in_place.get(i, [])])),
                w not in held,
                group.required,
                numbers=_numbered(w, words[i - 1] if i else ""),
            )
            for i, w in enumerate(words)
        )
    return tuple(split) if len(split) > len(groups) else None


def _in_place_of(words: Sequence[str], alternatives: Sequence[str]) -> dict[int, list[str]]:
    """For each word of a phrase (by position), the words that the phrase's alternatives put in its place, where an
    alternative has as many words and differs from the phrase in that one only: "bluetooth" for "wireless" by
    "wireless earbuds => bluetooth earbuds"."""
    found: dict[int, list[str]] = {}
    for alternative in alternatives:
        parts = alternative.split()
        differ = [i for i, (word, part) in enumerate(zip(words, parts, strict=False)) if word != part]
        if len(parts) == len(words) and len(differ) == 1:
            found.setdefault(differ[0], []).append(parts[differ[0]])
    return found


def _price_range(parsed: ParsedQuery, params: SearchParams) -> tuple[Decimal | None, Decimal | None]:
    """The parameters' bounds, else the text's; a text bound the other parameter contradicts ("under $20" with
    price_min=50) gives way to it rather than leave nothing to find."""
    low = params.price_min if params.price_min is not None else parsed.price_min
    high = params.price_max if params.price_max is not None else parsed.price_max
    if low is not None and high is not None and low > high:
        return (None, high) if params.price_min is None else (low, None)
    return low, high


Counted = dict[tuple[tuple[KeywordGroup, ...], Filters], int]  # how many products match these words: asked once
PARTS_WORDS = frozenset({"accessory", "part", "supply", "attachment", "refill"})  # a part is of what precedes it
MAX_TRIED = 4  # words that may go, at most, for each to be tried: what is found without it?
KIND_PROBE = 20  # the best hits without a word that are looked at for one of the kind asked for


@dataclass(frozen=True)
class Asked:
    """What a query names, which relaxation keeps: the kinds of product the catalog knows it by; else the word
    standing where the head noun stands, and whether the catalog holds that word (or another name for it); and a
    test of whether some hits are of the kinds; and the words saying what the product goes with ("for mac")."""

    kinds: frozenset[str] = frozenset()
    head: str | None = None
    head_held: bool = True
    of_kind: Callable[[Sequence[Hit]], bool] | None = None
    fitting: frozenset[str] = frozenset()


def relax_once(plan: Plan, engine: Searcher, counted: Counted, asked: Asked = Asked()) -> tuple[Plan, RelaxStep] | None:
    """The next thing to let go of: a colour, when the other words find something within the price, stock and
    rating limits the text set ("red sony headphones under $50 in stock" without red ones: Sony headphones under
    $50 in stock); else the filters the text implied, most specific first, then the words, never the word naming
    what is ``asked`` for. A filter given as a parameter stays: the shopper chose it."""
    f, given = plan.filters, plan.given
    # a word is weighed by what it finds alone, not with the brands typed asked of the titles as well (those brands
    # are words of the query too): "nova printer" with HP chosen finds nothing for "printer" in titles naming Nova
    untitled = replace(f, title_words=())
    if _implied_filters(f, given) and (dropped := _colour_dropped(plan, untitled, engine, counted)) is not None:
        return dropped
    if f.rating_min is not None and "rating_min" not in given:
        return replace(plan, filters=replace(f, rating_min=None)), RelaxStep("rating_min", f.rating_min)
    if f.in_stock is not None and "in_stock" not in given:
        return replace(plan, filters=replace(f, in_stock=None)), RelaxStep("in_stock", f.in_stock)
    if (f.price_min is not None or f.price_max is not None) and "price" not in given:
        dropped_price = RelaxStep("price", PriceDropped(f.price_min, f.price_max))
        return replace(plan, filters=replace(f, price_min=None, price_max=None)), dropped_price
    if f.attributes and "attributes" not in given:
        shown = tuple(dict.fromkeys(f"{name}:{value}" for name, value in f.attributes))
        return replace(plan, filters=replace(f, attributes=())), RelaxStep("attribute", shown)
    if (dropped := _a_word_dropped(plan, untitled, engine, counted, asked)) is not None:
        return dropped
    if f.brands and "brand" not in given:
        return replace(plan, filters=replace(f, brands=())), RelaxStep("brand", f.brands)
    return None


def _implied_filters(f: Filters, given: frozenset[str]) -> bool:
    """Whether the text implied a limit of price, stock or rating that relaxing may let go of. Not a size or
    colour read from the words: "swift running shoes size 12" without one shows Swift shoes, not another
    maker's size 12."""
    price = f.price_min is not None or f.price_max is not None
    return (
        (f.rating_min is not None and "rating_min" not in given)
        or (f.in_stock is not None and "in_stock" not in given)
        or (price and "price" not in given)
    )


def _colour_dropped(plan: Plan, untitled: Filters, engine: Searcher, counted: Counted) -> tuple[Plan, RelaxStep] | None:
    """The plan without its last colour word, when the other words find something within the filters; None when
    there is no such colour. Only a colour: without the limit a brand or model keeps what was named ("canon
    cameras under $5": Canon cameras), and without them the limit would find anything ($1.49 phone cases)."""
    colours = [k for k in plan.keywords if k.word in COLOURS]
    if not colours or len(colours) == len(plan.keywords):
        return None
    kept = tuple(k for k in plan.keywords if k is not colours[-1])
    if not _count(kept, untitled, engine, counted):
        return None
    return replace(plan, keywords=kept), RelaxStep("keyword", colours[-1].word)


def _a_word_dropped(
    plan: Plan, untitled: Filters, engine: Searcher, counted: Counted, asked: Asked
) -> tuple[Plan, RelaxStep] | None:
    """The plan without the word ``word_to_drop`` picks, or None when no word may go."""
    if len(plan.keywords) < 2 or not (word := word_to_drop(plan.keywords, untitled, engine, counted, asked)):
        return None
    kept = tuple(k for k in plan.keywords if k.word != word)
    # A number alone says nothing of what is wanted ("<script>alert(1)</script>" is no search for "1"), nor
    # does a model code's prefix without the rest of the code ("sm-g930" without "g930" finds any "SM")
    if not any(_has_letter(k.word) for k in kept) or _code_prefix_left(kept, word, plan.keywords):
        return None
    # a brand typed with a kind and let go of is no longer asked of the titles either ("apple tv", Philips
    # clicked: Philips TVs, as the brand facet of the relaxed search counted them)
    titles = tuple(t for t in plan.filters.title_words if word not in t.split())
    return replace(plan, keywords=kept, filters=replace(plan.filters, title_words=titles)), RelaxStep("keyword", word)


CODE_PREFIX_LETTERS = 2  # "sm" of "sm-g930": a maker's prefix; "mdr" of "mdr-570" names a line, "xbox" a name


def _code_prefix_left(kept: tuple[KeywordGroup, ...], dropped: str, keywords: tuple[KeywordGroup, ...]) -> bool:
    """Whether all that would be left is the letters of a model code just before its dropped numbered part: "sm"
    of "sm-g930", "tn" of "tn 2420"; not "vr" of "oculus vr", nor "mdr" of "mdr-570" (Sony's MDR headphones)."""
    if len(kept) != 1 or not has_digit(dropped):
        return False
    prefix = kept[0].word
    follows = (prefix, dropped) in pairwise(k.word for k in keywords)
    return follows and prefix.isalpha() and len(prefix) <= CODE_PREFIX_LETTERS


def word_to_drop(
    keywords: tuple[KeywordGroup, ...],
    filters: Filters,
    engine: Searcher,
    counted: Counted,
    asked: Asked = Asked(),
) -> str | None:
    """The word to drop, or None when what is asked for is not sold here: "moen faucet" without faucets has no
    answer, and "omen" laptops are none; nor is "electric guitar" without guitars a call for electric shavers.

    A model's name and the number or edition after it ("iphone 7 plus") stay while another word can go and
    something is found without it: "iphone 7 plus cases trend" loses "trend" and finds 7 Plus cases, not the one
    iPhone 7 case that says "trend". Else a number, edition or colour after another word goes before the name it
    qualifies: "xbox one controller" without Xbox One controllers looks for Xbox controllers, then controllers,
    never for "one controller" (HTC One cables).

    The word naming what is asked for stays while another can go ("red dress" without red dresses shows dresses,
    not everything red), and what it goes with goes first ("black wireless mouse for mac" without one for a Mac
    shows black wireless mice, not one black mouse that mentions a Mac); the word saying who it is for stays
    while a third can go ("womens running shoes"
    without them shows women's shoes, not men's running shoes). Of the others, one that matches nothing goes
    first (a typo the speller missed, a word the catalog lacks), else the commonest, which says least ("apple
    watch series": "series"), of those without which something is found, of the kind asked for if any can be:
    "external hard drive 2tb" loses "external" at once, not first "hard", without which nothing more is found;
    "bluetooth speaker waterproof" loses "waterproof" (the Bluetooth speakers), not "bluetooth" (one waterproof
    case whose text mentions a speaker)."""
    counts = {k.word: _count((k,), filters, engine, counted) for k in keywords}
    named = _naming(keywords, asked)
    if named is None or any(counts[k.word] == 0 for k in named):
        return None
    owners = _owners(keywords, named, asked)
    held = [k for k in owners if counts[k.word]]
    other = [k for k in keywords if k not in named and k not in held]
    if owners and not other and len(held) > 1:  # one of them stays: "cell phone accessories fitbit third party"
        other = held
    if owners and (not held or not other):
        return None
    droppable = [k for k in other if k.word not in AUDIENCE_WORDS] or other or list(keywords)
    unmatched = [k.word for k in droppable if counts[k.word] == 0]
    if unmatched:
        return unmatched[-1]
    fitting = [k for k in droppable if k.word in asked.fitting]
    if fitting and len(fitting) < len(droppable):
        droppable = fitting
    model = _model_words(keywords)
    others = [k for k in droppable if k not in model]
    if model and others and len(droppable) <= MAX_TRIED:
        droppable = _found_without(others, keywords, filters, engine, counted) or droppable
    # a size, capacity or version ("2tb", "3.0") gives way before a word saying what the product is ("external"),
    # and so does the part a capacity after the kind counts ("laptop 8gb ram": laptops with 8 GB of "SDRAM")
    modifiers = [
        k
        for k in droppable
        if _qualifies(k, keywords) or is_measure(k.word) or "." in k.word or _counted_by_capacity(k, keywords, named)
    ]
    if modifiers and len(modifiers) < len(droppable):
        droppable = modifiers
    if len(droppable) <= MAX_TRIED:
        droppable = _finding(droppable, keywords, filters, engine, counted, asked.of_kind)
    return max(reversed(droppable), key=lambda k: counts[k.word]).word


def _owners(keywords: tuple[KeywordGroup, ...], named: list[KeywordGroup], asked: Asked) -> list[KeywordGroup]:
    """The words naming what the parts or accessories asked for belong to, which stay: "dishwasher accessories",
    "accessories for dishwasher" or "xbox one accessories" without any are not any accessories, and relaxing to
    those would show rack shelves and phone cases. A number or edition after the name may still go ("iphone 12
    accessories": iPhone accessories)."""
    parts = [k for k in named if singular(k.word) in PARTS_WORDS]
    if not parts:
        return []
    before = []
    for group in parts:
        before += [k for k in reversed(keywords[: keywords.index(group)]) if not is_modifier(k.word)][:1]
    fitting = [k for k in keywords if k.word in asked.fitting and not is_modifier(k.word)]
    return [k for k in keywords if k in before or (k in fitting and k not in named)]


def _naming(keywords: tuple[KeywordGroup, ...], asked: Asked) -> list[KeywordGroup] | None:
    """The groups naming what is asked for: the kinds' words, else the head word's; None when that is a word the
    catalog does not hold at all."""
    if asked.kinds:
        return [k for k in keywords if _names_a_kind(k, asked.kinds)]
    named = [k for k in keywords if asked.head is not None and tokenize(k.word)[-1:] == [asked.head]]
    return None if named and not asked.head_held else named


def _finding(
    droppable: list[KeywordGroup],
    keywords: tuple[KeywordGroup, ...],
    filters: Filters,
    engine: Searcher,
    counted: Counted,
    of_kind: Callable[[Sequence[Hit]], bool] | None,
) -> list[KeywordGroup]:
    """Of the words that may go, those without which something is found, and of those, those without which
    something of the kind asked for is among the best hits; all of them where none is."""
    finding = _found_without(droppable, keywords, filters, engine, counted) or droppable
    if of_kind is None or len(finding) < 2:
        return finding
    return [k for k in finding if _finds_kind(_without(keywords, k), filters, engine, of_kind)] or finding


def _found_without(
    candidates: list[KeywordGroup],
    keywords: tuple[KeywordGroup, ...],
    filters: Filters,
    engine: Searcher,
    counted: Counted,
) -> list[KeywordGroup]:
    """The candidates without which the rest of the words find something."""
    return [k for k in candidates if _count(_without(keywords, k), filters, engine, counted)]


def _counted_by_capacity(group: KeywordGroup, groups: tuple[KeywordGroup, ...], named: Sequence[KeywordGroup]) -> bool:
    """Whether the group follows a capacity that follows the kind asked for: "ram" in "laptop 8gb ram"; not
    "external" in "2tb external hard drive"."""
    at = groups.index(group)
    return at > 1 and is_capacity(groups[at - 1].word) and any(groups.index(n) < at - 1 for n in named)


def _model_words(groups: tuple[KeywordGroup, ...]) -> list[KeywordGroup]:
    """A model's name and the numbers or editions after it: "iphone 7 plus" in "iphone 7 plus cases", "macbook
    pro 13"; not "inch 13" (a size), nor a colour, nor a version ("usb 3.0": a spec a flash drive may lack)."""
    model: list[KeywordGroup] = []
    for before, group in pairwise(groups):
        if (
            is_modifier(group.word)
            and "." not in group.word
            and group.word not in COLOURS
            and (before in model or not is_qualifier(before.word))
        ):
            model.extend(g for g in (before, group) if g not in model)
    return model


def _without(keywords: tuple[KeywordGroup, ...], dropped: KeywordGroup) -> tuple[KeywordGroup, ...]:
    return tuple(k for k in keywords if k is not dropped)


def _count(keywords: tuple[KeywordGroup, ...], filters: Filters, engine: Searcher, counted: Counted) -> int:
    if (keywords, filters) not in counted:
        found = engine.search(EngineQuery(keywords=keywords, filters=filters, limit=0, with_facets=False))
        counted[(keywords, filters)] = found.total
    return counted[(keywords, filters)]


def _finds_kind(
    keywords: tuple[KeywordGroup, ...], filters: Filters, engine: Searcher, of_kind: Callable[[Sequence[Hit]], bool]
) -> bool:
    found = engine.search(EngineQuery(keywords=keywords, filters=filters, limit=KIND_PROBE, with_facets=False))
    return of_kind(found.hits)


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _names_a_kind(group: KeywordGroup, kinds: frozenset[str]) -> bool:
    return any(singular(word) in kinds for word in tokenize(group.word)[-1:])
