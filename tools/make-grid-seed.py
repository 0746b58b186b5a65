#!/usr/bin/env python3
"""Writes seeds/grid-5101.json: a sample of Chengdu's five central districts as the grid tree.

Codes follow the statistical division codes (district 6 digits, street 9, community 12) with a
3-digit grid number below each community. Streets are real; communities and boundaries are
illustrative: the districts split a box over the city centre into strips, streets split each strip
into bands, communities split bands, and each community holds a 2x2 block of grids, so every point
of the box lies in exactly one grid. Coordinates are GCJ-02, as Chinese map SDKs give them.
"""
import json, pathlib, sys

WEST, EAST, SOUTH, NORTH = 103.98, 104.18, 30.58, 30.74
DISTRICTS = [
    ("510105", "青羊区", ["少城街道", "草市街街道", "西御河街道"]),
    ("510106", "金牛区", ["荷花池街道", "西安路街道", "驷马桥街道"]),
    ("510104", "锦江区", ["春熙路街道", "书院街街道", "合江亭街道"]),
    ("510107", "武侯区", ["浆洗街街道", "望江路街道", "玉林街道"]),
    ("510108", "成华区", ["猛追湾街道", "双桥子街道", "府青路街道"]),
]
COMMUNITIES = ["红星社区", "和平社区", "新华社区", "东风社区", "光明社区", "幸福社区", "长顺社区", "文庙社区", "龙江路社区"]

def r(x):
    return round(x, 6)

def sample_city():
    units = [{"code": "5101", "name": "成都市", "dutyPhone": "12345"}]
    width = (EAST - WEST) / len(DISTRICTS)
    for d, (dcode, dname, streets) in enumerate(DISTRICTS):
        units.append({"code": dcode, "name": dname, "parent": "5101"})
        west = WEST + d * width
        band = (NORTH - SOUTH) / len(streets)
        for s, sname in enumerate(streets):
            scode = f"{dcode}{s + 1:03d}"
            units.append({"code": scode, "name": sname, "parent": dcode})
            south = SOUTH + s * band
            add_communities(units, scode, west, south, width / 3, band, 3,
                            lambda c: COMMUNITIES[(d * 9 + s * 3 + c) % len(COMMUNITIES)])
    return units

def add_communities(units, scode, west, south, cwidth, band, count, name):
    for c in range(count):
        ccode = f"{scode}{c + 1:03d}"
        units.append({"code": ccode, "name": name(c), "parent": scode})
        cwest = west + c * cwidth
        for g in range(4):
            gwest = cwest + (g % 2) * cwidth / 2
            gsouth = south + (g // 2) * band / 2
            units.append({
                "code": f"{ccode}{g + 1:03d}",
                "name": f"第{g + 1}网格",
                "parent": ccode,
                "boundary": [[r(gwest), r(gsouth)], [r(gwest + cwidth / 2), r(gsouth)],
                             [r(gwest + cwidth / 2), r(gsouth + band / 2)], [r(gwest), r(gsouth + band / 2)]],
            })

def large_city(streets_per_district=20, communities_per_street=20):
    """The same five districts, each with 20 streets of 20 communities of 4 grids: 10,106 units, for benchmarks."""
    units = [{"code": "5101", "name": "成都市", "dutyPhone": "12345"}]
    width = (EAST - WEST) / len(DISTRICTS)
    for d, (dcode, dname, _) in enumerate(DISTRICTS):
        units.append({"code": dcode, "name": dname, "parent": "5101"})
        band = (NORTH - SOUTH) / streets_per_district
        for s in range(streets_per_district):
            scode = f"{dcode}{s + 1:03d}"
            units.append({"code": scode, "name": f"第{s + 1}街道", "parent": dcode})
            add_communities(units, scode, WEST + d * width, SOUTH + s * band, width / communities_per_street, band,
                            communities_per_street, lambda c: f"第{c + 1}社区")
    return units

# Default: the sample city into seeds/. With --large PATH: the 10,106-unit city for benchmarks (not committed).
large = sys.argv[1:2] == ["--large"]
units = large_city() if large else sample_city()
out = pathlib.Path(sys.argv[2]) if large else pathlib.Path(__file__).resolve().parent.parent / "seeds" / "grid-5101.json"
lines = ",\n".join("  " + json.dumps(u, ensure_ascii=False) for u in units)
out.write_text('{\n "units": [\n' + lines + "\n ]\n}\n", encoding="utf-8")
print(f"{len(units)} units -> {out}")
