"""Write split.json: the corpus tables divided into `dev` and `heldout`, fixed by a seeded hash.

    python benchmarks/scan_corpus/make_split.py

Tables of one source stay together (header conventions leak within a source), so the unit is
the source (the two CMS files count as one), except in collections of unrelated datasets
(FiveThirtyEight, vega-datasets, seaborn-data, Data Science Dojo) where each dataset is its own
unit (the two tables of the MySQL world database stay together). Units are ordered by
sha256(SEED + unit name); each unit in turn goes to the half that keeps the halves closest in
three strata - tables about people, health tables about people (Synthea, CDISC), tables not
about people - (ties: the half with fewer tables, then the hash's last bit). Nothing here looks at labels or detector output, and the seed is
fixed: re-running gives the same split.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = "privsynth-scan-corpus-split-v1"
SAME_GROUP = {"cms_hcahps": "cms"}  # one publisher, two files


def group_hash(group: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{SEED}:{group}".encode()).digest(), "big")


def group_of(table: dict, sources: dict) -> str:
    """The unit that stays in one half: the source, or the table itself for a collection."""
    if table.get("group"):
        return table["group"]
    if sources[table["source"]].get("collection"):
        return table["name"]
    return SAME_GROUP.get(table["source"], table["source"])


def stratum(table: dict) -> str:
    if table["about"] != "people":
        return "other"
    return "health" if table.get("topic") == "health" else "people"


STRATA = ("people", "health", "other")


def make_split(spec: dict) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for t in spec["tables"]:
        groups[group_of(t, spec["sources"])].append(t)
    halves: dict[str, list[str]] = {"dev": [], "heldout": []}
    count = {h: dict.fromkeys(STRATA, 0) for h in halves}
    for g in sorted(groups, key=group_hash):
        add = dict.fromkeys(STRATA, 0)
        for t in groups[g]:
            add[stratum(t)] += 1

        def cost(h: str, add: dict = add) -> tuple:
            c = {k: dict(v) for k, v in count.items()}
            for s in STRATA:
                c[h][s] += add[s]
            gap = sum(abs(c["dev"][s] - c["heldout"][s]) for s in STRATA)
            return gap, sum(c[h].values())

        tie = bool(group_hash(g) & 1)
        best = min(halves, key=lambda h: (*cost(h), (h == "dev") == tie))
        halves[best].extend(t["name"] for t in groups[g])
        for s in STRATA:
            count[best][s] += add[s]
    by_table = {t["name"]: t for t in spec["tables"]}
    out: dict = {"seed": SEED, "unit": "source; for collections (fte, vega, seaborn, dojo) each "
                 "dataset; cms + cms_hcahps as one",
                 "strata": "people / health (Synthea, CDISC) / other (not about people)"}
    for h, names in halves.items():
        srcs = sorted({SAME_GROUP.get(by_table[n]["source"], by_table[n]["source"]) for n in names})
        out[h] = {"tables": sorted(names), "sources": srcs, "strata": count[h]}
    return out


def main() -> None:
    spec = json.loads((HERE / "sources.json").read_text())
    split = make_split(spec)
    (HERE / "split.json").write_text(json.dumps(split, indent=1) + "\n")
    for h in ("dev", "heldout"):
        s = split[h]
        print(f"{h:8s} {len(s['tables']):3d} tables {s['strata']} from {len(s['sources'])} "
              f"sources: {', '.join(s['sources'])}")


if __name__ == "__main__":
    main()
