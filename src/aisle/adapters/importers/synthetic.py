"""A deterministic, realistic synthetic catalog: the demo's data without ../shared/data, and the 1M-product benchmark.

Brands, product-type nouns and title words follow Zipf-like popularity, prices are log-normal per category, and
apparel comes in size x color variants. Every product says it is generated (attribute ``generated``), and so
does every review. The same seed gives the same catalog on any machine (nothing depends on ``hash()``), and
``with_reviews`` changes only the reviews. Speed matters at a million products: each product costs a few dozen
random draws and a few string templates, from tables prepared once.
"""

from __future__ import annotations

import math
import random
import re
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Generic, TypeVar

from aisle.adapters.importers.records import GeneratedReview, ProductRecord
from aisle.domain.catalog import gtin_check_digit

T = TypeVar("T")
Draw = Callable[[], float]  # a bound random.Random.random: a float in [0, 1)

MAX_REVIEWS_PER_PRODUCT = 12
MAX_VARIANTS_PER_APPAREL_PRODUCT = 6

PLAIN, APPAREL, SHOES, SIZED, BOOK = "plain", "apparel", "shoes", "sized", "book"
SIZES = {
    APPAREL: ("XS", "S", "M", "L", "XL", "XXL"),
    SHOES: ("6", "7", "8", "9", "10", "11", "12", "13"),
    SIZED: ("Twin", "Full", "Queen", "King"),
}
APPAREL_COLORS = ("Black", "White", "Navy", "Heather Gray", "Olive", "Burgundy", "Sky Blue", "Charcoal", "Sand")
TECH = "color=Black|White|Silver|Space Gray|Blue|Red|Rose Gold|Green"
HOME = "color=White|Black|Gray|Beige|Sage Green|Navy|Terracotta|Natural"
BRAND_HEADS = ("Nord", "Luma", "Bright", "Oak", "Silver", "Echo", "Terra", "Nova", "Blue", "Iron", "Swift", "Pine",
               "Coral", "Vela", "Atlas", "Kiro")  # fmt: skip
BRAND_TAILS = ("wave", "craft", "peak", "line", "works", "field", "lab", "stone", "forge", "nest", "gear", "home")
BRANDS_PER_ROOT = 18


@dataclass(frozen=True)
class Leaf:
    """A leaf category and how its products look; in ``nouns``, ``words`` and ``specs`` "|" separates choices,
    most common first, and ``specs`` reads "name=a|b|c; other=x|y"."""

    path: str
    kind: str
    nouns: str
    price_median: float
    price_spread: float
    words: str
    specs: str = ""
    title_spec: str = ""  # a spec whose value ends the title (", 1.7 L")
    share: int = 2
    grams: int = 500


