"""Words that say nothing about the product wanted: they never become keywords, brands or corrections. Praise
("best laptop", "good headphones") is what every shopper wants, not a word a title holds; the relevance ranking
already weighs ratings. Nor does a question's wording ("what charger fits a galaxy s7", "do you have ..."), nor
the German, French and Spanish words for "for" and "with" ("funda para iphone 7"), except those that are English
words too ("fur" blankets, "pour"-over coffee makers)."""

from __future__ import annotations

STOP_WORDS = frozenset(
    """a an the and or not of in on at to by from with for is are be am was it its this that these those i im me
    my we our you your some any all only just also very please show find get buy want need looking search item
    items product products stars dollars dollar usd bucks price prices priced cost costs rating ratings rated
    reviews review than less more fits best good great but what whats which how where who why there do does did
    have has had can could would should recommend recommended suggest something anything without except
    excluding around about approximately approx roughly para mit avec con und""".split()  # noqa: SIM905 - a word list reads best as words
)

# Phrases no title holds, whose words alone would match the wrong things: "third party" asks for an accessory not
# made by the device's maker ("fitbit bands third party"), and its "party" is no party speaker.
# Nor does where or for what a shopper will use a product ("printer for home", "laptop for college"): every printer
# is for a home, and the word alone would find printer stands filed under "home office".
_USES = ("home office", "home", "office", "work", "school", "college", "university", "students", "everyday use")
STOP_PHRASES = (
    ("third", "party"),
    ("3rd", "party"),
    *(("for", *between, *use.split()) for use in _USES for between in ((), ("the",), ("my",), ("a",))),
)
