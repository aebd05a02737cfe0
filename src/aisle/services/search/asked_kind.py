"""Which of a search's candidates are the kind of product its query asks for (domain/search/kinds.py), with the
category tree's kinds kept while the tree is unchanged, and each product's kinds read once per title."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from aisle.domain.categories import Category
from aisle.domain.search.document import bare_name, own_name
from aisle.domain.search.kinds import AMBIGUOUS_SHARE, NAME_ONLY_SHARE, CatalogKinds, singular
from aisle.domain.search.query import ParsedQuery
from aisle.domain.search.synonyms import SynonymTable
from aisle.domain.search.text import tokenize
from aisle.services.search.engine import Hit

KIND_FILED_TOGETHER = 2 / 3  # of the products a word names by their names' ends, the share one category holds
MIN_NAMED_BY_HEAD = 2  # products whose names end with the word: one alone is not "filed together"


class AskedKind:
    def __init__(
        self, categories: Callable[[], dict[int, Category]], synonyms: Callable[[], SynonymTable] = SynonymTable
    ) -> None:
        self._categories = categories
        self._synonyms = synonyms  # "cover => case": a product named a cover is a case
        self._kinds: tuple[dict[int, Category], SynonymTable, CatalogKinds] | None = None  # for the tree read last

    def names_a_kind(self, parsed: ParsedQuery, head_only: bool = False) -> bool:
        """Whether the query's words (its last word, with ``head_only``) name a kind of product the catalog knows
        ("chargers"; not "galaxy s7")."""
        return bool(self.kinds_asked(parsed, head_only))

    def kinds_asked(self, parsed: ParsedQuery, head_only: bool = False) -> frozenset[str]:
        """The kinds (singular) the query's words name: {"dress"} for "red dresses"; none for "galaxy s7"."""
        return self._catalog_kinds().asked(parsed.named, dict(parsed.synonyms), head_only)

    def categories_named(self, parsed: ParsedQuery) -> frozenset[int]:
        """The categories whose own name names the kind the shopper's word does ("laptop": Laptops; not Laptop
        Bags, which hold bags, nor a synonym's Notebooks, which hold paper)."""
        kinds = self._catalog_kinds()
        _asked, typed = kinds.asked_typed(parsed.named, dict(parsed.synonyms))
        return frozenset().union(*(kinds.filed_as.get(kind, frozenset()) for kind in typed))

    def candidates_of(self, hits: Sequence[Hit], parsed: ParsedQuery, head_only: bool = False) -> dict[int, float]:
        """The ids of the hits that are the kind the query's head noun names, with how surely they are (none when
        it names no kind; with ``head_only``, none unless its last word names it)."""
        kinds = self._catalog_kinds()
        if sets := self._sets_of(hits, parsed):
            return sets
        asked, typed = kinds.asked_typed(parsed.named, dict(parsed.synonyms), head_only)
        if not asked:
            return {}
        shares = {h.product_id: kinds.share(h.title, h.category_id, asked, typed) for h in hits if h.title}
        return {product_id: share for product_id, share in shares.items() if share > 0}

    def _sets_of(self, hits: Sequence[Hit], parsed: ParsedQuery) -> dict[int, float]:
        """For two kinds joined by "and" ("keyboard and mouse"), the hits of either kind whose names hold both
        words: the sets, not every mouse (nor a "keyboard/mouse support", of neither kind). Empty when the words
        are not two kinds, or no hit is such a set."""
        if len(parsed.joined) != 2 or parsed.joined[-1] not in parsed.named:
            return {}
        kinds, synonyms = self._catalog_kinds(), dict(parsed.synonyms)
        each = [kinds.asked_typed((word,), synonyms) for word in parsed.joined]
        if not all(asked for asked, _typed in each):
            return {}
        wanted = _singulars(parsed.joined)
        sets: dict[int, float] = {}
        for hit in hits:
            if hit.title and wanted <= _singulars(tokenize(hit.title)):
                share = max(kinds.share(hit.title, hit.category_id, asked, typed) for asked, typed in each)
                if _alternatives(hit.title, wanted):  # "Keyboard/Mouse Cable": for one or the other, no set
                    share *= AMBIGUOUS_SHARE
                if share > 0:
                    sets[hit.product_id] = share
        return sets

    def named_by_head(self, hits: Sequence[Hit], parsed: ParsedQuery, head: str | None) -> dict[int, float]:
        """For a query naming no kind the catalog files products under, the hits whose own name ends with its
        head word (or one of that word's synonyms), with NAME_ONLY_SHARE of the kind lift: "blender" shows the
        blenders before a "blender accessory" and a "Blender knife unit". None when all, one or none of the hits
        are, or when those are filed all over the catalog: a word ending names in many departments is a feature ("USB",
        "Bluetooth" end many catalogs' titles before their specifications), not a kind of product."""
        if head is None:
            return {}
        alternatives = dict(parsed.synonyms).get(head, ())
        forms = {singular(head), *(singular(tokens[-1]) for tokens in map(tokenize, alternatives) if tokens)}
        kinds = self._catalog_kinds()
        named = [h for h in hits if h.title and not kinds.read(h.title, h.category_id)[0].isdisjoint(forms)]
        filed = Counter(h.category_id for h in named).most_common(1)
        if len(named) < MIN_NAMED_BY_HEAD or len(named) == len(hits) or filed[0][1] < KIND_FILED_TOGETHER * len(named):
            return {}
        return dict.fromkeys((h.product_id for h in named), NAME_ONLY_SHARE)

    def read_with_fitting(self, hits: Sequence[Hit], parsed: ParsedQuery) -> ParsedQuery:
        """The query with the words from the one naming its kind on read as what the product fits, when the hits
        say so: "car mount iphone" asks for car mounts that fit an iPhone, as "car mount for iphone" would, since
        car mounts say they are for an iPhone ("Car Mount for ... iPhone") and no iPhone's name says "mount".
        Typed the usual way round ("iphone car mount"), or naming a thing of its own ("cable modems": no modem
        cable says it is for a modem), the kind named last stays the kind asked for."""
        words = parsed.named
        if parsed.fitting or not (asked := self.kinds_asked(parsed)):
            return parsed
        alternatives = dict(parsed.synonyms)
        kinds = self._catalog_kinds()
        # the word naming the kind ends the shortest beginning of the query that already asks for it
        at = min(n for n in range(1, len(words) + 1) if kinds.asked(words[:n], alternatives) == asked) - 1
        if at == 0 or not kinds.asked(words[:at], alternatives):
            return parsed
        fitting = replace(parsed, fitting=tuple(words[at:]))
        # read the usual way round ("iphone case": no iPhone is "for" a case), the hits are not counted twice
        found_fitting = self._named_whole(hits, fitting)
        return fitting if found_fitting and found_fitting > self._named_whole(hits, parsed) else parsed

    def _named_whole(self, hits: Sequence[Hit], parsed: ParsedQuery) -> int:
        """How many of the hits are surely of the kind the query asks for and hold all its words in their
        titles, what they fit after "for"."""
        shares = self.candidates_of(hits, parsed)
        named, fitting = _singulars(parsed.named), _singulars(parsed.fitting)
        return sum(
            1
            for h in hits
            if shares.get(h.product_id, 0.0) > AMBIGUOUS_SHARE
            and named <= _singulars(tokenize(h.title))
            and fitting <= _singulars(tokenize(h.title[len(own_name(h.title)) :]))
        )

    def filed_under_asked(self, hits: Sequence[Hit], parsed: ParsedQuery, head_only: bool = False) -> set[int]:
        """The ids of the hits whose category path names the kind the shopper's word names, not one of its
        synonyms' (``CatalogKinds.filed_under``)."""
        kinds = self._catalog_kinds()
        _asked, typed = kinds.asked_typed(parsed.named, dict(parsed.synonyms), head_only)  # not "notebook computer"
        return {h.product_id for h in hits if typed and kinds.filed_under(h.title, h.category_id, typed)}

    def naming_the_head(
        self, hits: Sequence[Hit], parsed: ParsedQuery, stems: Callable[[str], Sequence[str]]
    ) -> set[int]:
        """The ids of the hits whose own name, before what comes with the product, holds the query's last naming
        word after its others (as the engine ``stems`` them), and ends with no kind the catalog knows: for
        "thunderbolt dock", the "Thunderbolt 3 Dual 4K Docking Station"; not a "Laptop Privacy Screen" for
        "privacy laptop" (a screen for a laptop), nor a "KVM Cable w/ Audio & Microphone" for a microphone. Each
        other word must be somewhere in its title: for "printer paper", a "Paper Tray" matched by its category's
        "Printer" names paper only as what it holds."""
        if not parsed.named:
            return set()
        head = set(stems(parsed.named[-1]))
        others = {stem for word in parsed.named[:-1] for stem in stems(word)} - head
        each_other = [set(stems(word)) - head for word in parsed.named[:-1]]
        kinds = self._catalog_kinds()
        return {
            h.product_id
            for h in hits
            if h.title
            and _heads(list(stems(bare_name(h.title))), head, others)
            and all(stemmed & set(stems(h.title)) for stemmed in each_other if stemmed)
            and kinds.read(h.title, h.category_id)[0].isdisjoint(kinds.known)
        }

    def _catalog_kinds(self) -> CatalogKinds:
        categories, table = self._categories(), self._synonyms()
        if (
            self._kinds is None
            or self._kinds[1] is not table
            or (self._kinds[0] is not categories and self._kinds[0] != categories)
        ):  # a new tree or synonyms: products are read anew
            also = _one_way(table)
            self._kinds = (categories, table, CatalogKinds.from_categories(categories, also))
        return self._kinds[2]


def _heads(name: list[str], head: set[str], others: set[str]) -> bool:
    """Whether the name holds every ``head`` word after each of the ``others`` it holds ("Laptop Dock": the
    head of a noun phrase comes last)."""
    if not head or not head <= set(name):
        return False
    first_head = min(i for i, word in enumerate(name) if word in head)
    return all(i < first_head for i, word in enumerate(name) if word in others)


def _alternatives(title: str, words: set[str]) -> bool:
    """Whether the name writes the two words as alternatives, side by side with a slash or "or" between them."""
    tokens = [singular(t) for t in tokenize(title.replace("/", " or "))]
    return any(
        {before, after} == words and middle == "or"
        for before, middle, after in zip(tokens, tokens[1:], tokens[2:], strict=False)
    )


def _singulars(words: Iterable[str]) -> set[str]:
    return {singular(word) for word in words}


def _one_way(table: SynonymTable) -> Callable[[str], tuple[str, ...]]:
    """The other single words a word names ("cover => case"; "cable, cord"), never phrases: a charger is no
    adapter for being also called a "power adapter"."""
    return lambda word: tuple(e for e in table.expansions.get((word,), ()) if " " not in e)