LEAVES: tuple[Leaf, ...] = (
    Leaf("Electronics > Audio > Headphones", PLAIN, "Headphones|Earbuds|Headset", 79, 0.6, share=4, grams=250,
         words="Wireless|Noise-Cancelling|Bluetooth|Over-Ear|True Wireless|Sport|Studio|Kids",
         specs=f"{TECH}; connectivity=Bluetooth|Wired|USB-C; battery_life_hours=30|20|40|24|60"),
    Leaf("Electronics > Audio > Speakers", PLAIN, "Speaker|Soundbar|Bookshelf Speakers|Party Speaker", 89, 0.7,
         words="Portable|Bluetooth|Waterproof|Smart|Wireless|Outdoor|Compact", grams=900, share=3,
         specs=f"{TECH}; connectivity=Bluetooth|Wi-Fi|Wired; water_resistance=IPX7|IPX5|None"),
    Leaf("Electronics > TV & Video > TVs", PLAIN, "Smart TV|LED TV|QLED TV|OLED TV", 549, 0.6, grams=15000,
         words="4K UHD|Full HD|HDR|120Hz|Slim|Frameless", title_spec="screen_size",
         specs="screen_size=55 in|50 in|65 in|43 in|75 in|32 in; resolution=4K|1080p|8K"),
    Leaf("Electronics > Computers > Laptops", PLAIN, "Laptop|Notebook|Chromebook|2-in-1 Laptop", 899, 0.45,
         words="Thin|Lightweight|Gaming|Business|Touchscreen|Creator", title_spec="screen_size", share=3,
         specs="memory=16GB|8GB|32GB; storage=512GB SSD|256GB SSD|1TB SSD; screen_size=15.6 in|14 in|13.3 in",
         grams=1800),
    Leaf("Electronics > Computers > Monitors", PLAIN, "Monitor|Gaming Monitor|Curved Monitor|Portable Monitor",
         229, 0.5, words="IPS|4K|QHD|144Hz|Ultrawide|Borderless", title_spec="screen_size", grams=5000,
         specs="screen_size=27 in|24 in|32 in|34 in|16 in; refresh_rate_hz=60|75|144|165|240"),
    Leaf("Electronics > Computers > Keyboards & Mice", PLAIN, "Keyboard|Mouse|Keyboard and Mouse Combo", 39, 0.6,
         words="Wireless|Mechanical|Ergonomic|Gaming|Compact|Silent|Backlit", share=3, grams=400,
         specs=f"{TECH}; connectivity=Wireless 2.4GHz|Bluetooth|USB"),
    Leaf("Electronics > Computers > Storage", PLAIN, "External SSD|Portable Hard Drive|USB Flash Drive|microSD Card",
         59, 0.8, words="High-Speed|Rugged|Compact|USB 3.2|Encrypted", title_spec="capacity", share=3, grams=80,
         specs="capacity=1TB|256GB|512GB|2TB|128GB|64GB|4TB"),
    Leaf("Electronics > Phones & Accessories > Phone Cases", PLAIN, "Phone Case|Wallet Case|Rugged Case|Clear Case",
         19, 0.4, words="Slim|Shockproof|Leather|Silicone|Magnetic|Glitter", share=5, grams=60,
         specs=f"{TECH}; fits=6.1-inch phones|6.7-inch phones|6.4-inch phones; material=Silicone|TPU|Leather"),
    Leaf("Electronics > Phones & Accessories > Chargers & Cables", PLAIN,
         "USB-C Charger|USB-C Cable|Power Bank|Wireless Charger|Car Charger", 25, 0.6, share=4, grams=120,
         words="Fast-Charging|65W|Braided|Magnetic|Dual-Port|Compact", specs="color=Black|White|Gray"),
    Leaf("Electronics > Cameras > Digital Cameras", PLAIN, "Mirrorless Camera|Action Camera|Instant Camera",
         399, 0.8, words="4K|Waterproof|Vlogging|Full-Frame|Travel", share=1, grams=600,
         specs="sensor=APS-C|Full Frame|1-inch|1/2.3-inch; megapixels=24|20|33|45|12"),
    Leaf("Electronics > Wearables > Smartwatches", PLAIN, "Smartwatch|Fitness Tracker|GPS Running Watch", 149, 0.6,
         words="Waterproof|AMOLED|Slim|Rugged|Health", specs=f"{TECH}; battery_life_days=7|5|14|2|21", grams=50),
    Leaf("Electronics > Video Games > Gaming Accessories", PLAIN, "Controller|Gaming Headset|Gaming Mouse|Racing Wheel",
         49, 0.5, words="Wireless|RGB|Pro|Ergonomic|Low-Latency", specs=f"{TECH}; platform=PC|Console|Multi-platform"),
    Leaf("Home & Kitchen > Kitchen > Cookware", PLAIN, "Frying Pan|Saucepan|Dutch Oven|Cookware Set|Wok", 49, 0.7,
         words="Nonstick|Cast Iron|Stainless Steel|Ceramic|Induction-Ready|Hard-Anodized", title_spec="size",
         specs="material=Stainless Steel|Cast Iron|Aluminum|Ceramic; size=10 in|12 in|3 qt|5.5 qt|8 in", share=3,
         grams=2000),
    Leaf("Home & Kitchen > Kitchen > Small Appliances", PLAIN,
         "Blender|Toaster|Electric Kettle|Air Fryer|Stand Mixer|Food Processor", 79, 0.6, share=3, grams=3000,
         words="Compact|Digital|Stainless Steel|Quiet|Programmable|Cordless", specs=f"{HOME}; wattage=1000|1200|800"),
    Leaf("Home & Kitchen > Kitchen > Coffee & Tea", PLAIN, "Coffee Maker|Espresso Machine|Burr Grinder|French Press",
         89, 0.8, words="Programmable|Single-Serve|Thermal|Stainless Steel|Manual",
         specs=f"{HOME}; capacity=12 cups|1 L|10 cups|34 oz", grams=2500),
    Leaf("Home & Kitchen > Kitchen > Kitchen Tools", PLAIN, "Knife Set|Cutting Board|Utensil Set|Mixing Bowls", 29,
         0.6, words="Bamboo|Stainless Steel|Silicone|Dishwasher-Safe|Nesting", share=3, grams=900,
         specs="material=Stainless Steel|Bamboo|Silicone|Glass; pieces=5|3|8|12|15"),
    Leaf("Home & Kitchen > Bedding > Sheets & Comforters", SIZED, "Sheet Set|Duvet Cover|Comforter|Mattress Topper",
         59, 0.5, words="Cotton|Microfiber|Linen|Bamboo|Cooling|Hypoallergenic", share=3, grams=1500,
         specs=f"{HOME}; thread_count=400|300|600|800"),
    Leaf("Home & Kitchen > Lighting", PLAIN, "Table Lamp|Floor Lamp|LED Desk Lamp|Pendant Light|String Lights", 59,
         0.6, words="Dimmable|Modern|Rustic|Smart|Rechargeable", specs=f"{HOME}; bulb=LED|E26|Integrated LED",
         grams=1800),
    Leaf("Home & Kitchen > Storage & Organization", PLAIN, "Storage Bins|Shelf Organizer|Laundry Basket", 29, 0.6,
         words="Stackable|Collapsible|Woven|Clear|Bamboo", specs=f"{HOME}; pieces=3|6|2|4|8", grams=1200),
    Leaf("Home & Kitchen > Furniture", PLAIN, "Office Chair|Bookshelf|Coffee Table|Nightstand|TV Stand|Desk", 179,
         0.6, words="Mid-Century|Ergonomic|Solid Wood|Industrial|Modern|Adjustable", grams=15000,
         specs="material=Engineered Wood|Solid Oak|Metal|Walnut Veneer; color=Walnut|Black|White|Oak|Gray"),
    Leaf("Home & Kitchen > Bath", PLAIN, "Bath Towel Set|Bath Mat|Shower Curtain|Hand Towels", 29, 0.5,
         words="Cotton|Quick-Dry|Plush|Turkish|Non-Slip", specs=f"{HOME}; pieces=6|4|2|8", grams=1000),
    Leaf("Clothing > Men > T-Shirts & Polos", APPAREL, "T-Shirt|Crew Neck Tee|V-Neck Tee|Henley|Polo Shirt", 19,
         0.4, words="Slim Fit|Classic Fit|Relaxed|Performance|Heavyweight|Pocket", share=5, grams=200,
         specs="material=Cotton|Organic Cotton|Cotton Blend|Polyester|Merino Wool; fit=Regular|Slim|Relaxed"),
    Leaf("Clothing > Men > Pants & Jeans", APPAREL, "Jeans|Chinos|Joggers|Cargo Pants", 49, 0.4, share=3,
         words="Slim Fit|Straight|Stretch|Relaxed|Tapered", grams=600,
         specs="material=Denim|Cotton Twill|Stretch Cotton|Fleece; fit=Slim|Straight|Relaxed"),
    Leaf("Clothing > Men > Jackets & Coats", APPAREL, "Jacket|Puffer Jacket|Rain Jacket|Fleece Jacket|Parka", 99,
         0.5, words="Water-Resistant|Insulated|Packable|Lightweight|Hooded", grams=900,
         specs="material=Nylon|Polyester|Wool Blend|Fleece|Down"),
    Leaf("Clothing > Women > Dresses", APPAREL, "Dress|Midi Dress|Maxi Dress|Wrap Dress|Shirt Dress", 49, 0.5,
         words="Floral|Casual|Summer|Sleeveless|Long-Sleeve|Linen", share=4, grams=350,
         specs="material=Viscose|Cotton|Linen|Polyester; length=Midi|Maxi|Mini"),
    Leaf("Clothing > Women > Tops & Sweaters", APPAREL, "Blouse|Tank Top|Sweater|Cardigan|Tee", 32, 0.5, share=4,
         words="Relaxed|Cropped|Oversized|Ribbed|Cashmere-Blend|Button-Down", grams=300,
         specs="material=Cotton|Cashmere Blend|Viscose|Linen|Modal"),
    Leaf("Clothing > Women > Activewear", APPAREL, "Leggings|Sports Bra|Yoga Pants|Running Shorts|Track Jacket",
         35, 0.4, words="High-Waisted|Seamless|Moisture-Wicking|Quick-Dry|Compression", share=3, grams=250,
         specs="material=Nylon Spandex|Polyester|Recycled Polyester; fit=Compression|Regular"),
    Leaf("Clothing > Kids > Kids' Clothing", APPAREL, "Hoodie|Pajama Set|T-Shirt|Jeans|Rain Jacket", 19, 0.4,
         words="Graphic|Cozy|Organic|Glow-in-the-Dark|Striped", share=3, grams=250,
         specs="material=Cotton|Organic Cotton|Fleece|Polyester; age_group=Toddler|Little Kids|Big Kids"),
    Leaf("Shoes > Men's Shoes > Sneakers & Running", SHOES, "Running Shoes|Sneakers|Trail Running Shoes", 89, 0.4,
         words="Lightweight|Cushioned|Breathable|Waterproof|Slip-On", share=3, grams=800,
         specs="material=Mesh|Leather|Knit|Suede; closure=Lace-Up|Slip-On|Hook and Loop"),
    Leaf("Shoes > Women's Shoes > Boots", SHOES, "Ankle Boots|Chelsea Boots|Rain Boots|Hiking Boots", 99, 0.4,
         words="Waterproof|Leather|Lug-Sole|Insulated|Block-Heel", grams=1100,
         specs="material=Leather|Suede|Rubber|Synthetic; heel_height=Flat|1 in|2 in"),
    Leaf("Shoes > Women's Shoes > Sandals & Flats", SHOES, "Sandals|Ballet Flats|Slides|Espadrilles", 45, 0.4,
         words="Comfort|Leather|Strappy|Platform|Cushioned", specs="material=Leather|Cork|Synthetic|Canvas"),
    Leaf("Sports & Outdoors > Fitness > Yoga & Recovery", PLAIN, "Yoga Mat|Foam Roller|Resistance Bands|Yoga Block",
         29, 0.5, words="Non-Slip|Extra Thick|Eco-Friendly|Travel|Textured", grams=1200,
         specs="material=TPE|Natural Rubber|PVC|Cork; thickness_mm=6|4|8|10"),
    Leaf("Sports & Outdoors > Fitness > Weights", PLAIN, "Dumbbells|Kettlebell|Adjustable Dumbbell Set", 59, 0.8,
         words="Cast Iron|Rubber-Coated|Hex|Neoprene|Adjustable", title_spec="weight", grams=9000,
         specs="weight=20 lb|10 lb|15 lb|25 lb|35 lb|50 lb; material=Cast Iron|Rubber|Neoprene"),
    Leaf("Sports & Outdoors > Camping & Hiking", PLAIN, "Tent|Sleeping Bag|Camping Hammock|Camp Chair", 119, 0.6,
         words="Ultralight|Waterproof|4-Season|Packable|Family", grams=2500,
         specs="capacity=2-Person|4-Person|1-Person|6-Person; material=Ripstop Nylon|Polyester|Aluminum"),
    Leaf("Sports & Outdoors > Cycling", PLAIN, "Bike Helmet|Bike Light Set|Bike Lock|Cycling Gloves|Bike Pump", 39,
         0.6, words="USB Rechargeable|Lightweight|Anti-Theft|Reflective|Aero", specs=TECH, grams=400),
    Leaf("Sports & Outdoors > Drinkware", PLAIN, "Water Bottle|Insulated Tumbler|Shaker Bottle", 24, 0.4,
         words="Insulated|Leak-Proof|BPA-Free|Stainless Steel|Collapsible", title_spec="capacity", grams=400,
         specs=f"{HOME}; capacity=32 oz|24 oz|40 oz|20 oz"),
    Leaf("Toys & Games > Building Toys", PLAIN, "Building Set|Construction Kit|Magnetic Tiles|Marble Run", 39, 0.7,
         words="Creative|STEM|Deluxe|Starter|Classic", specs="pieces=500|250|1000|100|1500; age_range=6+|4+|8+|12+"),
    Leaf("Toys & Games > Dolls & Action Figures", PLAIN, "Doll|Action Figure|Dollhouse|Plush Toy|Playset", 24, 0.6,
         words="Collectible|Deluxe|Interactive|Posable|Mini", specs="age_range=3+|4+|6+|8+; material=Plastic|Plush"),
    Leaf("Toys & Games > Games & Puzzles", PLAIN, "Board Game|Jigsaw Puzzle|Card Game|Strategy Game", 22, 0.5,
         words="Family|Classic|Cooperative|1000-Piece|Travel", specs="players=2-6|2-4|1-8|3-10; age_range=8+|10+"),
    Leaf("Toys & Games > Remote Control Toys", PLAIN, "RC Car|Drone|RC Truck|RC Boat", 59, 0.6, share=1,
         words="High-Speed|Off-Road|Camera|Waterproof|Beginner", specs="age_range=8+|14+|6+; battery_minutes=20|15"),
    Leaf("Beauty & Personal Care > Skin Care", PLAIN, "Moisturizer|Face Serum|Cleanser|Sunscreen|Eye Cream", 24,
         0.6, words="Hydrating|Vitamin C|Fragrance-Free|Gentle|Retinol|SPF 50", title_spec="size", share=3,
         specs="skin_type=All|Dry|Oily|Sensitive|Combination; size=1.7 oz|1 oz|3.4 oz|8 oz", grams=150),
    Leaf("Beauty & Personal Care > Hair Care", PLAIN, "Shampoo|Conditioner|Hair Dryer|Hair Straightener|Hair Oil",
         19, 0.8, words="Ionic|Sulfate-Free|Argan Oil|Volumizing|Professional|Travel", share=3, grams=400,
         specs="hair_type=All|Curly|Fine|Color-Treated|Thick"),
    Leaf("Beauty & Personal Care > Makeup", PLAIN, "Lipstick|Mascara|Foundation|Eyeshadow Palette|Concealer", 17,
         0.5, words="Long-Wear|Matte|Waterproof|Vegan|Lightweight", share=3, grams=60,
         specs="shade=Nude|Rose|Berry|Classic Red|Warm Beige|Ivory; finish=Matte|Satin|Dewy"),
    Leaf("Beauty & Personal Care > Fragrance", PLAIN, "Eau de Parfum|Eau de Toilette|Body Mist|Cologne", 59, 0.5,
         words="Floral|Woody|Fresh|Citrus|Amber", specs="size=1.7 oz|3.4 oz|1 oz|8 oz", title_spec="size", share=1),
    Leaf("Books > Fiction", BOOK, "Harbor|Garden|Winter|River|House|Storm|Light|Orchard|Lighthouse|Kingdom", 16, 0.3,
         words="Silent|Last|Hidden|Lost|Golden|Forgotten|Distant|Secret|Wild|Broken", share=3, grams=450,
         specs="format=Paperback|Hardcover|Large Print; pages=320|288|384|416|256"),
    Leaf("Books > Mystery & Thriller", BOOK, "Alibi|Witness|Night|Stranger|Trap|Shadow|Vanishing|Cold Case", 15, 0.3,
         words="Deadly|Perfect|Dark|Silent|Final|Quiet|Missing|Burning", grams=450,
         specs="format=Paperback|Hardcover|Large Print; pages=352|320|400|448"),
    Leaf("Books > Cookbooks", BOOK, "Kitchen|Table|Skillet|Oven|Bakery|Pantry", 24, 0.3, share=1, grams=1000,
         words="Everyday|Simple|Weeknight|Plant-Based|Slow|Family|Fresh", specs="format=Hardcover|Paperback"),
    Leaf("Pet Supplies > Dogs", PLAIN, "Dog Bed|Dog Leash|Chew Toy|Dog Harness|Dog Bowl", 29, 0.6, grams=700,
         words="Orthopedic|Reflective|Durable|No-Pull|Washable", specs="pet_size=Medium|Small|Large; color=Gray|Tan"),
    Leaf("Pet Supplies > Cats", PLAIN, "Cat Tree|Litter Box|Cat Scratcher|Cat Toy Set|Cat Bed", 34, 0.7,
         words="Self-Cleaning|Multi-Level|Cardboard|Interactive|Cozy", specs="color=Gray|Beige|White|Black"),
    Leaf("Office Products > Office Supplies", PLAIN, "Notebook|Gel Pens|Desk Organizer|Sticky Notes|Planner", 12,
         0.6, words="Dotted|Refillable|Bamboo|Colorful|Heavy-Duty|Undated", specs="pieces=12|1|24|3|5", grams=300),
)  # fmt: skip

