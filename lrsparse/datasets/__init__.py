"""Data generators with known ground truth (``make_*``) and loaders (``load_*``).

Every ``make_*`` function returns the data and its ground truth and takes a
``random_state``; tests, examples, the demo and the benchmarks use them.
"""

from ._graphs import make_sbm_graph
from ._hyperspectral import load_hyperspectral_mat, make_hyperspectral

__all__ = ["load_hyperspectral_mat", "make_hyperspectral", "make_sbm_graph"]
