"""Numba kernels: the arithmetic under lrsparse's estimators.

Functions of arrays and scalars (no sklearn, no classes, no estimator
imports), compiled with ``cache=True, nogil=True`` (see
:mod:`lrsparse.utils._numba`).  They never write into the user's data
(state arrays their callers own may be updated in place, as documented).
Estimators import these modules lazily, inside ``fit``, so ``import lrsparse``
does not load numba.  Every module has a module-level ``_warm_up()`` that
compiles its kernels on tiny float64 and float32 inputs; :func:`warm_up_kernels`
calls them all (the test suite does, before anything is timed).  The package
finds its own modules (:func:`kernel_modules`), so a new kernel module needs
no registration, and nothing below ``_kernels`` has to know them.

Modules, and what each serves (the kernel -> estimator map, function by
function, is in the developer guide, ``docs/developer_guide.rst``):

* ``cooccurrence`` -- windowed, distance-weighted pair counts of token-id
  chunks and their relabelled symmetric CSR: ``CooccurrenceVectorizer``.
* ``gmm`` -- one pass of the incremental Gaussian mixture over a batch
  (novelty, creation, soft rank-one updates, pruning): the estimators of
  :mod:`lrsparse.mixture`.
* ``nmf`` -- multiplicative updates and the exact per-pixel abundance QP of
  the band-weighted, graph-regularised, sparse NMF: the three unmixing
  estimators (``StructuredSparseNMF``, ``CorrentropyNMF``, ``RobustGuidedNMF``).
* ``prox`` -- soft thresholding, singular-value shrinkage and cone
  projections: ``PrincipalComponentPursuit`` (sparse and low-rank steps),
  the imputers' singular-value shrinkage, and the M-matrix / diagonally
  dominant M-matrix projections of the MTP2 graphical models.
* ``randproj`` -- seeded very sparse random projections: ``FastRP``.
* ``swivel`` -- Swivel's fused block loss and gradient, and AdaGrad:
  ``Swivel``.
* ``rankone`` -- rank-one updates of factorisations (Cholesky growth;
  Sherman--Morrison precision and determinant-lemma log-det updates) and the
  weighted median: ``WeightedOMP`` and the incremental Gaussian mixtures.
* ``rows`` -- l2 row norms, row normalisation and normalised accumulation:
  ``FastRP``, ``spatial_affinity_graph`` and the unmixing metrics.
* ``spd`` -- the Cholesky positive-definiteness guard (with ``log det``) and
  the Cholesky-guarded line search of ``-log det X + <X, C>``: the MTP2
  graphical models (``MTP2GraphicalModel``, ``MTP2GraphicalModelCV``).
* ``sampled`` -- products on a set of observed entries (``P_Omega(U V^T)``),
  per-row ridge fold-in, CSR x dense products: the completion estimators
  (``SVTImputer``, ``SoftImputer``, ``OneSidedCompletion``) and ``FastRP``'s
  propagation.

A kernel is added here when an estimator calls it, never ahead of its first
caller.
"""

import importlib
import pkgutil

__all__ = ["kernel_modules", "warm_up_kernels"]


def kernel_modules():
    """The kernel modules of this package, imported, sorted by name.

    Returns
    -------
    modules : list of module
        Every (non-package) module in ``lrsparse/_kernels/``.
    """
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
        if not info.ispkg
    ]


def warm_up_kernels(strict=False):
    """Compile (or load from the disk cache) every kernel: call each module's ``_warm_up()``.

    Parameters
    ----------
    strict : bool, default=False
        If True, a kernel module without a ``_warm_up`` function raises
        ``AttributeError``; otherwise it is skipped.

    Returns
    -------
    warmed : list of str
        Names of the kernel modules whose ``_warm_up`` ran.
    """
    warmed = []
    for module in kernel_modules():
        warm_up = getattr(module, "_warm_up", None)
        if warm_up is None:
            if strict:
                raise AttributeError(f"{module.__name__} defines no _warm_up()")
            continue
        warm_up()
        warmed.append(module.__name__.rsplit(".", 1)[-1])
    return warmed
