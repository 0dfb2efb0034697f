"""FastRP node embeddings (Chen et al., CIKM 2019).

The solver is :func:`fastrp_embedding` (public, like scikit-learn's
``spectral_embedding``: one call embeds a graph) over the private
:func:`_fastrp`, which takes validated arrays and returns arrays; the
estimator :class:`FastRP` validates, calls :func:`_fastrp` and keeps what
``transform`` needs.  Kernels: :mod:`lrsparse._kernels.randproj` (``R``),
:mod:`lrsparse._kernels.sampled` (sparse products),
:mod:`lrsparse._kernels.rows` (normalised merge of the iterates).
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils._solver import data_scale
from ..utils._sklearn import Interval, StrOptions, _fit_context, validate_data, validate_params
from ..utils.validation import check_adjacency, check_node_indices

__all__ = ["FastRP", "fastrp_embedding"]

_DEFAULT_WEIGHTS = (0.0, 0.0, 1.0, 6.67)

# The parameters of the method, shared by the estimator and the function.
_FASTRP_CONSTRAINTS = {
    "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
    "iteration_weights": ["array-like"],
    # Open intervals without bounds: any finite float, never inf or NaN.
    "normalization_strength": [Interval(numbers.Real, None, None, closed="neither")],
    "self_influence": [Interval(numbers.Real, None, None, closed="neither")],
    "normalize_iterations": ["boolean"],
    "standardize": ["boolean"],
    "density": [StrOptions({"auto"}), Interval(numbers.Real, 0, 1, closed="right")],
    "random_state": ["random_state"],
    "n_jobs": [None, numbers.Integral],
}


class FastRP(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Fast Random Projection node embeddings.

    FastRP embeds the nodes of a graph with adjacency ``S`` by projecting the
    node similarity matrix ``sum_i alpha_i A^i L`` onto a very sparse random
    matrix ``R``, without forming it:

    * ``A = D^-1 S`` is the transition matrix (``D`` = weighted out-degrees),
    * ``L = diag(d^beta)`` down-weights high-degree nodes when ``beta < 0``;
      the degrees ``d`` are measured in units of the largest edge weight
      (for an unweighted graph: the paper's degrees), so the embedding does
      not change when every edge weight is multiplied by one factor,
    * ``N_1 = A L R`` and ``N_i = A N_{i-1}``; the embedding is
      ``sum_i alpha_i N_i``, each ``N_i`` row-l2-normalised first when
      ``normalize_iterations`` (as in the authors' code), then every column
      standardised when ``standardize``.

    Parameter names and the paper's symbols [1]_: ``n_components`` = ``d``,
    ``iteration_weights`` = ``(alpha_1, ..., alpha_k)`` (``k`` = its length),
    ``normalization_strength`` = ``beta``, ``self_influence`` = ``alpha_0``,
    ``density`` = ``1 / s`` (Li et al.'s sparsity ``s`` [2]_),
    ``random_projection_`` = ``R``.

    Cost O(nnz(S) * n_components * len(iteration_weights)), memory
    O(nnz(S) + n_nodes * n_components); the n x n similarity matrix is never
    formed.  Propagation runs in parallel numba kernels (``n_jobs``).

    **How the graph meets scikit-learn's API.**  FastRP is transductive: it
    embeds the nodes of one graph.  It takes the graph in one of two ways.

    * ``graph=None`` (default): ``X`` is the adjacency matrix
      ``(n_nodes, n_nodes)`` and ``fit_transform(X)`` returns the embedding
      of every node.  The estimator is *pairwise*, like
      ``SVC(kernel="precomputed")``: inside ``cross_val_score`` or
      ``GridSearchCV`` the training fold is the subgraph
      ``X[train][:, train]`` and ``transform`` receives the held-out nodes'
      edges to the training nodes, ``X[test][:, train]``.  ``transform(X_new)``
      folds such rows in: a held-out node is propagated from the fitted
      iterates exactly as a fitted node is, so ``transform`` of the training
      adjacency equals ``fit_transform`` (when ``self_influence=0``).  This
      is the inductive protocol: held-out nodes are never seen in ``fit``.
    * ``graph=S``: the transductive protocol of the FastRP and DeepWalk
      papers.  ``X`` is a column of node indices ``(n_samples, 1)``; ``fit``
      embeds the whole graph (structure only, never the labels) and
      ``transform(X)`` returns the rows of the embedding for those nodes.  Put
      ``FastRP(graph=S)`` first in a ``Pipeline`` and cross-validate over
      ``np.arange(n_nodes)[:, None]`` and the node labels.

    The computation is :func:`fastrp_embedding`; the estimator adds
    ``transform`` and the scikit-learn API.  Read more in the
    :ref:`User Guide <fastrp>`.

    Parameters
    ----------
    n_components : int >= 1, default=128
        Embedding dimension ``d``.
    iteration_weights : array-like of finite floats, default=(0.0, 0.0, 1.0, 6.67)
        Weights ``alpha_1, ..., alpha_k`` of the powers ``A^1 ... A^k``; its
        length is the number of propagation steps.  The default is the
        authors' tuned BlogCatalog setting (their notebook): higher powers,
        which see a node's wider neighbourhood, dominate.
    normalization_strength : float, default=-0.64
        ``beta`` in ``L = diag(d^beta)``, usually in ``[-1, 0]``; negative
        values down-weight hubs.  The default is the authors' tuned
        BlogCatalog value (they search ``[-1, 0]``), chosen together with the
        default ``iteration_weights``.  On graphs with near-uniform degrees,
        such as stochastic block models, it hardly matters.  Degrees are in
        units of the largest edge weight, and nodes without out-edges get
        ``L_jj = 1`` (weighted as if their degree were that unit; for an
        unweighted graph, 1, as in the authors' code).  Any finite float;
        a value so large that ``d^beta`` overflows is a ``ValueError``.
    self_influence : float, default=0.0
        Weight ``alpha_0`` of each node's own initial vector ``L R`` (Neo4j
        GDS's ``nodeSelfInfluence``).  Held-out nodes folded in by
        ``transform`` have no initial vector, so this term is absent for them.
    normalize_iterations : bool, default=True
        Whether to l2-normalise the rows of each ``N_i`` (and of ``L R`` for
        ``self_influence``) before the weighted sum, as the authors' code
        does.  Zero rows (nodes without out-edges) stay zero.
    standardize : bool, default=True
        Standardise each embedding column to zero mean and unit variance over
        the fitted nodes (the authors' final ``sklearn.preprocessing.scale``);
        ``transform`` applies the fitted ``mean_`` and ``scale_``.
    density : "auto" or float in (0, 1], default="auto"
        Probability of a nonzero entry of ``R``.  ``"auto"`` is Li et al.'s
        very sparse choice ``1 / sqrt(n_nodes)``, as in the paper.
    graph : {array-like, sparse matrix} of shape (n_nodes, n_nodes), default=None
        The graph for the transductive mode (see above).  ``None`` means
        ``X`` is the adjacency matrix.  Sparse graphs may be scipy sparse
        matrices or arrays, CSR, CSC or COO, with int32 or int64 indices (as
        ``networkx.to_scipy_sparse_array`` returns).
    random_state : int, RandomState instance or None, default=None
        Seed of the random projection ``R``; the same seed gives the same
        embedding whatever ``n_jobs``.
    n_jobs : int, default=None
        Numba threads for the propagation.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all CPUs.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_nodes, n_components)
        Embedding of every node of the fitted graph (standardised when
        ``standardize``); dtype float32 for a float32 graph, else float64.
    random_projection_ : scipy.sparse.csr_array of shape (n_nodes, n_components)
        The very sparse random matrix ``R`` that was used.
    mean_ : ndarray of shape (n_components,) or None
        Column means removed by the standardisation (None if not standardised).
    scale_ : ndarray of shape (n_components,) or None
        Column standard deviations (1 where a column is constant).
    n_features_in_ : int
        ``n_nodes`` when ``graph`` is None, else 1.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    fastrp_embedding : The same embedding as a function.
    sklearn.manifold.SpectralEmbedding : Laplacian eigenmaps of an affinity matrix.
    sklearn.random_projection.SparseRandomProjection : The projection alone.

    References
    ----------
    .. [1] H. Chen, S. F. Sultan, Y. Tian, M. Chen and S. Skiena, "Fast and
       Accurate Network Embeddings via Very Sparse Random Projection", CIKM
       2019, arXiv:1908.11512.  Authors' code: github.com/GTmac/FastRP.
    .. [2] P. Li, T. J. Hastie and K. W. Church, "Very sparse random
       projections", KDD 2006.

    Examples
    --------
    >>> from lrsparse.datasets import make_sbm_graph
    >>> from lrsparse.embedding import FastRP
    >>> A, y = make_sbm_graph(300, 3, p_in=0.1, p_out=0.005, random_state=0)
    >>> E = FastRP(n_components=16, random_state=0).fit_transform(A)
    >>> E.shape
    (300, 16)

    A networkx graph (its sparse array has int64 indices):

    >>> import networkx as nx
    >>> S = nx.to_scipy_sparse_array(nx.karate_club_graph())
    >>> FastRP(n_components=8, random_state=0).fit_transform(S).shape
    (34, 8)
    """

    _parameter_constraints = {
        **_FASTRP_CONSTRAINTS,
        "graph": [None, "array-like", "sparse matrix"],
    }

    def __init__(
        self,
        n_components=128,
        *,
        iteration_weights=_DEFAULT_WEIGHTS,
        normalization_strength=-0.64,
        self_influence=0.0,
        normalize_iterations=True,
        standardize=True,
        density="auto",
        graph=None,
        random_state=None,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.iteration_weights = iteration_weights
        self.normalization_strength = normalization_strength
        self.self_influence = self_influence
        self.normalize_iterations = normalize_iterations
        self.standardize = standardize
        self.density = density
        self.graph = graph
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Embed the nodes of the graph.

        Parameters
        ----------
        X : {array-like, sparse matrix}
            The adjacency matrix, shape (n_nodes, n_nodes), when ``graph`` is
            None (scipy sparse matrix or array, CSR, CSC or COO, int32 or
            int64 indices); otherwise node indices of shape (n_samples, 1),
            which are only validated (every node of ``graph`` is embedded).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Embed the nodes of the graph and return the embedding.

        Parameters
        ----------
        X : {array-like, sparse matrix}
            As in :meth:`fit`.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
            ``embedding_`` when ``graph`` is None, else its rows ``X[:, 0]``.
        """
        ids = self._fit(X)
        return self.embedding_ if ids is None else self.embedding_[ids]

    def _fit(self, X):
        weights = _check_iteration_weights(self.iteration_weights)
        if self.graph is None:
            X = validate_data(
                self,
                X,
                accept_sparse=("csr", "csc", "coo"),
                dtype=(np.float64, np.float32),
                accept_large_sparse=True,
            )
            A = check_adjacency(X, input_name="X")
            input_name, ids = "X", None
        else:
            A = check_adjacency(self.graph, input_name="graph")
            X = validate_data(self, X, dtype=None, ensure_min_features=1)
            input_name, ids = "graph", check_node_indices(X, A.shape[0], input_name="X")

        R = _random_projection(A.shape[0], self.n_components, self.density,
                               self.random_state, A.dtype)
        embedding, mean, scale, transition, degree_scaling = _fastrp(
            A,
            R,
            weights,
            normalization_strength=self.normalization_strength,
            self_influence=self.self_influence,
            normalize_iterations=self.normalize_iterations,
            standardize=self.standardize,
            n_jobs=self.n_jobs,
            input_name=input_name,
        )
        self.random_projection_ = R
        self.embedding_, self.mean_, self.scale_ = embedding, mean, scale
        self._transition, self._degree_scaling = transition, degree_scaling
        return ids

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """Embed nodes with the fitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix}
            When ``graph`` is None: adjacency rows of the nodes to embed
            against the fitted nodes, shape (n_queries, n_nodes); ``X[i, j]``
            is the weight of the edge from query ``i`` to fitted node ``j``.
            Otherwise: node indices of shape (n_samples, 1).

        Returns
        -------
        embedding : ndarray of shape (n_queries, n_components)
            Folded-in embedding of the query rows (graph None) or rows of
            ``embedding_`` (graph given).
        """
        check_is_fitted(self)
        if self.graph is not None:
            X = validate_data(self, X, dtype=None, reset=False)
            return self.embedding_[check_node_indices(X, self.embedding_.shape[0])]
        X = validate_data(
            self,
            X,
            accept_sparse=("csr", "csc", "coo"),
            dtype=(np.float64, np.float32),
            accept_large_sparse=True,
            reset=False,
        )
        Q = check_adjacency(X, input_name="X", square=False)
        data_scale(Q, input_name="X")  # a clear error for subnormal weights
        # Each query row is divided by its own degree, after its own largest
        # weight: no unit matters, and a row's result does not depend on the
        # other rows of the batch (not even in rounding).
        queries, _ = _transition_matrix(Q.astype(self.embedding_.dtype, copy=False),
                                        _row_max(Q))
        embedding = _propagate(
            self._transition,
            _initial_vectors(self.random_projection_, self._degree_scaling),
            _check_iteration_weights(self.iteration_weights),
            initial_weight=0.0,
            normalize=self.normalize_iterations,
            queries=queries,
            n_jobs=self.n_jobs,
        )
        if self.standardize:
            embedding = (embedding - self.mean_) / self.scale_
        return embedding

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.pairwise = self.graph is None
        tags.input_tags.positive_only = self.graph is None
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# Iterates with fewer nonzeros than this fraction stay in CSR for the next
# product (a CSR x CSR product into a dense result); denser ones go dense.
# Measured at 100k nodes, d=128: the CSR product's three dependent loads per
# edge make it slower than the dense gather above ~10% density.
_SPARSE_ITERATE_DENSITY = 0.05


def _sparse_if_sparse(N):
    if np.count_nonzero(N) < _SPARSE_ITERATE_DENSITY * N.size:
        return sp.csr_array(N)
    return N


def _matmul(M, N):
    """``M @ N`` as a dense array for a CSR ``M`` and a CSR or dense ``N``."""
    from .._kernels.sampled import csr_csr_matmul_dense, csr_dense_matmul

    if sp.issparse(N):
        return csr_csr_matmul_dense(
            M.indptr, M.indices, M.data, N.indptr, N.indices, N.data, N.shape[1]
        )
    return csr_dense_matmul(M.indptr, M.indices, M.data, N)


def _transition_matrix(A, scale):
    """``D^-1 A`` (rows without weight stay zero) and the out-degrees of ``A / scale``.

    ``scale`` (the largest edge weight, :func:`~lrsparse.utils._solver.data_scale`,
    or one scale per row) sets the unit of the degrees, so that they neither
    overflow nor underflow and do not depend on the unit of the weights; the
    transition matrix does not depend on it.
    """
    counts = np.diff(A.indptr)
    if np.ndim(scale):
        data = A.data / np.repeat(scale, counts).astype(A.dtype, copy=False)
    else:
        data = A.data / A.dtype.type(scale)
    degree = np.bincount(
        np.repeat(np.arange(A.shape[0]), counts), weights=data, minlength=A.shape[0]
    ).astype(A.dtype, copy=False)
    inv = np.zeros_like(degree)
    np.divide(1.0, degree, out=inv, where=degree > 0)
    data *= np.repeat(inv, counts)
    return sp.csr_array((data, A.indices, A.indptr), shape=A.shape), degree


def _row_max(A):
    """Largest stored value of each row of a CSR matrix (1 for rows without one)."""
    counts = np.diff(A.indptr)
    out = np.ones(A.shape[0], dtype=np.float64)
    nonempty = counts > 0
    if A.nnz:
        out[nonempty] = np.maximum.reduceat(A.data, A.indptr[:-1][nonempty])
    out[out == 0] = 1.0
    return out


def _degree_scaling(degree, beta, dtype):
    """``L = diag(d^beta)`` (1 for nodes without out-edges); ValueError where it overflows."""
    scaling = np.ones(degree.shape[0], dtype=np.float64)
    has_edges = degree > 0
    with np.errstate(over="ignore", divide="ignore"):
        scaling[has_edges] = degree[has_edges].astype(np.float64) ** beta
        scaling = scaling.astype(dtype)
    if not np.all(np.isfinite(scaling) & (scaling > 0)):
        raise ValueError(
            f"normalization_strength={beta!r} is too large in magnitude for this graph: the "
            f"degree weights d**beta leave the range of {np.dtype(dtype).name} (degrees in "
            f"units of the largest edge weight range from {degree[has_edges].min():.3g} to "
            f"{degree.max():.3g}). Use a value in [-1, 0] as the paper does."
        )
    return scaling


def _check_iteration_weights(iteration_weights):
    """``iteration_weights`` as a 1-D float64 array, or a ValueError naming it."""
    w = (np.asarray(iteration_weights, dtype=np.float64)
         if np.ndim(iteration_weights) == 1 else None)
    if w is None or w.size == 0 or not np.all(np.isfinite(w)):
        raise ValueError(
            "iteration_weights must be a non-empty 1-D sequence of finite numbers; "
            f"got {iteration_weights!r}."
        )
    return w


def _random_projection(n_nodes, n_components, density, random_state, dtype):
    """The very sparse ``R`` of FastRP, seeded from ``random_state``."""
    from .._kernels.randproj import very_sparse_random_projection

    density = 1.0 / np.sqrt(max(n_nodes, 1)) if density == "auto" else density
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return very_sparse_random_projection(
        n_nodes, n_components, density=density, seed=seed, dtype=dtype
    )


def _initial_vectors(R, degree_scaling):
    """``L R`` as CSR: each row of ``R`` scaled by its node's ``d^beta``."""
    data = R.data * np.repeat(degree_scaling, np.diff(R.indptr))
    return sp.csr_array((data, R.indices, R.indptr), shape=R.shape)


