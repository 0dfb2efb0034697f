"""Matrix decompositions: hyperspectral unmixing NMF, robust PCA, principal component pursuit."""

from ._graph import spatial_affinity_graph
from ._robust_pca import RobustPCA, StreamingRobustPCA
from ._unmixing import CorrentropyNMF, RobustGuidedNMF, StructuredSparseNMF

__all__ = [
    "CorrentropyNMF",
    "RobustGuidedNMF",
    "RobustPCA",
    "StreamingRobustPCA",
    "StructuredSparseNMF",
    "spatial_affinity_graph",
]
