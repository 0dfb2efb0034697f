"""Metrics with known ground truth: subspace distances, embedding quality, unmixing, ..."""

from ._embedding import node_classification_score
from ._graph import edge_f1
from ._robust import captured_variance_ratio, relative_error, trimmed_variance
from ._subspace import principal_angles, subspace_distance
from ._unmixing import (
    abundance_rmse,
    abundance_scorer,
    match_components,
    spectral_angle_distance,
)

__all__ = [
    "abundance_rmse",
    "abundance_scorer",
    "captured_variance_ratio",
    "edge_f1",
    "match_components",
    "node_classification_score",
    "principal_angles",
    "relative_error",
    "spectral_angle_distance",
    "subspace_distance",
    "trimmed_variance",
]