def _propagate(transition, initial, weights, *, initial_weight, normalize, queries=None,
               n_jobs=None):
    """Run the propagation; return the embedding of the graph's nodes or of ``queries``.

    ``sum_i alpha_i nu(N_i)`` (plus ``alpha_0 nu(L R)``) with ``N_1 =
    transition @ initial`` and ``N_i = transition @ N_{i-1}``; ``nu``
    normalises rows when ``normalize``.  With ``queries`` (a CSR of query
    rows against the graph's nodes, rows already divided by their degree)
    every step of the fitted graph is mirrored for the queries,
    ``Q_i = Aq N_{i-1}``, and only ``sum_i alpha_i nu(Q_i)`` is accumulated.

    ``L R`` is very sparse (about ``d / sqrt(n)`` nonzeros a row), so the
    first iterates touch few of the ``d`` columns: they stay in CSR while
    sparse and the products cost O(nnz(A) * nnz per row) instead of
    O(nnz(A) * d).
    """
    from .._kernels.rows import add_weighted_rows
    from ..utils._numba import numba_threads

    normalize = bool(normalize)
    target = transition if queries is None else queries
    last = len(weights) - 1
    with numba_threads(n_jobs):
        acc = np.zeros((target.shape[0], initial.shape[1]), dtype=initial.dtype)
        if queries is None and initial_weight != 0:
            acc = add_weighted_rows(acc, initial.toarray(), initial_weight, normalize)
        current = initial
        for step, weight in enumerate(weights):
            if queries is not None and weight != 0:
                acc = add_weighted_rows(acc, _matmul(queries, current), weight, normalize)
            if queries is not None and step == last:
                break
            product = _matmul(transition, current)
            if queries is None and weight != 0:
                acc = add_weighted_rows(acc, product, weight, normalize)
            if step < last:
                current = _sparse_if_sparse(product) if sp.issparse(current) else product
    return acc


