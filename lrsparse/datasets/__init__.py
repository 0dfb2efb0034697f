"""Data generators with known ground truth (``make_*``).

Every ``make_*`` function returns the data and its ground truth and takes a
``random_state``; tests, examples, the demo and the benchmarks use them.
"""

from ._graphs import make_sbm_graph

__all__ = ["make_sbm_graph"]