PERSONS = (("Men", "Men's "), ("Women", "Women's "), ("Kids", "Kids' "))
SERIES = ("", "Pro ", "Plus ", "Max ", "Lite ", "Air ", "Mini ", "Ultra ", "Elite ", "Go ")
OPENINGS = {
    PLAIN: ("The {brand} {noun} is made for everyday use.", "Meet the {word} {noun} from {brand}.",
            "{brand} designed this {word} {noun} to keep things simple.", "A {word} {noun} that earns its place."),
    APPAREL: ("A {word} {noun} in {material}, cut for all-day comfort.", "{brand} makes this {noun} in {material}.",
              "An easy {word} {noun} you will reach for again and again."),
    SHOES: ("{word} {noun} built for long days on your feet.", "The {brand} {noun} pairs a {word} build with grip.",
            "Comfortable {word} {noun} with a cushioned footbed."),
    SIZED: ("Sleep better with this {word} {noun} from {brand}.", "A {word} {noun} that stays soft wash after wash."),
    BOOK: ("{title} is a {genre} by {author}.", "From {author} comes {title}, a {word} read.",
           "{author}'s {title} is a {genre} readers finish in one sitting."),
}  # fmt: skip
CLOSINGS = {
    BOOK: ("Also available as an audiobook.", "Includes a reading group guide.", "Makes a thoughtful gift.",
           "Published by {brand}."),
    "other": ("Backed by a {years}-year limited warranty.", "Ships in recyclable packaging.",
              "Easy to care for and built to last.", "Makes a thoughtful gift.", "Designed in-house by {brand}."),
}  # fmt: skip
GENRES = {"Fiction": "novel", "Mystery & Thriller": "thriller", "Cookbooks": "cookbook"}
FIRST_NAMES = ("Maya", "Liam", "Olivia", "Noah", "Emma", "James", "Ava", "Lucas", "Sophia", "Mateo", "Isabella",
               "Ethan", "Mia", "Aiden", "Amara", "Leo", "Chloe", "Ravi", "Hannah", "Kenji", "Zoe", "Omar", "Grace",
               "Diego", "Nora", "Samuel", "Priya", "Daniel", "Lena", "Tomas", "Aisha", "Felix", "Elena", "Marcus",
               "Yara", "Jonah", "Ines", "Caleb", "Freya", "Arjun", "Sofia", "Owen", "Layla", "Hugo", "Ruby",
               "Malik")  # fmt: skip
