"""Utilities: validation helpers, estimator discovery, numba conventions.

``lrsparse.utils._sklearn`` is the one module importing private scikit-learn
helpers; ``lrsparse.utils._numba`` holds the numba conventions.
"""

from .discovery import all_estimators
from .validation import check_adjacency, check_node_indices, missing_mask

__all__ = ["all_estimators", "check_adjacency", "check_node_indices", "missing_mask"]
