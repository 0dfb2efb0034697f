"""Weighted sparse recovery: loss-based weighted OMP and the weighted LASSO family."""

from ._lasso import LADLasso, SqrtLasso, WeightedLasso, weighted_lasso

__all__ = ["LADLasso", "SqrtLasso", "WeightedLasso", "weighted_lasso"]