LAST_NAMES = ("Walker", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Reyes", "Novak", "Hughes", "Bennett", "Castillo")
REVIEW_TITLES = {
    5: ("Love it", "Exactly what I needed", "Excellent quality", "Highly recommend", "Better than expected",
        "Five stars", "Great buy"),
    4: ("Very good", "Solid choice", "Happy with it", "Good value", "Works well", "Nice, with one small gripe"),
    3: ("It's okay", "Decent but not great", "Does the job", "Mixed feelings", "Average"),
    2: ("Disappointed", "Expected more", "Not as described", "Meh"),
    1: ("Stopped working", "Would not buy again", "Poor quality", "Returned it"),
}  # fmt: skip
REVIEW_SENTENCES = {
    5: ("Works exactly as described.", "The quality is excellent for the price.", "I use it every day.",
        "Arrived quickly and well packaged.", "I already ordered a second one.", "Feels premium."),
    4: ("Does what it promises.", "Good quality overall.", "Setup was easy.", "A little pricey, but worth it.",
        "Would buy again.", "Only wish it came in more colors."),
    3: ("It's fine for the price.", "Quality is just okay.", "Took a while to get used to.",
        "Not bad, not great.", "Shipping was slow."),
    2: ("Smaller than I expected.", "Quality feels cheap.", "It broke after a few weeks.",
        "Instructions were confusing."),
    1: ("Stopped working after a week.", "Did not match the description.", "Customer service never replied.",
        "Save your money."),
}  # fmt: skip


class Zipf(Generic[T]):
    """Picks from ``items`` with weight 1/rank**exponent: the first item is the most common."""

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, items: Sequence[T], exponent: float = 1.0, weights: Sequence[float] | None = None) -> None:
        self._items = tuple(items)
        self._cumulative: list[float] = []
        running = 0.0
        for rank, _ in enumerate(self._items, start=1):
            running += weights[rank - 1] if weights else 1 / rank**exponent
            self._cumulative.append(running)
        self._total = running

    def pick(self, draw: Draw) -> T:
        return self._items[bisect(self._cumulative, draw() * self._total)]


