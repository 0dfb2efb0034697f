"""The one module that imports private scikit-learn helpers.

scikit-learn moves its private helpers between releases; every other lrsparse
module imports them from here, so a move costs one file.
"""

from sklearn.base import _fit_context
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.utils._missing import is_scalar_nan
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import validate_data

__all__ = [
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_fit_context",
    "_initialize_nmf",
    "is_scalar_nan",
    "validate_data",
    "validate_parameter_constraints",
    "validate_params",
]
