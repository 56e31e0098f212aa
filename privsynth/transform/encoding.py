"""Quasi-identifiers and their generalization hierarchies encoded once as integer arrays.

A hierarchy in the ARX layout (one row per value, one column per level, level 0 the value,
the last level "*") becomes, per level, an array mapping each value's index to its group's
code at that level. Every later step of the k-anonymity search works on these codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from privsynth.errors import InputError, first_row
from privsynth.transform.loss import cell_penalty

MISSING = "NA"  # how a missing value is spelled in hierarchies


def as_strings(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Values as the strings hierarchies use: integral floats lose their '.0', missing -> 'NA'."""
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    missing = s.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        num = s.astype("float64")
        finite = num[~missing]
        if (finite == np.round(finite)).all() and (finite.abs() < 2**53).all():
            out = num.fillna(0).astype(np.int64).astype(str).to_numpy(dtype=object)
        else:
            out = s.astype(str).to_numpy(dtype=object)
    else:
        out = s.astype(str).to_numpy(dtype=object)
    out[missing] = MISSING
    return out


@dataclass
class EncodedHierarchy:
    """One quasi-identifier's hierarchy as integer arrays.

    `maps[l][v]` is the code at level l of value v (v indexes `values`, the hierarchy's rows);
    `labels[l][g]` the printed label of group g at level l; `group_ncp[l][g]` the NCP cell
    penalty of group g; `up[(a, b)]` maps level-a group codes to their level-b groups.
    """

    name: str
    values: np.ndarray
    maps: list[np.ndarray]
    labels: list[np.ndarray]
    group_sizes: list[np.ndarray]
    group_ncp: list[np.ndarray]
    up: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    @property
    def n_levels(self) -> int:
        return len(self.maps)

    @property
    def domain_size(self) -> int:
        return int(self.values.size)

    def n_groups(self, level: int) -> int:
        return int(self.labels[level].size)

    def leaf_ncp(self, level: int) -> np.ndarray:
        """Cell penalty of each value (hierarchy row) generalized to `level`."""
        return self.group_ncp[level][self.maps[level]]

    def lift(self, codes: np.ndarray, src: int, dst: int) -> np.ndarray:
        """Group codes at level `src` mapped to their ancestors at level `dst >= src`."""
        if src == dst:
            return codes
        return self.up[(src, dst)][codes]

    def encode(self, column: pd.Series) -> np.ndarray:
        """Each row's value index; a value missing from the hierarchy is an InputError."""
        # look up each distinct value once, then broadcast to the rows
        row_codes, uniq = pd.factorize(column, use_na_sentinel=False)
        strings = as_strings(pd.Series(uniq, dtype=column.dtype if len(uniq) else object))
        found = pd.Index(self.values).get_indexer(strings)
        if (found < 0).any():
            unknown = {str(v) for v in strings[found < 0]}
            row = first_row(found[row_codes] < 0)
            # Missing values are named (their spelling is ours, not the data's); others are not.
            na = f", missing values ({MISSING!r}) among them" if MISSING in unknown else ""
            raise InputError(
                f"column {self.name!r}, row {row:,}: {len(unknown)} distinct value(s) missing "
                f"from its hierarchy{na} (values are not shown)"
            )
        return found.astype(np.int64)[row_codes]


def encode_hierarchy(name: str, hierarchy: pd.DataFrame) -> EncodedHierarchy:
    """Validate an ARX-layout hierarchy and encode it (levels must nest: one parent per group)."""
    if (
        not isinstance(hierarchy, pd.DataFrame)
        or hierarchy.shape[0] == 0
        or hierarchy.shape[1] == 0
    ):
        raise InputError(f"hierarchy for {name!r} must be a non-empty DataFrame (ARX layout)")
    table = np.column_stack([as_strings(hierarchy.iloc[:, j]) for j in range(hierarchy.shape[1])])
    values = table[:, 0]
    if pd.Index(values).has_duplicates:
        dup = pd.Index(values)[pd.Index(values).duplicated()][0]
        raise InputError(f"hierarchy for {name!r} lists the value {dup!r} twice")
    a = values.size
    maps, labels, sizes, ncps = [], [], [], []
    for level in range(table.shape[1]):
        codes, uniq = pd.factorize(table[:, level])
        codes = codes.astype(np.int64)
        maps.append(codes)
        labels.append(np.asarray(uniq, dtype=object))
        sz = np.bincount(codes, minlength=uniq.size)
        sizes.append(sz)
        ncps.append(cell_penalty(sz, a))
    enc = EncodedHierarchy(name, values, maps, labels, sizes, ncps)
    for lo in range(len(maps)):
        for hi in range(lo + 1, len(maps)):
            parent = np.full(labels[lo].size, -1, dtype=np.int64)
            parent[maps[lo]] = maps[hi]
            # nested iff every value of a level-lo group has the same level-hi group
            if (parent[maps[lo]] != maps[hi]).any():
                raise InputError(
                    f"hierarchy for {name!r} is not nested: a level-{lo} group is split "
                    f"between two level-{hi} groups"
                )
            enc.up[(lo, hi)] = parent
    return enc


__all__ = [
    "EncodedHierarchy",
    "as_strings",
    "encode_hierarchy",
]