def _standardize(embedding):
    """Columns to zero mean and unit variance; return them, the means and the scales."""
    mean = embedding.mean(axis=0)
    std = embedding.std(axis=0)
    scale = np.where(std > 0, std, 1.0).astype(embedding.dtype)
    return (embedding - mean) / scale, mean, scale


def _fastrp(A, R, weights, *, normalization_strength, self_influence, normalize_iterations,
            standardize, n_jobs=None, input_name="adjacency"):
    """FastRP of a validated graph: the solver behind :class:`FastRP` and :func:`fastrp_embedding`.

    Parameters
    ----------
    A : scipy.sparse.csr_array of shape (n_nodes, n_nodes)
        Nonnegative adjacency with int32 indices (:func:`check_adjacency`).
    R : scipy.sparse.csr_array of shape (n_nodes, n_components)
        The random projection, in ``A``'s dtype.
    weights : ndarray of shape (k,)
        ``alpha_1 ... alpha_k``.
    normalization_strength, self_influence, normalize_iterations, standardize, n_jobs
        As in :class:`FastRP`.
    input_name : str
        Name of ``A`` in error messages.

    Returns
    -------
    embedding : ndarray of shape (n_nodes, n_components)
    mean, scale : ndarray of shape (n_components,) or None
        The standardisation (None when not ``standardize``).
    transition : scipy.sparse.csr_array
        ``D^-1 A``, for folding in new nodes.
    degree_scaling : ndarray of shape (n_nodes,)
        The diagonal of ``L``, degrees in units of the largest edge weight.
    """
    transition, degree = _transition_matrix(A, data_scale(A, input_name=input_name))
    degree_scaling = _degree_scaling(degree, normalization_strength, A.dtype)
    embedding = _propagate(
        transition,
        _initial_vectors(R, degree_scaling),
        weights,
        initial_weight=self_influence,
        normalize=normalize_iterations,
        n_jobs=n_jobs,
    )
    mean = scale = None
    if standardize:
        embedding, mean, scale = _standardize(embedding)
    return embedding, mean, scale, transition, degree_scaling


