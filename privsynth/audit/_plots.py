"""Figures of the audit report, rendered with matplotlib's Agg backend to base64 PNG strings.

Column names and category labels come from the data: every figure is drawn with matplotlib's
mathtext off (`text.parse_math: False`), so a label such as `$\\bogus{x}$` is drawn as it is
written instead of failing to parse (or being typeset) as a formula.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

_ORIG = "#1f4e79"
_REL = "#e07b00"


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


_F = TypeVar("_F", bound=Callable[..., str])


def literal_text(fn: _F) -> _F:
    """Run `fn` (which draws and renders a figure) with mathtext parsing off."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import warnings

        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}), warnings.catch_warnings():
            # a label in a script the font lacks is drawn as boxes; no warning per glyph
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


@literal_text
def marginal_bars(
    column: str, labels: Sequence[str], p_orig: np.ndarray, p_rel: np.ndarray, tvd: float
) -> str:
    """Side-by-side bars of one column's distribution in the original and the release."""
    plt = _pyplot()
    keep = (p_orig + p_rel) > 0
    labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
    p_orig, p_rel = p_orig[keep], p_rel[keep]
    if len(labels) > 25:  # the most frequent levels; the rest would be unreadable
        top = np.argsort(-(p_orig + p_rel))[:25]
        top.sort()
        labels = [labels[i] for i in top]
        p_orig, p_rel = p_orig[top], p_rel[top]
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    ax.bar(x - 0.2, p_orig, width=0.4, color=_ORIG, label="original")
    ax.bar(x + 0.2, p_rel, width=0.4, color=_REL, label="release")
    ax.set_xticks(x, [str(lab)[:18] for lab in labels], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("share of rows")
    ax.set_title(f"{column} (TVD {tvd:.3f})", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


@literal_text
def heatmaps(columns: Sequence[str], a: np.ndarray, b: np.ndarray, title: str) -> str:
    """Original | release | absolute difference of an association matrix."""
    plt = _pyplot()
    d = len(columns)
    size = max(3.0, min(0.35 * d + 1.5, 6.0))
    fig, axes = plt.subplots(1, 3, figsize=(3 * size, size))
    diff = np.abs(np.nan_to_num(a) - np.nan_to_num(b))
    vmin = -1.0 if np.nanmin(np.r_[a.ravel(), b.ravel(), 0.0]) < 0 else 0.0
    for ax, mat, name, cmap, lo in (
        (axes[0], a, "original", "RdBu_r" if vmin < 0 else "Blues", vmin),
        (axes[1], b, "release", "RdBu_r" if vmin < 0 else "Blues", vmin),
        (axes[2], diff, "|difference|", "Reds", 0.0),
    ):
        im = ax.imshow(mat, vmin=lo, vmax=1.0, cmap=cmap)
        ax.set_title(f"{title}: {name}", fontsize=9)
        ax.set_xticks(range(d), [c[:12] for c in columns], rotation=90, fontsize=6)
        ax.set_yticks(range(d), [c[:12] for c in columns], fontsize=6)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return _png(fig)


@literal_text
def roc_curves(
    curves: dict[str, tuple[np.ndarray, np.ndarray, float]],
    ceiling_eps: float | None,
    delta: float = 0.0,
) -> str:
    """ROC curves of the membership attacks, with the DP ceiling TPR <= e^eps FPR + delta."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 4.0))
    for (name, (fpr, tpr, auc)), color in zip(
        curves.items(), (_ORIG, _REL, "#2a9d8f"), strict=False
    ):
        ax.plot(fpr, tpr, color=color, label=f"{name} (AUC {auc:.3f})")
    grid = np.linspace(0, 1, 200)
    ax.plot(grid, grid, color="grey", ls=":", label="random guess")
    if ceiling_eps is not None and np.isfinite(ceiling_eps):
        bound = np.minimum(1.0, np.exp(ceiling_eps) * grid + delta)
        # the symmetric DP bound 1 - TPR >= e^-eps (1 - FPR - delta) as well
        bound = np.minimum(bound, 1 - np.exp(-ceiling_eps) * (1 - grid - delta))
        ax.plot(
            grid,
            np.clip(bound, 0, 1),
            color="#c0392b",
            ls="--",
            label=f"DP ceiling (ε={ceiling_eps:g})",
        )
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    ax.set_title("Membership inference ROC", fontsize=10)
    return _png(fig)
