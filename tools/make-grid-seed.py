#!/usr/bin/env python3
"""Writes seeds/grid-5101.json: a sample of Chengdu's five central districts as the grid tree.

Codes follow the statistical division codes (district 6 digits, street 9, community 12) with a
3-digit grid number below each community. Streets are real; communities and boundaries are
illustrative: the districts split a box over the city centre into strips, streets split each strip
into bands, communities split bands, and each community holds a 2x2 block of grids, so every point
of the box lies in exactly one grid. Coordinates are GCJ-02, as Chinese map SDKs give them.
"""
import json, pathlib

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
        cwidth = width / 3
        for c in range(3):
            ccode = f"{scode}{c + 1:03d}"
            units.append({"code": ccode, "name": COMMUNITIES[(d * 9 + s * 3 + c) % len(COMMUNITIES)], "parent": scode})
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

out = pathlib.Path(__file__).resolve().parent.parent / "seeds" / "grid-5101.json"
lines = ",\n".join("  " + json.dumps(u, ensure_ascii=False) for u in units)
out.write_text('{\n "units": [\n' + lines + "\n ]\n}\n", encoding="utf-8")
print(f"{len(units)} units -> {out}")
