"""Numba kernels shared by every lrsparse family.

Pure functions of arrays and scalars (no sklearn, no classes), compiled with
``cache=True, nogil=True`` (see :mod:`lrsparse.utils._numba`).  They never
write into their inputs.  Estimators import these modules lazily, inside
``fit``, so ``import lrsparse`` does not load numba.

Modules: ``prox`` (thresholding and shrinkage), ``sampled`` (products on an
index set and CSR x dense), ``rankone`` (Sherman-Morrison and determinant-lemma
updates), ``randproj`` (very sparse random projections).
"""
