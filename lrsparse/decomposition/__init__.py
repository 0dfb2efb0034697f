"""Matrix decompositions: hyperspectral unmixing NMF, robust PCA, principal component pursuit."""

from ._graph import spatial_affinity_graph
from ._pcp import PrincipalComponentPursuit
from ._robust_pca import RobustPCA, StreamingRobustPCA
from ._unmixing import CorrentropyNMF, RobustGuidedNMF, StructuredSparseNMF

__all__ = [
    "CorrentropyNMF",
    "PrincipalComponentPursuit",
    "RobustGuidedNMF",
    "RobustPCA",
    "StreamingRobustPCA",
    "StructuredSparseNMF",
    "spatial_affinity_graph",
]
