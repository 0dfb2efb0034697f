"""Utilities: input validation helpers and estimator discovery."""

from .discovery import all_estimators
from .validation import (
    check_adjacency,
    check_component_scores,
    check_node_indices,
    missing_mask,
)

__all__ = [
    "all_estimators",
    "check_adjacency",
    "check_component_scores",
    "check_node_indices",
    "missing_mask",
]
