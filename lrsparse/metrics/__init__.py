"""Metrics with known ground truth: subspace distances, embedding quality, ..."""

from ._embedding import node_classification_score
from ._subspace import principal_angles, subspace_distance

__all__ = ["node_classification_score", "principal_angles", "subspace_distance"]
