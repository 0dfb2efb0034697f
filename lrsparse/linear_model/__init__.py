"""Weighted sparse recovery: loss-based weighted OMP and the weighted LASSO family."""

from ._lasso import LADLasso, SqrtLasso, WeightedLasso, weighted_lasso
from ._omp import WeightedOMP, weighted_omp

__all__ = [
    "LADLasso",
    "SqrtLasso",
    "WeightedLasso",
    "WeightedOMP",
    "weighted_lasso",
    "weighted_omp",
]