@dataclass(frozen=True)
class _PreparedLeaf:
    row: Leaf
    path: tuple[str, ...]
    nouns: Zipf[str]
    words: Zipf[str]
    brands: Zipf[str]
    specs: tuple[tuple[str, Zipf[str | int]], ...]
    person: str  # "Men's " for a path under "Men", else ""
    genre: str


def generate_catalog(count: int, seed: int = 7, with_reviews: bool = True) -> Iterator[ProductRecord]:
    """``count`` products, the same ones for the same seed; each product's reviews come from its own generator."""
    rng = random.Random(seed)
    leaves, leaf_choice = _prepared_catalog()
    for index in range(count):
        leaf = leaves[leaf_choice.pick(rng.random)]
        data = _product(rng, leaf, seed, index)
        reviews: list[GeneratedReview] = []
        if with_reviews:
            review_rng = random.Random(seed * 1_000_003 + index)
            reviews = _reviews(review_rng, _review_count(review_rng), _product_quality(review_rng))
        yield ProductRecord(index + 1, data, reviews)


def generate_reviews_for(title: str, seed: int, count: int) -> list[GeneratedReview]:
    """``count`` generated reviews for a real product, the same ones for the same title and seed."""
    rng = random.Random(f"{seed}:{title}")
    return _reviews(rng, max(0, count), _product_quality(rng))