@validate_params(
    {"adjacency": ["array-like", "sparse matrix"], **_FASTRP_CONSTRAINTS,
     "return_projection": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def fastrp_embedding(
    adjacency,
    *,
    n_components=128,
    iteration_weights=_DEFAULT_WEIGHTS,
    normalization_strength=-0.64,
    self_influence=0.0,
    normalize_iterations=True,
    standardize=True,
    density="auto",
    random_state=None,
    n_jobs=None,
    return_projection=False,
):
    """FastRP embedding of every node of a graph (the function behind :class:`FastRP`).

    One call embeds one graph, as :func:`sklearn.manifold.spectral_embedding`
    does: use it when no ``transform`` of new nodes and no pipeline is
    needed.  The result equals ``FastRP(...).fit_transform(adjacency)`` with
    the same parameters; see :class:`FastRP` for the method and the mapping
    of the parameters to the paper's symbols.

    Parameters
    ----------
    adjacency : {array-like, sparse matrix} of shape (n_nodes, n_nodes)
        Nonnegative, possibly weighted and directed adjacency ``S``; scipy
        sparse matrix or array (CSR, CSC or COO, int32 or int64 indices) or
        dense.  Not modified.
    n_components : int >= 1, default=128
        Embedding dimension ``d``.
    iteration_weights : array-like of float, default=(0.0, 0.0, 1.0, 6.67)
        ``alpha_1, ..., alpha_k``.
    normalization_strength : float, default=-0.64
        ``beta``.
    self_influence : float, default=0.0
        ``alpha_0``.
    normalize_iterations : bool, default=True
        Whether to l2-normalise the rows of each iterate before the weighted sum.
    standardize : bool, default=True
        Standardise each embedding column.
    density : "auto" or float in (0, 1], default="auto"
        ``1 / s``, the probability of a nonzero entry of ``R``.
    random_state : int, RandomState instance or None, default=None
        Seed of ``R``.
    n_jobs : int, default=None
        Numba threads (``None``: 1, ``-1``: all CPUs).
    return_projection : bool, default=False
        Also return ``R``.

    Returns
    -------
    embedding : ndarray of shape (n_nodes, n_components)
        The embedding; float32 for a float32 adjacency, else float64.
    random_projection : scipy.sparse.csr_array of shape (n_nodes, n_components)
        ``R``; only when ``return_projection``.

    See Also
    --------
    FastRP : The estimator (``transform`` folds in new nodes; pipelines, grid search).

    References
    ----------
    .. [1] H. Chen, S. F. Sultan, Y. Tian, M. Chen and S. Skiena, "Fast and
       Accurate Network Embeddings via Very Sparse Random Projection", CIKM
       2019, arXiv:1908.11512.

    Examples
    --------
    >>> import networkx as nx
    >>> from lrsparse.embedding import FastRP, fastrp_embedding
    >>> S = nx.to_scipy_sparse_array(nx.karate_club_graph())  # int64 indices
    >>> E = fastrp_embedding(S, n_components=8, random_state=0)
    >>> E.shape
    (34, 8)
    >>> bool((E == FastRP(n_components=8, random_state=0).fit_transform(S)).all())
    True
    """
    A = check_adjacency(adjacency, input_name="adjacency")
    weights = _check_iteration_weights(iteration_weights)
    R = _random_projection(A.shape[0], n_components, density, random_state, A.dtype)
    embedding = _fastrp(
        A,
        R,
        weights,
        normalization_strength=normalization_strength,
        self_influence=self_influence,
        normalize_iterations=normalize_iterations,
        standardize=standardize,
        n_jobs=n_jobs,
        input_name="adjacency",
    )[0]
    return (embedding, R) if return_projection else embedding
