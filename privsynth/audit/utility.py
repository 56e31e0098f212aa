"""Utility of a release next to its original: how much of the data's statistics survived.

All metrics compare the release with the ORIGINAL (the data holder audits their own release,
so bins and levels come from the original; nothing here is published with DP guarantees).

- `marginal_tvd`: total variation distance of 1-, 2- and 3-way marginals (0 = identical,
  1 = disjoint). All pairs; all triples up to `max_triples`, else a seeded random subset of that
  many (the result says which).
- `ks_tests`: two-sample Kolmogorov-Smirnov per numeric column.
- `chi_squared_tests`: chi-squared homogeneity test per categorical column, with its TVD.
- `correlation_difference`: Pearson (numeric pairs) and Cramér's V (all pairs, numeric columns
  binned) matrices of both tables and their absolute differences.
- `propensity_score`: pMSE of a classifier telling original from release rows, and its ratio to
  the pMSE expected when the two come from one distribution (Snoke et al. 2018).
- `ml_efficacy`: train on the release, test on real holdout rows, against train on the original.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from privsynth.audit._binning import CATEGORICAL, NUMERIC, EncodedPair, encode_pair
from privsynth.audit._stats import auc_interval
from privsynth.errors import InputError


def _one_thread():
    """Run scikit-learn fits single-threaded: OpenMP workers busy-wait, and on a shared or
    small machine oversubscription made gradient boosting 20-30x slower than one thread."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


_TARGET_NAMES = ("income", "target", "label", "class", "y", "outcome", "salary-class", "salary")


def _clean(x: Any) -> Any:
    """JSON-friendly copy: numpy scalars to Python, NaN to None, tuples to lists."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# ------------------------------------------------------------------------------ marginals
@dataclass
class MarginalTVD:
    """TVD over every k-way marginal measured: summary plus the worst few column sets."""

    way: int
    mean: float
    median: float
    max: float
    n_sets: int
    n_possible: int
    sampled: bool
    worst: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def _tvd_of(counts_o: list[np.ndarray], counts_r: list[np.ndarray]) -> np.ndarray:
    out = np.empty(len(counts_o))
    for i, (a, b) in enumerate(zip(counts_o, counts_r, strict=True)):
        sa, sb = a.sum(), b.sum()
        if sa == 0 or sb == 0:
            out[i] = 1.0 if sa != sb else 0.0
            continue
        out[i] = 0.5 * np.abs(a / sa - b / sb).sum()
    return out


def marginal_sets(
    cols: list[str], way: int, max_sets: int, seed: int = 0
) -> list[tuple[str, ...]]:
    """The column sets `marginal_tvd` compares: all of them, or a seeded random `max_sets`."""
    n_possible = math.comb(len(cols), way) if len(cols) >= way else 0
    if n_possible <= max_sets:
        return list(itertools.combinations(cols, way))
    rng = np.random.default_rng(seed)
    chosen: set[tuple[int, ...]] = set()
    while len(chosen) < max_sets:
        chosen.add(tuple(sorted(rng.choice(len(cols), size=way, replace=False).tolist())))
    return [tuple(cols[i] for i in s) for s in sorted(chosen)]


def marginal_tvd(
    original: pd.DataFrame | EncodedPair,
    release: pd.DataFrame | None = None,
    *,
    way: int = 2,
    max_sets: int = 1000,
    seed: int = 0,
) -> MarginalTVD:
    """TVD of all `way`-column marginals (a seeded random `max_sets` of them if there are more)."""
    enc = original if isinstance(original, EncodedPair) else encode_pair(original, release)
    cols = enc.columns
    n_possible = math.comb(len(cols), way) if len(cols) >= way else 0
    if n_possible == 0:
        return MarginalTVD(way, float("nan"), float("nan"), float("nan"), 0, 0, False)
    sampled = n_possible > max_sets
    sets = marginal_sets(cols, way, max_sets, seed)
    co = enc.marginals("o", sets)
    cr = enc.marginals("r", sets)
    tvd = _tvd_of(co, cr)
    order = np.argsort(-tvd)[:5]
    worst = [{"columns": list(sets[i]), "tvd": float(tvd[i])} for i in order]
    return MarginalTVD(
        way=way,
        mean=float(tvd.mean()),
        median=float(np.median(tvd)),
        max=float(tvd.max()),
        n_sets=len(sets),
        n_possible=n_possible,
        sampled=sampled,
        worst=worst,
    )


# ------------------------------------------------------------------------- per-column tests
@dataclass
class ColumnTest:
    """One column's two-sample test: KS (numeric) or chi-squared (categorical), with its TVD."""

    column: str
    test: str
    statistic: float
    p_value: float
    tvd: float

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def _one_way_tvd(enc: EncodedPair, col: str) -> tuple[np.ndarray, np.ndarray, float]:
    a = np.asarray(enc.marginals("o", [(col,)])[0], dtype=float)
    b = np.asarray(enc.marginals("r", [(col,)])[0], dtype=float)
    return a, b, float(_tvd_of([a], [b])[0])