@cache
def _prepared_catalog() -> tuple[tuple[_PreparedLeaf, ...], Zipf[int]]:
    brands_by_root = _brands_by_root()
    leaves = tuple(_prepare(leaf, position, brands_by_root) for position, leaf in enumerate(LEAVES))
    return leaves, Zipf(range(len(leaves)), weights=[leaf.share for leaf in LEAVES])


def _brands_by_root() -> dict[str, tuple[str, ...]]:
    names = [head + tail for head in BRAND_HEADS for tail in BRAND_TAILS]
    random.Random(20240601).shuffle(names)
    roots = list(dict.fromkeys(leaf.path.split(" > ")[0] for leaf in LEAVES))
    return {root: tuple(names[i * BRANDS_PER_ROOT : (i + 1) * BRANDS_PER_ROOT]) for i, root in enumerate(roots)}


def _prepare(leaf: Leaf, position: int, brands_by_root: dict[str, tuple[str, ...]]) -> _PreparedLeaf:
    path = tuple(leaf.path.split(" > "))
    brands = brands_by_root[path[0]]
    rotation = position % len(brands)  # each leaf has its own market leaders
    person = next((title for name, title in PERSONS if any(part.startswith(name) for part in path[1:])), "")
    return _PreparedLeaf(
        row=leaf,
        path=path,
        nouns=Zipf(leaf.nouns.split("|"), 0.8),
        words=Zipf(leaf.words.split("|")),
        brands=Zipf(brands[rotation:] + brands[:rotation], 1.1),
        specs=tuple((name, Zipf([_spec_value(v) for v in values.split("|")])) for name, values in _specs(leaf.specs)),
        person=person,
        genre=GENRES.get(path[-1], "book"),
    )


