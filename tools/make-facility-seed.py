#!/usr/bin/env python3
"""Writes seeds/facilities-5101.json: 3,000 facilities of daily life in the sample city (seeds/grid-5101.json).

Deterministic (a fixed random seed). Facilities cluster around community centres, as they do in a real
city, with some spread evenly. One known gap for planners to find: no sports facility within a
15-minute walk of 书院街街道's middle community (510104002002); AnalyzeCoverage reports it, and the tests
rely on it. Names, hours and capacities are illustrative; coordinates are GCJ-02.
"""
import json, math, pathlib, random

ROOT = pathlib.Path(__file__).resolve().parent.parent
GRID = json.loads((ROOT / "seeds" / "grid-5101.json").read_text(encoding="utf-8"))["units"]
UNITS = {u["code"]: u for u in GRID}
GRIDS = [u for u in GRID if len(u["code"]) == 15]
COMMUNITIES = [u for u in GRID if len(u["code"]) == 12]
WEST, EAST = min(p[0] for g in GRIDS for p in g["boundary"]), max(p[0] for g in GRIDS for p in g["boundary"])
SOUTH, NORTH = min(p[1] for g in GRIDS for p in g["boundary"]), max(p[1] for g in GRIDS for p in g["boundary"])
GAP_COMMUNITY, GAP_CATEGORY, GAP_MARGIN_M = "510104002002", "sports", 1300  # > a 15-minute walk (1,200 m even without detours)

rng = random.Random(5101)
WEEKDAYS, EVERY_DAY = [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6, 7]
CATEGORIES = {
    # code: (count, name templates, hours, capacity range)
    "clinic": (350, ["{c}卫生服务站", "{s}社区卫生服务中心", "{c}诊所"], [(EVERY_DAY, "08:00", "17:30")], None),
    "elderly_care": (300, ["{c}日间照料中心", "{s}养老院", "{c}老年食堂"], "all", (20, 200)),
    "kindergarten": (450, ["{c}幼儿园", "{s}实验幼儿园", "{c}小太阳幼儿园"], [(WEEKDAYS, "07:30", "17:30")], (90, 360)),
    "school": (300, ["{d}第{n}小学", "{s}中学", "{c}小学"], [(WEEKDAYS, "07:30", "17:30")], (600, 2400)),
    "market": (400, ["{s}菜市场", "{c}生鲜超市", "{c}农贸市场"], [(EVERY_DAY, "06:30", "20:00")], None),
    "sports": (450, ["{c}健身广场", "{s}全民健身中心", "{c}篮球场"], [(EVERY_DAY, "06:00", "22:00")], None),
    "culture": (350, ["{c}文化活动室", "{s}图书馆分馆", "{c}书院"], [([2, 3, 4, 5, 6, 7], "09:00", "21:00")], None),
    "community_service": (400, ["{c}党群服务中心", "{c}便民服务站"], [(WEEKDAYS, "09:00", "17:00"), ([6], "09:00", "12:00")], None),
}

def centre(unit_code):
    corners = [p for g in GRIDS if g["code"].startswith(unit_code) for p in g["boundary"]]
    return sum(p[0] for p in corners) / len(corners), sum(p[1] for p in corners) / len(corners)

def metres(a, b):
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((a[0] - b[0]) * 111_320 * math.cos(lat), (a[1] - b[1]) * 110_540)

def grid_of(point):
    for g in GRIDS:
        xs, ys = [p[0] for p in g["boundary"]], [p[1] for p in g["boundary"]]
        if min(xs) <= point[0] < max(xs) and min(ys) <= point[1] < max(ys):
            return g
    return None

gap_corners = [p for g in GRIDS if g["code"].startswith(GAP_COMMUNITY) for p in g["boundary"]]
def in_gap(point):
    # Within the margin of the gap community's box: a walk from any of its points could reach it.
    lng = min(max(point[0], min(p[0] for p in gap_corners)), max(p[0] for p in gap_corners))
    lat = min(max(point[1], min(p[1] for p in gap_corners)), max(p[1] for p in gap_corners))
    return metres(point, (lng, lat)) < GAP_MARGIN_M

centres = [centre(c["code"]) for c in COMMUNITIES]
facilities = []
for category, (count, names, hours, capacity) in CATEGORIES.items():
    made = 0
    while made < count:
        if rng.random() < 0.7:  # near a community centre
            cx, cy = rng.choice(centres)
            point = (cx + rng.gauss(0, 0.006), cy + rng.gauss(0, 0.005))
        else:
            point = (rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH))
        point = (round(point[0], 6), round(point[1], 6))
        grid = grid_of(point)
        if grid is None or (category == GAP_CATEGORY and in_gap(point)):
            continue
        community = UNITS[grid["parent"]]
        street = UNITS[community["parent"]]
        district = UNITS[street["parent"]]
        name = rng.choice(names).format(c=community["name"], s=street["name"], d=district["name"], n=rng.randint(1, 40))
        facility = {
            "id": f"{category.replace('_', '-')}-{made + 1:04d}",
            "name": name,
            "category": category,
            "lat": point[1],
            "lng": point[0],
            "address": f"成都市{district['name']}{street['name']}{community['name']}",
        }
        if hours == "all" or (category == "clinic" and rng.random() < 0.1) or (category == "sports" and rng.random() < 0.3):
            facility["allHours"] = True
        else:
            facility["hours"] = [{"days": d, "opens": o, "closes": c} for d, o, c in hours]
        if capacity:
            facility["capacity"] = rng.randint(*capacity) // 10 * 10
        facilities.append(facility)
        made += 1

out = ROOT / "seeds" / "facilities-5101.json"
lines = ",\n".join("  " + json.dumps(f, ensure_ascii=False) for f in facilities)
out.write_text('{\n "asOf": "2026-11-01T00:00:00+08:00",\n "facilities": [\n' + lines + "\n ]\n}\n", encoding="utf-8")
print(f"{len(facilities)} facilities -> {out}")
