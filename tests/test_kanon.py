"""Unit tests of the k-anonymity search, its criteria, loss metrics and hierarchy handling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from privsynth.errors import InputError
from privsynth.transform import (
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    RecursiveCLDiversity,
    TCloseness,
    discernibility,
    kanonymize,
    ncp,
    read_arx_hierarchy,
)
from privsynth.transform.criteria import SensitiveContext
from privsynth.transform.encoding import encode_hierarchy
from privsynth.transform.loss import cell_penalty

ADULT_QIS = [
    "age",
    "education",
    "marital-status",
    "native-country",
    "race",
    "salary-class",
    "sex",
    "workclass",
]


# --- criteria ---------------------------------------------------------------------------


def test_k_anonymity_flags_small_classes():
    sizes = np.array([1, 4, 5, 9])
    assert KAnonymity(5).failing(sizes).tolist() == [True, True, False, False]
    assert KAnonymity(5).achieved(sizes[2:]) == 5


def test_distinct_l_diversity_counts_distinct_values():
    hist = np.array([[3, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert DistinctLDiversity(2).failing(hist.sum(1), hist).tolist() == [True, False, False]
    assert DistinctLDiversity(3).achieved(hist.sum(1), hist) == 1


def test_entropy_l_diversity_by_hand():
    # [2, 2]: entropy log 2 -> 2-diverse exactly; [3, 1]: 0.562 < log 2 = 0.693 -> fails
    hist = np.array([[2, 2], [3, 1]])
    assert EntropyLDiversity(2).failing(hist.sum(1), hist).tolist() == [False, True]
    assert EntropyLDiversity(2).achieved(hist.sum(1), hist[:1]) == pytest.approx(2.0)


def test_recursive_cl_diversity_by_hand():
    # counts sorted descending r1 >= r2 >= ...; the class passes iff r1 < c * (r_l + ... + r_m)
    hist = np.array(
        [
            [5, 3, 2],  # c=2, l=2: 5 < 2 * (3 + 2) = 10  -> pass; l=3: 5 < 2 * 2 = 4 -> fail
            [1, 6, 2],  # sorted 6, 2, 1; c=2, l=2: 6 < 2 * (2 + 1) = 6 is false -> fail
            [4, 0, 0],  # one value: the tail from l=2 on is empty -> fail
        ]
    )
    sizes = hist.sum(1)
    assert RecursiveCLDiversity(2, 2).failing(sizes, hist).tolist() == [False, True, True]
    assert RecursiveCLDiversity(2, 3).failing(sizes, hist).tolist() == [True, True, True]
    assert RecursiveCLDiversity(2.5, 2).failing(sizes, hist).tolist() == [False, False, True]
    assert RecursiveCLDiversity(2, 2).achieved(sizes[:1], hist[:1]) == 2
    assert isinstance(RecursiveCLDiversity(2, 3).relaxation(), DistinctLDiversity)


def test_t_closeness_equal_and_ordered_distance():
    hist = np.array([[4, 0, 0], [1, 1, 1]])
    ctx = SensitiveContext("s", np.array([1 / 3, 1 / 3, 1 / 3]), ordered=False)
    d = TCloseness.distances(hist, ctx)
    assert d.tolist() == pytest.approx([2 / 3, 0.0])
    # ordered: cumulative differences [2/3, 1/3] summed, over m - 1 = 2
    d_ord = TCloseness.distances(hist, SensitiveContext("s", ctx.overall, ordered=True))
    assert d_ord.tolist() == pytest.approx([0.5, 0.0])
    assert TCloseness(0.6).failing(hist.sum(1), hist, ctx).tolist() == [True, False]


@pytest.mark.parametrize(
    "make",
    [
        lambda: KAnonymity(1),
        lambda: DistinctLDiversity(1),
        lambda: TCloseness(0),
        lambda: RecursiveCLDiversity(0, 2),
    ],
)
def test_criteria_reject_meaningless_parameters(make):
    with pytest.raises(InputError):
        make()


# --- loss -------------------------------------------------------------------------------


def test_ncp_by_hand():
    # hierarchy of 4 values: a, b | c, d | *; level-1 cells cover 2 of 4 values -> 1/3
    assert cell_penalty(np.array([1, 2, 4]), 4).tolist() == pytest.approx([0, 1 / 3, 1])
    pen = np.array([[1 / 3, 0.0], [1 / 3, 1.0], [0.0, 0.0]])
    # the third row is suppressed: both its cells cost 1
    assert ncp(pen, suppressed=np.array([False, False, True])) == pytest.approx(
        (1 / 3 + 4 / 3 + 2) / 6
    )
    assert ncp(pen[:2], weights=np.array([3, 1])) == pytest.approx((3 * 1 / 3 + 4 / 3) / 8)


def test_discernibility_by_hand():
    assert discernibility(np.array([3, 5]), n_suppressed=2, n_rows=10) == 9 + 25 + 20


def test_ncp_of_a_generalized_table_by_hand():
    df = pd.DataFrame({"x": ["a", "b", "c", "d", "a", "b"], "y": ["u"] * 6})
    h = pd.DataFrame({0: list("abcd"), 1: ["ab", "ab", "cd", "cd"], 2: ["*"] * 4})
    out, res = kanonymize(df, ["x"], {"x": h}, k=2, max_suppression=0.0)
    # a, b occur twice, c, d once: level 1 makes classes ab (4) and cd (2), no suppression
    assert res.levels == {"x": 1}
    assert res.loss == pytest.approx(1 / 3)
    assert res.discernibility == 16 + 4
    assert out["x"].tolist() == ["ab", "ab", "cd", "cd", "ab", "ab"]
    assert (out["y"] == df["y"]).all()


# --- hierarchies ------------------------------------------------------------------------


def test_read_arx_hierarchy_file(shared_data, tmp_path):
    h = read_arx_hierarchy(shared_data / "adult-arx" / "adult_hierarchy_age.csv")
    assert h.shape == (100, 5)
    assert (h.iloc[:, -1] == "*").all() and h.iloc[0].tolist() == ["1", "0-4", "0-9", "0-19", "*"]
    enc = encode_hierarchy("age", h)
    assert enc.n_levels == 5 and enc.domain_size == 100 and enc.n_groups(4) == 1
    p = tmp_path / "h.csv"
    p.write_text("a;x;*\nb;x;*\nc;y;*\n")
    small = read_arx_hierarchy(p)
    assert small.values.tolist() == [["a", "x", "*"], ["b", "x", "*"], ["c", "y", "*"]]
    with pytest.raises(InputError, match="does not exist"):
        read_arx_hierarchy(tmp_path / "missing.csv")


def test_non_nested_hierarchy_is_refused():
    h = pd.DataFrame({0: list("abc"), 1: ["x", "x", "y"], 2: ["p", "q", "q"], 3: "*"})
    with pytest.raises(InputError, match="not nested"):
        encode_hierarchy("col", h)


def test_default_hierarchy_is_value_then_star():
    df = pd.DataFrame({"a": [1, 1, 2, 2, 3], "b": ["x"] * 5})
    out, res = kanonymize(df, ["a"], k=2, max_suppression=0.2)
    assert res.levels == {"a": 0} and res.n_suppressed == 1
    # the one suppressed row would be a `*` class of 1 < k: it is removed, not released
    assert out["a"].tolist() == ["1", "1", "2", "2"] and res.n_removed == 1


def test_kanonymize_without_hierarchy_uses_the_policy_default():
    """No hierarchy given: the policy's default (nested round intervals for a numeric column
    with more than ten values, missing values a category of their own), not value-or-star."""
    from privsynth.transform import default_hierarchy

    ages = pd.Series(list(range(20, 80)) * 2 + [None] * 4, dtype="float64")
    df = pd.DataFrame({"age": ages})
    out, res = kanonymize(df, ["age"], k=4, max_suppression=0.0)
    levels = default_hierarchy(ages)
    assert res.levels == {"age": 1} and res.n_suppressed == 0
    assert set(out["age"].dropna()) - {"NA"} <= set(levels[1]) and "20-24" in set(out["age"])


# --- bad input --------------------------------------------------------------------------


@pytest.fixture
def small():
    df = pd.DataFrame({"a": ["x", "y", "x", "y"], "s": ["p", "q", "p", "q"]})
    return df, {"a": pd.DataFrame({0: ["x", "y"], 1: ["*", "*"]})}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quasi_identifiers": ["nope"]}, "'nope' is not a column"),
        ({"k": 1}, "k must be an integer >= 2"),
        ({"k": 5}, "larger than the table"),
        ({"max_suppression": 1.0}, "max_suppression"),
        ({"max_suppression": -0.1}, "max_suppression"),
        ({"l_diversity": 2}, "need sensitive"),
        ({"l_diversity": 2, "sensitive": ["zz"]}, "'zz' is not a column"),
        ({"method": "greedy"}, "method"),
        ({"loss": "entropy"}, "loss"),
        (
            {"hierarchies": {"a": pd.DataFrame({0: ["x"], 1: ["*"]})}},
            r"row \d+: 1 distinct value\(s\) missing from its hierarchy \(values are not shown\)",
        ),
        ({"hierarchies": {"s": pd.DataFrame({0: ["p"], 1: ["*"]})}}, "not a quasi-identifier"),
    ],
)
def test_bad_input_names_the_problem(small, kwargs, message):
    df, hier = small
    args = {"quasi_identifiers": ["a"], "hierarchies": hier, "k": 2, **kwargs}
    with pytest.raises(InputError, match=message):
        kanonymize(df, **args)


def test_impossible_l_diversity_is_an_input_error():
    df = pd.DataFrame({"a": list("xxyy"), "s": ["p"] * 4})
    with pytest.raises(InputError, match="no generalization satisfies"):
        kanonymize(df, ["a"], k=2, l_diversity=2, sensitive="s")


# --- the ARX reference ------------------------------------------------------------------


def _adult(shared_data):
    d = shared_data / "adult-arx"
    df = pd.read_csv(d / "adult.csv", sep=";", dtype=str, keep_default_na=False)
    df["age"] = df["age"].astype(int)
    hier = {c: read_arx_hierarchy(d / f"adult_hierarchy_{c}.csv") for c in ADULT_QIS}
    return df, hier


def test_adult_k5_finds_the_arx_flash_optimum(shared_data):
    df, hier = _adult(shared_data)
    out, res = kanonymize(df, ADULT_QIS, hier, k=5, max_suppression=0.05)
    assert res.levels == {
        "age": 3,
        "education": 2,
        "marital-status": 0,
        "native-country": 1,
        "race": 0,
        "salary-class": 0,
        "sex": 0,
        "workclass": 1,
    }
    assert res.suppression_rate == pytest.approx(0.0446, abs=1e-4)
    assert res.loss <= 0.211 and res.k_achieved >= 5 and res.optimal
    kept = out[out["age"] != "*"]
    assert kept.groupby(ADULT_QIS).size().min() >= 5
    assert (out["occupation"] == df["occupation"]).all()


# --- Mondrian ---------------------------------------------------------------------------


def test_mondrian_ranges_and_l_diversity():
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "age": rng.integers(20, 60, 200),
            "sex": rng.choice(["F", "M"], 200),
            "dx": rng.choice(["flu", "cold", "ache"], 200),
        }
    )
    hier = {"age": pd.DataFrame({0: np.arange(20, 60), 1: "*"})}
    out, res = kanonymize(
        df, ["age", "sex"], hier, k=4, l_diversity=2, sensitive="dx", method="mondrian"
    )
    groups = out.groupby(["age", "sex"])
    assert groups.size().min() >= 4 and groups["dx"].nunique().min() >= 2
    assert res.k_achieved >= 4 and res.l_achieved >= 2 and res.n_suppressed == 0
    lo_hi = out["age"].str.split("-", expand=True).astype(float).ffill(axis=1)
    assert ((df["age"] >= lo_hi[0]) & (df["age"] <= lo_hi[1])).all()
    _, glob = kanonymize(df, ["age", "sex"], hier, k=4, l_diversity=2, sensitive="dx")
    assert res.loss < glob.loss


@pytest.mark.parametrize("criterion", [EntropyLDiversity(2), RecursiveCLDiversity(1.5, 2)])
def test_non_monotone_criteria_do_not_prune_finer_nodes(criterion):
    # x=a holds 3 p + 3 q, x=b holds 2 p. At level 0 only class b fails (2 rows, within 25 %
    # suppression); generalizing to "*" merges them into 5 p + 3 q, which fails entropy 2-,
    # recursive (1.5, 2)-diversity outright (5 < 1.5 * 3 is false). A search that let the failing
    # top node tag its specializations infeasible would find nothing.
    df = pd.DataFrame({"x": list("aaaaaabb"), "s": list("pppqqqpp")})
    hier = {"x": pd.DataFrame({0: ["a", "b"], 1: ["*", "*"]})}
    out, res = kanonymize(
        df,
        ["x"],
        hier,
        k=2,
        max_suppression=0.25,
        sensitive="s",
        l_diversity=criterion,
    )
    assert res.levels == {"x": 0} and res.n_suppressed == 2
    # the suppressed pair (both p) would be a `*` class that is not l-diverse: removed
    assert out["x"].tolist() == ["a"] * 6 and res.n_removed == 2


def test_missing_values_are_a_category_and_float_codes_match_hierarchy_strings():
    df = pd.DataFrame(
        {
            "zip": [1001.0, 1001.0, None, None, 1002.0, 1002.0],
            "s1": list("pqpqpq"),
            "s2": list("xyyxxy"),
        }
    )
    hier = {"zip": pd.DataFrame({0: ["1001", "1002", "NA"], 1: ["100*", "100*", "NA"], 2: "*"})}
    out, res = kanonymize(
        df, ["zip"], hier, k=2, max_suppression=0.0, l_diversity=2, sensitive=["s1", "s2"]
    )
    assert res.levels == {"zip": 0} and res.l_achieved == 2
    assert out["zip"].tolist() == ["1001", "1001", "NA", "NA", "1002", "1002"]
    # a missing value that the hierarchy does not list is named
    with pytest.raises(InputError, match="'NA'"):
        kanonymize(df, ["zip"], {"zip": hier["zip"].iloc[:2]}, k=2)


def test_result_serializes_to_json():
    import json

    df = pd.DataFrame({"a": list("xxyyzz"), "s": list("pqpqpq")})
    _, res = kanonymize(df, ["a"], k=2, l_diversity=2, sensitive="s")
    d = json.loads(json.dumps(res.to_dict()))
    assert d["levels"] == {"a": 0} and d["k_achieved"] == 2 and d["l_achieved"] == 2
    assert d["optimal"] is True and d["nodes_checked"] >= 1


def test_t_closeness_implies_a_minimum_class_size():
    from privsynth.transform.criteria import min_class_size

    # overall (0.5, 0.5): a class of 1 row is at EMD 0.5, of 2 rows can be at 0
    assert min_class_size(np.array([0.5, 0.5]), 0.1) == 2
    # the closed form agrees with a brute force over every histogram of each size
    o = np.array([0.7, 0.2, 0.1])
    for t in (0.05, 0.15, 0.25):
        best = None
        for s in range(1, 30):
            grid = [(a, b, s - a - b) for a in range(s + 1) for b in range(s + 1 - a)]
            d = min(0.5 * np.abs(np.array(c) / s - o).sum() for c in grid)
            if d <= t + 1e-12:
                best = s
                break
        assert min_class_size(o, t) == best
    ctx = SensitiveContext("s", np.array([0.5, 0.5]))
    assert TCloseness(0.1).relaxation(ctx) == KAnonymity(2)
    assert TCloseness(0.1).relaxation(SensitiveContext("s", ctx.overall, ordered=True)) is None
