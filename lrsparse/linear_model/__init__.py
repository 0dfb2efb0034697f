"""Weighted sparse recovery: loss-based weighted OMP and the weighted LASSO family.

Mohammad-Taheri & Brugiapaglia, "The greedy side of the LASSO" (arXiv
2303.00844): greedy selection by the decrease of the weighted LASSO,
square-root LASSO or LAD-LASSO objective (:class:`WeightedOMP`), and the
convex programs themselves (:class:`WeightedLasso`, :class:`SqrtLasso`,
:class:`LADLasso`, :class:`WeightedLassoCV`).
"""

from ._cv import WeightedLassoCV, weighted_lasso_path
from ._lasso import LADLasso, SqrtLasso, WeightedLasso, weighted_lasso
from ._omp import WeightedOMP, weighted_omp

__all__ = [
    "LADLasso",
    "SqrtLasso",
    "WeightedLasso",
    "WeightedLassoCV",
    "WeightedOMP",
    "weighted_lasso",
    "weighted_lasso_path",
    "weighted_omp",
]
