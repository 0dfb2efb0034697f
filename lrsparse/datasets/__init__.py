"""Data generators with known ground truth (``make_*``) and loaders (``load_*``).

Also ``hyperbolic_cross`` and ``polynomial_design``, the building blocks of
sparse polynomial approximation designs (tensor Legendre / Chebyshev bases).

Every ``make_*`` function returns the data and its ground truth and takes a
``random_state``; tests, examples, the demo and the benchmarks use them.
"""

from ._cooccurrence import make_planted_cooccurrence
from ._gmm import make_gmm_stream
from ._graphs import make_sbm_graph
from ._hyperspectral import load_hyperspectral_mat, make_hyperspectral
from ._mtp2 import make_mtp2_precision
from ._ratings import make_ratings
from ._robust import (
    make_contaminated_gaussian,
    make_low_rank_matrix_with_missing,
    make_low_rank_plus_sparse,
)
from ._sparse_recovery import hyperbolic_cross, make_sparse_recovery, polynomial_design
from ._unmixing_scenes import (
    get_data_home,
    load_samson,
    load_urban_semireal,
    make_rare_material_scene,
)

__all__ = [
    "get_data_home",
    "hyperbolic_cross",
    "load_hyperspectral_mat",
    "load_samson",
    "load_urban_semireal",
    "make_contaminated_gaussian",
    "make_gmm_stream",
    "make_hyperspectral",
    "make_low_rank_matrix_with_missing",
    "make_low_rank_plus_sparse",
    "make_mtp2_precision",
    "make_planted_cooccurrence",
    "make_rare_material_scene",
    "make_ratings",
    "make_sbm_graph",
    "make_sparse_recovery",
    "polynomial_design",
]
