"""Places a product that arrives without a category (Icecat) in the category tree, from its title and specs.

Signals, strongest first: the product kind that the title names, the ``product_type`` spec, product-family hints
in the title ("LaserJet"), the looser ``type`` spec, and last the spec fields that only one kind of product
carries (a toner page yield means toner). The title outranks ``product_type`` because Icecat's type is a sub-kind
within the category its title names: a "Frame" or a "Bracket" that is a flat-panel mount accessory.

Titles are matched against rule tables of phrases (``categorize_rules.json``, beside this module): whole words,
case-insensitive, plural "s"/"es" allowed for phrases longer than three letters. The leftmost phrase in the title
wins, and at one position the longest: catalog titles name the product kind before its specs ("HP ... Notebook ...
512 GB SSD"), and a longer phrase is the more specific kind ("notebook case" beats "notebook", "monitor arm" beats
"monitor"). Two tables keep names apart from hints: a category phrase ("toner cartridge") always beats a
product-family hint ("LaserJet") that often names the printer a supply is for. A complete computer (its specs list
an installed operating system) is first matched against device categories only, since its title is full of
component words.
Spec names may come raw ("attr_t_product_type") or readable ("product_type").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).with_name("categorize_rules.json")

CategoryPath = tuple[str, ...]


@dataclass(frozen=True)
class CategoryRule:
    """Titles that contain one of ``phrases``, none of the ``unless`` phrases and, when ``only_with`` is given,
    one of those, belong in ``path``; with ``devices_only``, only the titles of complete devices (a "Tab M8" is a
    tablet, a "tab index" is not)."""

    path: CategoryPath
    phrases: tuple[str, ...]
    unless: tuple[str, ...] = ()
    only_with: tuple[str, ...] = ()
    devices_only: bool = False

    def applies_to(self, text: str) -> bool:
        if self.unless and _phrase_pattern(self.unless).search(text):
            return False
        return not self.only_with or _phrase_pattern(self.only_with).search(text) is not None


@dataclass(frozen=True)
class SpecRule:
    """Products whose specs carry every one of ``requires`` (names without the attr_t_/n_/b_ prefix)."""

    path: CategoryPath
    requires: tuple[str, ...]


def rule(
    path: str,
    *phrases: str,
    unless: tuple[str, ...] = (),
    only_with: tuple[str, ...] = (),
    devices_only: bool = False,
) -> CategoryRule:
    return CategoryRule(split_path(path), phrases, unless, only_with, devices_only)


def split_path(path: str) -> CategoryPath:
    return tuple(name.strip() for name in path.split(">"))


def _category_rules(rows: list[dict[str, Any]]) -> tuple[CategoryRule, ...]:
    return tuple(
        rule(
            row["path"],
            *row["phrases"],
            unless=tuple(row.get("unless", ())),
            only_with=tuple(row.get("only_with", ())),
            devices_only=row.get("devices_only", False),
        )
        for row in rows
    )


_TABLES = json.loads(RULES_PATH.read_text(encoding="utf-8"))
CATEGORY_RULES = _category_rules(_TABLES["categories"])  # names of product kinds
HINT_RULES = _category_rules(_TABLES["hints"])  # product families and spec words, when the title names no kind
SPEC_RULES = tuple(SpecRule(split_path(row["path"]), tuple(row["requires"])) for row in _TABLES["specs"])
# A complete device: its specs name an installed operating system, so its title lists components.
COMPLETE_DEVICE_SPECS = tuple(_TABLES["complete_device"]["specs"])
COMPLETE_DEVICE_PATHS = frozenset(split_path(path) for path in _TABLES["complete_device"]["paths"])

# A measurement, not a model code ("39.6", "512", "16gb"; not "g80-1800"): after a device's word, its specifications
_MEASURE = re.compile(r"(?<![\w.-])\d+(?:[.,]\d+)?(?:gb|tb|mb|ghz|mhz|cm|mm|in)?(?![\w-])")
_SPEC_PREFIX = re.compile(r"^attr_[tnb]_")
_DROPPED_MARKS = str.maketrans({"®": "", "™": "", "©": ""})


def place_in_category(title: str, specs: Mapping[str, object]) -> CategoryPath | None:
    """The category path (root first) for a product, or None when no rule fits."""
    return next((path for path in _placements(title, specs) if path), None)


def _placements(title: str, specs: Mapping[str, object]) -> Iterator[CategoryPath | None]:
    """Candidate placements, strongest signal first; lazy, so the search stops at the first hit."""
    spec_values = {readable_spec_name(key): value for key, value in specs.items()}
    title_text = _normalized(title)
    matchers = _matchers()
    is_complete_device = all(key in spec_values for key in COMPLETE_DEVICE_SPECS)
    if is_complete_device:
        yield matchers.device_categories.first_path(title_text)
        yield matchers.categories.first_path(title_text)
    else:
        yield matchers.categories.thing_path(title_text)
    yield matchers.categories.first_path(_spec_text(spec_values, "product_type"))
    if is_complete_device:
        yield matchers.device_hints.first_path(title_text)
        yield _match_spec_rules(spec_values, within=COMPLETE_DEVICE_PATHS)
    yield matchers.hints.first_path(title_text)
    yield matchers.categories.first_path(_spec_text(spec_values, "type"))
    yield _match_spec_rules(spec_values)


class _PhraseMatcher:
    """One regex over every phrase of a rule table: the leftmost, then longest, phrase names the rule; a phrase
    in several rules goes to the first of them that applies to the text."""

    def __init__(self, rules: Iterable[CategoryRule]) -> None:
        self._rules_by_phrase: dict[str, list[CategoryRule]] = {}
        for category_rule in rules:
            for phrase in category_rule.phrases:
                self._rules_by_phrase.setdefault(phrase, []).append(category_rule)
        self._pattern = _phrase_pattern(tuple(self._rules_by_phrase))

    def first_path(self, text: str) -> CategoryPath | None:
        return next((path for path, _match in self._found(text)), None)

    def thing_path(self, text: str) -> CategoryPath | None:
        """The first path; but when it is a complete device's and a later phrase names a kind that is not, before
        any number, that one: in the title of something that is not a device itself, a device named first is what
        the thing fits ("notebook desk mount", "2-in-1 USB KVM cable"). A number after the device's word starts its
        specifications ("Notebook Gray 39.6 cm ... 512 GB SSD" is a notebook); a model code does not."""
        found = self._found(text)
        path, device = next(found, (None, None))
        if path not in COMPLETE_DEVICE_PATHS or device is None:
            return path
        for later, match in found:
            if _MEASURE.search(text, device.end(), match.start()):
                break
            if later not in COMPLETE_DEVICE_PATHS:
                return later
        return path

    def _found(self, text: str) -> Iterator[tuple[CategoryPath, re.Match[str]]]:
        """Each phrase's path, left to right: its first rule that applies."""
        for match in self._pattern.finditer(text):
            for category_rule in self._rules_for(match.group()):
                if category_rule.applies_to(text):
                    yield category_rule.path, match
                    break

    def _rules_for(self, matched: str) -> list[CategoryRule]:
        for phrase in (matched, matched[:-1], matched[:-2]):
            if phrase in self._rules_by_phrase:
                return self._rules_by_phrase[phrase]
        raise LookupError(matched)


