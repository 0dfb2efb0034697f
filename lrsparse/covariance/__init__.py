"""Covariance and precision estimators: Gaussian graphical models under total positivity (MTP2)."""

from ._mtp2 import MTP2GraphicalModel, mtp2_graphical_model

__all__ = ["MTP2GraphicalModel", "mtp2_graphical_model"]
