"""Matrix decompositions: hyperspectral unmixing NMF variants and their graphs."""

from ._graph import spatial_affinity_graph
from ._unmixing import CorrentropyNMF, RobustGuidedNMF, StructuredSparseNMF

__all__ = ["CorrentropyNMF", "RobustGuidedNMF", "StructuredSparseNMF", "spatial_affinity_graph"]
