"""The devices a product line names, read from prices, when the query names no kind of product."""

from __future__ import annotations

from aisle.domain.search.devices import DEVICE_SHARE, devices, names_a_line

LAPTOPS, BATTERIES, KEYBOARDS = 1, 2, 3


def test_the_category_of_the_dearest_products_holds_the_devices():
    candidates = [
        (10, BATTERIES, 89.0),
        (11, BATTERIES, 129.0),
        (12, KEYBOARDS, 59.0),
        (13, LAPTOPS, 1199.0),
        (14, BATTERIES, 99.0),
        (15, LAPTOPS, 1649.0),
    ]
    assert devices(candidates) == {13: DEVICE_SHARE, 15: DEVICE_SHARE}


def test_no_devices_when_no_category_costs_several_times_the_rest():
    # cases and dearer battery cases: accessories both, no tier of devices
    assert devices([(1, 1, 25.0), (2, 1, 30.0), (3, 2, 60.0), (4, 2, 70.0)]) == {}


def test_one_category_or_unpriced_products_say_nothing():
    assert devices([(1, LAPTOPS, 999.0), (2, LAPTOPS, 1099.0)]) == {}
    assert devices([(1, LAPTOPS, None), (2, BATTERIES, 9.0), (3, None, 999.0)]) == {}
    assert devices([(1, LAPTOPS, 999.0), (2, BATTERIES, 9.0)]) == {}  # one laptop is no median to trust


def test_a_line_stands_among_a_titles_first_words_a_specification_later():
    servers = [
        "DELL PowerEdge T140 server Intel Xeon E 3.4 GHz 8 GB DDR4-SDRAM Tower 365 W",
        "Fujitsu PRIMERGY RX2520 M5 server Intel Xeon Silver 2.2 GHz 16 GB DDR4-SDRAM Rack (2U) 800 W",
    ]
    assert not names_a_line(servers, ["ddr4"])  # a query for memory, whose word the servers list as a spec
    assert names_a_line(servers[:1], ["poweredge"])
    laptops = ['Lenovo - ThinkPad X1 Carbon 14" Laptop', 'Lenovo ThinkPad T14s Notebook Black 35.6 cm (14")']
    assert names_a_line(laptops, ["thinkpad"])
    assert names_a_line(["Canon EOS 500D + EF-S 18-135mm SLR Camera Kit"], ["canon eos"])
    assert not names_a_line(laptops, [])
