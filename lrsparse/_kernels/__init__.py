"""Numba kernels: the arithmetic under lrsparse's estimators.

Pure functions of arrays and scalars (no sklearn, no classes, no estimator
imports), compiled with ``cache=True, nogil=True`` (see
:mod:`lrsparse.utils._numba`).  They never write into their inputs.
Estimators import these modules lazily, inside ``fit``, so ``import lrsparse``
does not load numba.  Every module has a module-level ``_warm_up()`` that
compiles its kernels on tiny float64 and float32 inputs (the test suite calls
them all through :func:`lrsparse.utils._numba.warm_up_kernels`).

Modules, and what each serves (the kernel -> estimator map, function by
function, is in the developer guide, ``docs/developer_guide.rst``):

* ``nmf`` -- multiplicative updates and the exact per-pixel abundance QP of
  the band-weighted, graph-regularised, sparse NMF: the three unmixing
  estimators (``StructuredSparseNMF``, ``CorrentropyNMF``, ``RobustGuidedNMF``).
* ``prox`` -- soft thresholding and singular-value shrinkage:
  ``PrincipalComponentPursuit`` (sparse and low-rank steps) and the
  imputers' singular-value shrinkage.
* ``randproj`` -- seeded very sparse random projections: ``FastRP``.
* ``rows`` -- l2 row norms, row normalisation and normalised accumulation:
  ``FastRP``, ``spatial_affinity_graph`` and the unmixing metrics.
* ``sampled`` -- products on a set of observed entries (``P_Omega(U V^T)``),
  per-row ridge fold-in, CSR x dense products: the completion estimators
  (``SVTImputer``, ``SoftImputer``, ``OneSidedCompletion``) and ``FastRP``'s
  propagation.

A kernel is added here when an estimator calls it, never ahead of its first
caller.
"""
