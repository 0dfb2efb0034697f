"""Incremental Gaussian mixtures: one pass over a stream, rank-one precision updates (fast IGMN).

:class:`IncrementalGaussianMixture` learns a density; :class:`IncrementalGMMRegressor`
and :class:`IncrementalGMMClassifier` learn the joint density of inputs and
targets and predict by Gaussian conditioning.
"""

from ._igmn import IncrementalGaussianMixture, incremental_gaussian_mixture
from ._supervised import IncrementalGMMClassifier, IncrementalGMMRegressor, gaussian_conditional

__all__ = [
    "IncrementalGMMClassifier",
    "IncrementalGMMRegressor",
    "IncrementalGaussianMixture",
    "gaussian_conditional",
    "incremental_gaussian_mixture",
]