def _specs(text: str) -> list[tuple[str, str]]:
    return [(part.split("=")[0].strip(), part.split("=")[1].strip()) for part in text.split(";") if "=" in part]


def _spec_value(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def _product(rng: random.Random, leaf: _PreparedLeaf, seed: int, index: int) -> dict[str, Any]:
    draw = rng.random
    brand = leaf.brands.pick(draw)
    specs: dict[str, Any] = {name: values.pick(draw) for name, values in leaf.specs}
    if leaf.row.kind == BOOK:
        brand = f"{brand} Press"
        specs["author"] = f"{FIRST_NAMES[int(draw() * len(FIRST_NAMES))]} {LAST_NAMES[int(draw() * len(LAST_NAMES))]}"
    title, description = _title_and_description(draw, leaf, brand, specs)
    cents = _retail_cents(leaf.row.price_median * math.exp(leaf.row.price_spread * rng.gauss(0.0, 1.0)), draw)
    compare_cents = _compare_at_cents(cents, draw) if draw() < 0.18 else None
    base_sku = f"SYN{seed}-{index:07d}"
    specs["generated"] = True
    return {
        "title": title,
        "description": description,
        "brand": brand,
        "category_path": list(leaf.path),
        "images": [],  # `aisle demo` attaches drawn pictures through the image pipeline (importers/pictures.py)
        "status": "ACTIVE",
        "gtin": _restricted_gtin(seed, index),
        "attributes": specs,
        "popularity": round(100 * rng.paretovariate(1.2), 2),
        "variants": _variants(draw, leaf, base_sku, specs, cents, compare_cents),
    }


_REPEATED_WORD = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)


def _title_and_description(draw: Draw, leaf: _PreparedLeaf, brand: str, specs: dict[str, Any]) -> tuple[str, str]:
    kind, noun, word = leaf.row.kind, leaf.nouns.pick(draw), leaf.words.pick(draw)
    material = str(specs.get("material", "cotton"))
    if kind == BOOK:
        title = f"The {word} {noun}"
    elif kind in (APPAREL, SHOES):
        fabric = f"{material} " if kind == APPAREL else ""  # "Fleece" + "Fleece": one, below
        title = f"{brand} {leaf.person}{word} {fabric}{noun}"
    else:
        second = leaf.words.pick(draw)
        words = word if second == word or draw() < 0.6 else f"{word} {second}"
        model = f" {brand[:2].upper()}-{100 + int(draw() * 900)}" if kind == PLAIN and draw() < 0.6 else ""
        title = f"{brand} {SERIES[int(draw() ** 3 * len(SERIES))]}{words} {noun}{model}"
    if leaf.row.title_spec:
        title = f"{title}, {specs[leaf.row.title_spec]}"
    title = _REPEATED_WORD.sub(r"\1", title)  # "Insulated" + "Insulated Tumbler": "Insulated Tumbler"
    slots = {"brand": brand, "noun": noun.lower(), "word": word.lower(), "material": material.lower(),
             "title": title, "author": specs.get("author", ""), "genre": leaf.genre,
             "years": 1 + int(draw() * 3)}  # fmt: skip
    openings = OPENINGS[kind]
    facts = " ".join([f"{_label(name)}: {value}." for name, value in specs.items()])
    opening = openings[int(draw() * len(openings))].format(**slots)
    closings = CLOSINGS.get(kind, CLOSINGS["other"])
    closing = closings[int(draw() * len(closings))].format(**slots)
    return title, f"{opening[0].upper()}{opening[1:]} {facts} {closing}"