def ks_tests(
    original: pd.DataFrame | EncodedPair, release: pd.DataFrame | None = None
) -> list[ColumnTest]:
    """Two-sample Kolmogorov-Smirnov statistic (max CDF gap) for each numeric column."""
    enc = original if isinstance(original, EncodedPair) else encode_pair(original, release)
    out = []
    for col in enc.columns:
        if enc.kinds[col] != NUMERIC:
            continue
        a = enc.numeric_original[col]
        b = enc.numeric_release[col]
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        if a.size == 0 or b.size == 0:
            stat, p = 1.0, 0.0
        else:
            res = stats.ks_2samp(a, b)
            stat, p = float(res.statistic), float(res.pvalue)
        out.append(ColumnTest(col, "ks", stat, p, _one_way_tvd(enc, col)[2]))
    return out


def chi_squared_tests(
    original: pd.DataFrame | EncodedPair, release: pd.DataFrame | None = None
) -> list[ColumnTest]:
    """Chi-squared homogeneity test of each categorical column's level counts (2 x K table)."""
    enc = original if isinstance(original, EncodedPair) else encode_pair(original, release)
    out = []
    for col in enc.columns:
        if enc.kinds[col] != CATEGORICAL:
            continue
        a, b, tvd = _one_way_tvd(enc, col)
        keep = (a + b) > 0
        table = np.vstack([a[keep], b[keep]])
        if table.shape[1] < 2 or a.sum() == 0 or b.sum() == 0:
            stat, p = 0.0, 1.0
        else:
            res = stats.chi2_contingency(table, correction=False)
            stat, p = float(res.statistic), float(res.pvalue)
        out.append(ColumnTest(col, "chi2", stat, p, tvd))
    return out


# ----------------------------------------------------------------------------- correlations
@dataclass
class CorrelationDifference:
    """Association matrices of both tables and the summary of their absolute difference."""

    pearson_columns: list[str]
    pearson_original: np.ndarray
    pearson_release: np.ndarray
    pearson_max_abs_diff: float
    pearson_mean_abs_diff: float
    cramers_columns: list[str]
    cramers_original: np.ndarray
    cramers_release: np.ndarray
    cramers_max_abs_diff: float
    cramers_mean_abs_diff: float

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def _pearson(enc: EncodedPair, cols: list[str], which: str) -> np.ndarray:
    src = enc.numeric_original if which == "o" else enc.numeric_release
    if not cols:
        return np.zeros((0, 0))
    frame = pd.DataFrame({c: src[c] for c in cols})
    return frame.corr(method="pearson", min_periods=2).to_numpy()


