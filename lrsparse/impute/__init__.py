"""Matrix completion with scikit-learn's imputer conventions: SVT / USVT, soft-impute, one-sided."""

from ._svt import SVTImputer

__all__ = ["SVTImputer"]