@dataclass(frozen=True)
class _Matchers:
    categories: _PhraseMatcher
    hints: _PhraseMatcher
    device_categories: _PhraseMatcher
    device_hints: _PhraseMatcher


@cache
def _matchers() -> _Matchers:
    def devices_only(rules: tuple[CategoryRule, ...]) -> _PhraseMatcher:
        return _PhraseMatcher(rule for rule in rules if rule.path in COMPLETE_DEVICE_PATHS)

    return _Matchers(
        categories=_PhraseMatcher(rule for rule in CATEGORY_RULES if not rule.devices_only),
        hints=_PhraseMatcher(rule for rule in HINT_RULES if not rule.devices_only),
        device_categories=devices_only(CATEGORY_RULES),
        device_hints=devices_only(HINT_RULES),
    )


@cache
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    longest_first = sorted(phrases, key=len, reverse=True)
    alternatives = "|".join(re.escape(p) + ("(?:e?s)?" if len(p) > 3 else "") for p in longest_first)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@cache
def readable_spec_name(key: str) -> str:
    """A spec name without Icecat's type prefix and doubled "_": "attr_t_dimensions__wxdxh_" -> "dimensions_wxdxh"."""
    return re.sub(r"_+", "_", _SPEC_PREFIX.sub("", key)).strip("_")


def _normalized(text: str) -> str:
    # "6 pc(s)" is a pack size, not a PC.
    return " ".join(text.translate(_DROPPED_MARKS).lower().replace("pc(s)", "pcs").split())


def _spec_text(spec_values: Mapping[str, object], key: str) -> str:
    value = spec_values.get(key)
    return _normalized(value) if isinstance(value, str) else ""


def _match_spec_rules(
    spec_values: Mapping[str, object], within: frozenset[CategoryPath] | None = None
) -> CategoryPath | None:
    return next(
        (
            spec_rule.path
            for spec_rule in SPEC_RULES
            if (within is None or spec_rule.path in within) and all(key in spec_values for key in spec_rule.requires)
        ),
        None,
    )