@cache
def _label(spec_name: str) -> str:
    return spec_name.replace("_", " ").capitalize()


def _retail_cents(dollars: float, draw: Draw) -> int:
    """A shelf price: whole dollars ending in .99 mostly, sometimes .95, .49 or .00."""
    whole = max(0, int(dollars))
    if whole >= 100 and draw() < 0.5:
        whole = whole // 10 * 10 + 9  # $549.99 rather than $543.99
    ending = draw()
    cents = 99 if ending < 0.7 else 95 if ending < 0.85 else 49 if ending < 0.93 else 0
    return max(99, whole * 100 + cents)


def _compare_at_cents(cents: int, draw: Draw) -> int:
    higher = cents * (115 + int(draw() * 45)) // 100 // 100 * 100 + 99
    return max(higher, cents + 100)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _restricted_gtin(seed: int, index: int) -> str:
    """An EAN-13 in the "2" prefix range, which GS1 reserves for in-store use: it can never name a real product."""
    digits = f"2{seed % 100:02d}{index % 1_000_000_000:09d}"
    return f"{digits}{gtin_check_digit(digits)}"


def _variants(
    draw: Draw, leaf: _PreparedLeaf, base_sku: str, specs: dict[str, Any], cents: int, compare_cents: int | None
) -> list[dict[str, Any]]:
    kind, grams = leaf.row.kind, int(leaf.row.grams * (0.7 + 0.6 * draw()))
    if kind in (APPAREL, SHOES):
        colors = _apparel_colors(draw)
        sizes = _size_run(draw, SIZES[kind], MAX_VARIANTS_PER_APPAREL_PRODUCT // len(colors))
        options = [{"color": color, "size": size} for color in colors for size in sizes]
        step = 0
    elif kind == SIZED:
        options = [{"size": size} for size in _size_run(draw, SIZES[SIZED], 4)]
        step = 12  # a bigger bed costs about 12% more per size
    else:
        key = "format" if kind == BOOK else "color"
        options = [{key: str(specs[key])}] if key in specs else [{}]
        step = 0
    return [
        {
            "sku": f"{base_sku}-{position + 1}" if len(options) > 1 else base_sku,
            "attributes": option,
            "price": _money(_raised(cents, step * position)),
            "compare_price": _money(_raised(compare_cents, step * position)) if compare_cents else None,
            "weight_grams": grams,
        }
        for position, option in enumerate(options)
    ]


def _raised(cents: int, percent: int) -> int:
    """``cents`` raised by about ``percent``, in whole dollars so that the price keeps its ending."""
    return cents + cents * percent // 100 // 100 * 100


def _apparel_colors(draw: Draw) -> list[str]:
    count = 1 + (draw() < 0.45) + (draw() < 0.15)
    start = int(draw() * len(APPAREL_COLORS))
    return [APPAREL_COLORS[(start + 2 * i) % len(APPAREL_COLORS)] for i in range(count)]


def _size_run(draw: Draw, sizes: Sequence[str], most: int) -> list[str]:
    length = 1 + int(draw() * min(most, len(sizes)))
    start = int(draw() * (len(sizes) - length + 1))
    return list(sizes[start : start + length])


def _product_quality(rng: random.Random) -> float:
    """The average star rating a product's reviews gather around: mostly above 4, sometimes much lower."""
    return 4.85 - 2.3 * rng.random() ** 2.5


def _review_count(rng: random.Random) -> int:
    """0 to 12 reviews, fewer more often."""
    return int((MAX_REVIEWS_PER_PRODUCT + 1) * rng.random() ** 1.8)


def _reviews(rng: random.Random, count: int, quality: float) -> list[GeneratedReview]:
    reviews = []
    for _ in range(count):
        rating = min(5, max(1, round(quality + rng.gauss(0.0, 0.9))))
        sentences = rng.sample(REVIEW_SENTENCES[rating], 2)
        reviews.append(
            GeneratedReview(
                rating=rating,
                title=rng.choice(REVIEW_TITLES[rating]),
                body=" ".join(sentences[: 1 + (rng.random() < 0.6)]),
                author=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}.",
            )
        )
    return reviews
