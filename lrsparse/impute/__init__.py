"""Matrix completion with scikit-learn's imputer conventions: SVT / USVT, soft-impute,
ScaledGD, one-sided."""

from ._one_sided import OneSidedCompletion, pair_statistics
from ._scaled_gd import ScaledGDImputer
from ._soft_impute import SoftImputer
from ._svt import SVTImputer

__all__ = ["OneSidedCompletion", "SVTImputer", "ScaledGDImputer", "SoftImputer",
           "pair_statistics"]