def _cramers_v_matrix(enc: EncodedPair, which: str, cols: list[str]) -> np.ndarray:
    d = len(cols)
    mat = np.eye(d)
    pairs = list(itertools.combinations(range(d), 2))
    tables = enc.marginals(which, [(cols[i], cols[j]) for i, j in pairs])
    for (i, j), t in zip(pairs, tables, strict=True):
        t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
        n = t.sum()
        r, c = t.shape
        if n == 0 or min(r, c) < 2:
            v = 0.0
        else:
            expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / n
            chi2 = ((t - expected) ** 2 / expected).sum()
            v = math.sqrt(chi2 / (n * (min(r, c) - 1)))
        mat[i, j] = mat[j, i] = v
    return mat


def _diff_summary(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    if a.shape[0] < 2:
        return float("nan"), float("nan")
    iu = np.triu_indices(a.shape[0], k=1)
    diff = np.abs(np.nan_to_num(a[iu]) - np.nan_to_num(b[iu]))
    return float(diff.max()), float(diff.mean())


def correlation_difference(
    original: pd.DataFrame | EncodedPair, release: pd.DataFrame | None = None
) -> CorrelationDifference:
    """Pearson over numeric pairs, Cramér's V over all pairs (numeric columns on their bins)."""
    enc = original if isinstance(original, EncodedPair) else encode_pair(original, release)
    num = [c for c in enc.columns if enc.kinds[c] == NUMERIC]
    po, pr = _pearson(enc, num, "o"), _pearson(enc, num, "r")
    cols = list(enc.columns)
    vo = _cramers_v_matrix(enc, "o", cols)
    vr = _cramers_v_matrix(enc, "r", cols)
    pmax, pmean = _diff_summary(po, pr)
    vmax, vmean = _diff_summary(vo, vr)
    return CorrelationDifference(num, po, pr, pmax, pmean, cols, vo, vr, vmax, vmean)


# ------------------------------------------------------------------------------- propensity
@dataclass
class PropensityResult:
    """pMSE = mean (p_i - c)^2 with c the release's share of the stacked rows; 0 = indistinguishable."""

    classifier: str
    pmse: float
    null_pmse: float
    pmse_ratio: float
    auc: float
    n_original: int
    n_release: int
    n_parameters: int
    # AUC of predictions on rows the model did not see (k-fold), and its 95 % interval: the
    # in-sample AUC above rises with the number of one-hot levels even between equal tables
    auc_cv: float | None = None
    auc_cv_ci: list[float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def propensity_score(
    original: pd.DataFrame | EncodedPair,
    release: pd.DataFrame | None = None,
    *,
    classifier: str = "logistic",
    max_rows: int = 25_000,
    seed: int = 0,
) -> PropensityResult:
    """Fit a classifier on the stacked, one-hot coded tables and measure how well it separates them.

    `logistic`: the null expectation is analytic, (k - 1)(1 - c)^2 c / N for k parameters
    (Snoke et al. 2018, section 3.1). `gbm`: scikit-learn's histogram gradient boosting; its null
    is estimated by refitting on randomly permuted labels (3 permutations).
    """
    from scipy import sparse
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import OneHotEncoder

    enc = original if isinstance(original, EncodedPair) else encode_pair(original, release)
    if not enc.columns:
        raise InputError("no comparable columns between the original and the release")
    rng = np.random.default_rng(seed)
    xo, xr = enc.original.to_numpy(), enc.release.to_numpy()
    if len(xo) > max_rows:
        xo = xo[rng.choice(len(xo), max_rows, replace=False)]
    if len(xr) > max_rows:
        xr = xr[rng.choice(len(xr), max_rows, replace=False)]
    x = np.vstack([xo, xr])
    y = np.r_[np.zeros(len(xo)), np.ones(len(xr))]
    n = len(y)
    c = len(xr) / n
    folds = _folds(y, seed)
    if classifier == "logistic":
        from sklearn.linear_model import LogisticRegression

        onehot = OneHotEncoder(
            categories=[np.arange(enc.domain[col]) for col in enc.columns],
            drop="first",
            sparse_output=True,
        )
        feats = sparse.csr_matrix(onehot.fit_transform(x))
        k = feats.shape[1] + 1

        def fit_predict(labels: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
            # Weak penalty: the null formula is for an unpenalized fit; a little L2 keeps
            # lbfgs finite when a level occurs in only one of the two tables.
            if feats.shape[1] == 0 or np.unique(labels[train]).size < 2:
                # Every compared column has one level (or one table in the fold): nothing to
                # tell the tables apart; the intercept-only fit predicts the release share.
                return np.full(test.size, labels[train].mean() if train.size else c)
            model = LogisticRegression(C=100.0, max_iter=300, tol=1e-4)
            with _one_thread():
                model.fit(feats[train], labels[train])
            return model.predict_proba(feats[test])[:, 1]

        every = np.arange(n)
        p = fit_predict(y, every, every)
        null = (k - 1) * (1 - c) ** 2 * c / n
    elif classifier == "gbm":
        from sklearn.ensemble import HistGradientBoostingClassifier

        def fit_predict(labels: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
            if np.unique(labels[train]).size < 2:
                return np.full(test.size, labels[train].mean() if train.size else c)
            model = HistGradientBoostingClassifier(
                max_iter=100, categorical_features=np.ones(x.shape[1], bool), random_state=seed
            )
            with _one_thread():
                model.fit(x[train], labels[train])
                return model.predict_proba(x[test])[:, 1]

        every = np.arange(n)
        p = fit_predict(y, every, every)
        k = 0
        null = float(
            np.mean(
                [np.mean((fit_predict(rng.permutation(y), every, every) - c) ** 2) for _ in range(3)]
            )
        )
    else:
        raise InputError(f"unknown propensity classifier {classifier!r}; choose logistic or gbm")
    auc_cv = auc_cv_ci = None
    if folds:
        held = np.empty(n)
        for train, test in folds:
            held[test] = fit_predict(y, train, test)
        auc_cv = float(roc_auc_score(y, held))
        auc_cv_ci = auc_interval(auc_cv, int(y.sum()), int(n - y.sum()))
    pmse = float(np.mean((p - c) ** 2))
    auc = float(roc_auc_score(y, p))
    ratio = pmse / null if null > 0 else float("nan")
    return PropensityResult(
        classifier, pmse, float(null), ratio, auc, len(xo), len(xr), k, auc_cv, auc_cv_ci
    )


def _folds(y: np.ndarray, seed: int, n_folds: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds of the stacked rows (none when a table has fewer rows than folds)."""
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(y.astype(np.int64), minlength=2)
    if counts.min() < n_folds:
        return []
    split = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(split.split(np.zeros(len(y)), y))


# ------------------------------------------------------------------------------ ML efficacy
@dataclass
class MLEfficacyResult:
    """Train-on-release-test-on-real against train-on-real-test-on-real, same model and test set."""

    target: str
    task: str  # classification | regression
    model: str
    real: dict[str, float]
    release: dict[str, float]
    ratio: dict[str, float]
    n_train_real: int
    n_train_release: int
    n_test: int
    holdout_used: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def choose_target(original: pd.DataFrame, enc: EncodedPair | None = None) -> str:
    """A sensible prediction target: a column named like a label, else the last low-cardinality one."""
    cols = [c for c in original.columns if enc is None or c in enc.columns]
    lowered = {c.lower(): c for c in cols}
    for name in _TARGET_NAMES:
        if name in lowered:
            return lowered[name]
    for c in reversed(cols):
        if 2 <= original[c].nunique(dropna=True) <= 20:
            return c
    if not cols:
        raise InputError("no column can serve as a prediction target")
    return cols[-1]


def _features(enc: EncodedPair, which: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    codes = enc.original if which == "o" else enc.release
    num = enc.numeric_original if which == "o" else enc.numeric_release
    feats = [c for c in enc.columns if c != target]
    x = (
        np.column_stack(
            [
                num[c] if enc.kinds[c] == NUMERIC else codes[c].to_numpy().astype(float)
                for c in feats
            ]
        )
        if feats
        else np.zeros((len(codes), 0))
    )
    cat_mask = np.array([enc.kinds[c] == CATEGORICAL for c in feats], dtype=bool)
    if x.size:
        # A feature with no value at all in this table (a fully suppressed column) carries no
        # information: a constant, which the model cannot split on (an all-missing column
        # breaks gradient boosting's binning).
        empty = np.isnan(x).all(axis=0)
        x[:, empty] = 0.0
    return x, cat_mask


def _scores(task: str, model: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    if task == "regression":
        return {"r2": float(r2_score(y, model.predict(x)))}
    pred = model.predict(x)
    out = {"accuracy": float(accuracy_score(y, pred))}
    try:
        proba = model.predict_proba(x)
        classes = list(model.classes_)
        # One-vs-rest AUC, macro-averaged over the classes the test rows actually hold: a class
        # the model knows but the test rows lack (or hold exclusively) has no defined AUC.
        present = set(np.unique(y))
        per_class = [
            float(roc_auc_score(y == c, proba[:, i]))
            for i, c in enumerate(classes)
            if c in present and len(present) > 1
        ]
        if len(classes) == 2 and per_class:
            out["auc"] = float(roc_auc_score(y == classes[1], proba[:, 1]))
        else:
            out["auc"] = float(np.mean(per_class)) if per_class else float("nan")
    except ValueError:
        out["auc"] = float("nan")
    return out


def ml_efficacy(
    original: pd.DataFrame,
    release: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    target: str | None = None,
    max_train: int = 30_000,
    seed: int = 0,
    skip: Mapping[str, str] | None = None,
    keep_recoded: bool = False,
) -> MLEfficacyResult:
    """Gradient boosting trained on the release vs on the original, both tested on real rows.

    InputError when no feature column is left beside the target once the train rows are coded
    (a two-column table whose other column is id-like): there is no model to train.

    With a holdout, the test set is the holdout (rows neither model saw). Without one, 30 % of
    the original is held out for the real model; the release was built from those same rows, so
    its score is optimistic, and the result says so.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if target is not None and target not in original.columns:
        raise InputError(f"target column {target!r} is not in the original table")
    rng = np.random.default_rng(seed)
    note = ""
    if holdout is not None:
        train, test = original, holdout
        holdout_used = True
    else:
        idx = rng.permutation(len(original))
        cut = int(0.7 * len(original))
        train, test = original.iloc[idx[:cut]], original.iloc[idx[cut:]]
        holdout_used = False
        note = (
            "no holdout: tested on 30% of the original, which the release was built from, "
            "so the release's score is optimistic"
        )
    if len(train) > max_train:
        train = train.iloc[rng.choice(len(train), max_train, replace=False)]
    rel = release
    if len(rel) > max_train:
        rel = rel.iloc[rng.choice(len(rel), max_train, replace=False)]
    enc_train = encode_pair(train, rel, skip=skip, keep_recoded=keep_recoded)
    tgt = target or choose_target(train, enc_train)
    if tgt not in enc_train.columns:
        raise InputError(
            f"target column {tgt!r} cannot be compared: {enc_train.excluded.get(tgt, 'excluded')}"
        )
    enc_test = encode_pair(train, test)
    # A column the test rows recode (values the train rows never show) has no test codes:
    # both models then use the columns the two codings share.
    common = [c for c in enc_train.columns if c in enc_test.columns]
    if tgt not in common:
        raise InputError(f"target column {tgt!r} cannot be compared on the test rows")
    if len(common) < len(enc_train.columns):
        enc_train = dataclasses.replace(enc_train, columns=common)
    # the test table is coded on the train table's bins, like the release
    enc_test = EncodedPair(
        columns=enc_train.columns,
        kinds=enc_train.kinds,
        original=enc_test.original,
        release=enc_test.release,
        domain=enc_test.domain,
        labels=enc_test.labels,
        numeric_original=enc_test.numeric_original,
        numeric_release=enc_test.numeric_release,
    )
    classification = enc_train.kinds[tgt] == CATEGORICAL
    task = "classification" if classification else "regression"
    x_real, mask = _features(enc_train, "o", tgt)
    x_rel, _ = _features(enc_train, "r", tgt)
    x_test, _ = _features(enc_test, "r", tgt)
    if x_real.shape[1] == 0:
        raise InputError(f"no feature column besides the target {tgt!r} can be compared")
    cat_idx = mask if mask.any() else None
    if classification:
        y_real = enc_train.original[tgt].to_numpy()
        y_rel = enc_train.release[tgt].to_numpy()
        # the test table's codes were compacted separately: map through the labels
        lab_train = enc_train.labels[tgt]
        lab_test = enc_test.labels[tgt]
        lookup = np.array([lab_train.index(s) if s in lab_train else -1 for s in lab_test])
        y_test = lookup[enc_test.release[tgt].to_numpy()]
    else:
        y_real = enc_train.numeric_original[tgt]
        y_rel = enc_train.numeric_release[tgt]
        y_test = enc_test.numeric_release[tgt]
        ok_r, ok_s, ok_t = np.isfinite(y_real), np.isfinite(y_rel), np.isfinite(y_test)
        x_real, y_real = x_real[ok_r], y_real[ok_r]
        x_rel, y_rel = x_rel[ok_s], y_rel[ok_s]
        x_test, y_test = x_test[ok_t], y_test[ok_t]

    def make():
        if classification:
            return HistGradientBoostingClassifier(
                max_iter=100, categorical_features=cat_idx, random_state=seed
            )
        return HistGradientBoostingRegressor(
            max_iter=100, categorical_features=cat_idx, random_state=seed
        )

    with _one_thread():
        real_model = make().fit(x_real, y_real)
        real_scores = _scores(task, real_model, x_test, y_test)
        if classification and len(np.unique(y_rel)) < 2:
            rel_scores = {k: float("nan") for k in real_scores}
            note = (note + "; " if note else "") + "the release has a single target class"
        else:
            rel_model = make().fit(x_rel, y_rel)
            rel_scores = _scores(task, rel_model, x_test, y_test)
    ratio = {
        k: (rel_scores[k] / real_scores[k]) if real_scores[k] not in (0.0,) else float("nan")
        for k in real_scores
    }
    return MLEfficacyResult(
        target=tgt,
        task=task,
        model="HistGradientBoosting" + ("Classifier" if classification else "Regressor"),
        real=real_scores,
        release=rel_scores,
        ratio=ratio,
        n_train_real=len(x_real),
        n_train_release=len(x_rel),
        n_test=len(x_test),
        holdout_used=holdout_used,
        note=note,
    )


# ------------------------------------------------------------------------------- all at once
@dataclass
class UtilityResult:
    """Every utility metric of one release; `to_dict()` is the report's `utility` section."""

    tvd: dict[int, MarginalTVD]
    ks: list[ColumnTest]
    chi2: list[ColumnTest]
    correlations: CorrelationDifference
    propensity: PropensityResult | None
    ml_efficacy: MLEfficacyResult | None
    excluded_columns: dict[str, str]
    bins: int
    encoded: EncodedPair | None = field(default=None, repr=False)
    # metric -> why it was not measured ("comparison": no column could be compared at all)
    not_measured: dict[str, str] = field(default_factory=dict)
    # per-column status and NCP (`audit.loss`), attached by the audit once actions are known
    information_loss: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "not_measured": dict(self.not_measured),
            "tvd": {f"{w}way": t.to_dict() for w, t in self.tvd.items()},
            "ks": [t.to_dict() for t in self.ks],
            "chi2": [t.to_dict() for t in self.chi2],
            "correlations": self.correlations.to_dict(),
            "propensity": self.propensity.to_dict() if self.propensity else None,
            "ml_efficacy": self.ml_efficacy.to_dict() if self.ml_efficacy else None,
            "excluded_columns": dict(self.excluded_columns),
            "bins": self.bins,
            "information_loss": (
                self.information_loss.to_dict() if self.information_loss is not None else None
            ),
        }


_ML_MIN_TRAIN, _ML_MIN_TEST = 10, 5


def utility(
    original: pd.DataFrame,
    release: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    target: str | None = None,
    bins: int = 20,
    max_triples: int = 1000,
    propensity_classifier: str = "logistic",
    ml: bool = True,
    seed: int = 0,
    attach: Any = None,
    skip: Mapping[str, str] | None = None,
    keep_recoded: bool = False,
) -> UtilityResult:
    """Run every utility metric on one coding of the two tables.

    `attach(enc)`, when given, attaches whole-table counts to the coding of two row samples
    (`privsynth.audit._scale`): the marginal metrics then count every row. `skip` and
    `keep_recoded` are `encode_pair`'s (generalized columns left out; a synthetic release's
    values compared as they are).
    """
    coding = {"skip": skip, "keep_recoded": keep_recoded}
    enc = encode_pair(original, release, bins=bins, **coding)
    if not enc.columns:
        # Nothing the two tables share can be compared value by value (every column recoded,
        # pseudonymised or identifier-like): the report says so instead of refusing.
        out = empty_utility(bins)
        out.excluded_columns = dict(enc.excluded)
        out.encoded = enc
        out.not_measured["comparison"] = (
            "no column of the release can be compared with the original (each is recoded, "
            "generalized or identifier-like)"
        )
        return out
    if attach is not None:
        attach(enc)
    not_measured: dict[str, str] = {}
    tvd = {
        w: marginal_tvd(enc, way=w, max_sets=max_triples if w == 3 else 10**9, seed=seed)
        for w in (1, 2, 3)
    }
    prop = None
    try:
        prop = propensity_score(enc, classifier=propensity_classifier, seed=seed)
    except (InputError, ValueError) as exc:
        not_measured["propensity"] = str(exc)
    mle = None
    # Too few real rows to train and test a model on (one-row tables, tiny holdouts): skip it.
    n_train = len(original) if holdout is not None else int(0.7 * len(original))
    n_test = len(holdout) if holdout is not None else len(original) - n_train
    if not ml:
        pass
    elif len(enc.columns) < 2:
        not_measured["ml_efficacy"] = "fewer than two comparable columns (a target and a feature)"
    elif n_train < _ML_MIN_TRAIN or n_test < _ML_MIN_TEST:
        not_measured["ml_efficacy"] = (
            f"too few real rows to train ({n_train}, at least {_ML_MIN_TRAIN}) and test "
            f"({n_test}, at least {_ML_MIN_TEST}) a model"
        )
    else:
        try:
            mle = ml_efficacy(original, release, holdout, target=target, seed=seed, **coding)
        except (InputError, ValueError) as exc:
            if target is not None and target not in original.columns:
                raise
            not_measured["ml_efficacy"] = str(exc)
    return UtilityResult(
        tvd=tvd,
        ks=ks_tests(enc),
        chi2=chi_squared_tests(enc),
        correlations=correlation_difference(enc),
        propensity=prop,
        ml_efficacy=mle,
        excluded_columns=dict(enc.excluded),
        bins=bins,
        encoded=enc,
        not_measured=not_measured,
    )


def empty_utility(bins: int = 20) -> UtilityResult:
    """The utility of a release nothing could be compared on: every metric absent."""
    nan = float("nan")
    none = np.zeros((0, 0))
    return UtilityResult(
        tvd={w: MarginalTVD(w, nan, nan, nan, 0, 0, False) for w in (1, 2, 3)},
        ks=[],
        chi2=[],
        correlations=CorrelationDifference([], none, none, nan, nan, [], none, none, nan, nan),
        propensity=None,
        ml_efficacy=None,
        excluded_columns={},
        bins=bins,
    )
