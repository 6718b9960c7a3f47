"""Every platform category has a colour of its own in the charts, told apart by readers with
normal colour vision and by those with the commonest colour-vision deficiencies.

Distances are CIE76 ΔE in CIELAB; deuteranopia and protanopia are simulated with Machado,
Oliveira and Fernandes' matrices (2009, severity 1), applied to linear RGB."""

import itertools
import json
import re

from dashboard.charts import CATEGORY_COLOURS
from dashboard.models import Platform

DEUTERANOPIA = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
]
PROTANOPIA = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
]
IDENTITY = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def linear_rgb(colour: str) -> list[float]:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def lab(colour: str, seen_through=IDENTITY) -> tuple[float, float, float]:
    rgb = linear_rgb(colour)
    seen = [sum(m * c for m, c in zip(row, rgb, strict=True)) for row in seen_through]
    r, g, b = (min(max(value, 0), 1) for value in seen)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def closest_pair(colours, seen_through) -> float:
    points = [lab(c, seen_through) for c in colours]
    return min(
        sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5
        for a, b in itertools.combinations(points, 2)
    )


def test_every_category_has_a_colour_no_other_has():
    assert set(CATEGORY_COLOURS) == set(Platform.Category.values)
    colours = [c.upper() for c in CATEGORY_COLOURS.values()]
    assert len(set(colours)) == len(colours)


def test_the_colours_stay_apart_for_colour_blind_readers():
    colours = list(CATEGORY_COLOURS.values())
    # 10 ΔE is plainly visible side by side; dichromats see a plane, not a space, of colours,
    # so their pairs are held to 7.
    assert closest_pair(colours, IDENTITY) >= 10
    assert closest_pair(colours, DEUTERANOPIA) >= 7
    assert closest_pair(colours, PROTANOPIA) >= 7


def test_no_slice_is_lost_on_the_white_page():
    assert all(lab(c)[0] <= 90 for c in CATEGORY_COLOURS.values())


def test_the_category_donuts_draw_each_category_in_its_colour(client, india_russia):
    for url, chart_id in [
        ("/", "chart-platforms-by-category"),
        ("/ties/IN/RU/", "chart-pair-mix"),
    ]:
        html = client.get(url).content.decode()
        found = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html)
        assert found, (url, chart_id)
        data = json.loads(found.group(1))
        colours = data["datasets"][0]["backgroundColor"]
        assert len(colours) == len(data["labels"]) == len(set(colours))
        labels = dict(Platform.Category.choices)
        for label, colour in zip(data["labels"], colours, strict=True):
            category = next(key for key, name in labels.items() if name == label)
            assert colour == CATEGORY_COLOURS[category]
