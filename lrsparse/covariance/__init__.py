"""Covariance and precision estimators: Gaussian graphical models under total positivity (MTP2)."""

from ._mtp2 import MTP2GraphicalModel, mtp2_graphical_model
from ._mtp2_cv import MTP2GraphicalModelCV

__all__ = ["MTP2GraphicalModel", "MTP2GraphicalModelCV", "mtp2_graphical_model"]
