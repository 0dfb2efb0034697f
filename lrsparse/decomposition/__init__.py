"""Matrix decompositions: hyperspectral unmixing NMF, robust PCA, principal component pursuit."""

from ._endmembers import find_endmembers
from ._graph import spatial_affinity_graph
from ._hysime import estimate_n_endmembers
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
    "estimate_n_endmembers",
    "find_endmembers",
    "spatial_affinity_graph",
]
