import numpy as np
import pytest
import scipy.sparse as sp

from lrsparse._kernels.randproj import very_sparse_random_projection


def test_seeded_and_reproducible():
    R1 = very_sparse_random_projection(500, 32, seed=7)
    R2 = very_sparse_random_projection(500, 32, seed=7)
    R3 = very_sparse_random_projection(500, 32, seed=8)
    assert sp.issparse(R1) and R1.format == "csr" and R1.shape == (500, 32)
    assert (R1 != R2).nnz == 0
    assert (R1 != R3).nnz > 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_density_and_scale(dtype):
    n, d = 4000, 64
    R = very_sparse_random_projection(n, d, seed=0, dtype=dtype)
    assert R.dtype == dtype
    s = np.sqrt(n)  # default density 1 / sqrt(n)
    np.testing.assert_allclose(np.unique(np.abs(R.data)), np.sqrt(s / d), rtol=1e-6)
    # nnz ~ Binomial(n d, 1/s): within 5 standard deviations.
    mean = n * d / s
    assert abs(R.nnz - mean) < 5 * np.sqrt(mean)
    # Signs are balanced and rows have distinct, sorted columns.
    assert abs(np.mean(R.data > 0) - 0.5) < 0.05
    for i in range(0, n, 97):
        cols = R.indices[R.indptr[i]:R.indptr[i + 1]]
        assert np.all(np.diff(cols) > 0)
    # Norms preserved in expectation: E ||x R||^2 = ||x||^2.
    X = np.random.default_rng(0).standard_normal((200, n))
    ratio = np.linalg.norm(X @ R.toarray(), axis=1) ** 2 / np.linalg.norm(X, axis=1) ** 2
    assert abs(ratio.mean() - 1) < 0.1


def test_given_density_and_columns_uniform():
    R = very_sparse_random_projection(3000, 10, density=1 / 3, seed=1)
    counts = np.bincount(R.indices, minlength=10)
    expected = 3000 / 3
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))
    assert abs(R.nnz / 30000 - 1 / 3) < 0.02


def test_full_density_and_edge_shapes():
    R = very_sparse_random_projection(5, 4, density=1.0, seed=0)
    assert R.nnz == 20
    assert very_sparse_random_projection(0, 4, seed=0).shape == (0, 4)
    assert very_sparse_random_projection(3, 1, seed=0).shape == (3, 1)


def test_bad_density():
    with pytest.raises(ValueError, match="density"):
        very_sparse_random_projection(5, 4, density=0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(density=1.5), "density"),
        (dict(density=np.nan), "density"),
        (dict(density="auto"), "density"),
        (dict(n_rows=-1), "n_rows"),
        (dict(n_cols=2.5), "n_cols"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, match):
    args = dict(n_rows=5, n_cols=4) | kwargs
    with pytest.raises(ValueError, match=match):
        very_sparse_random_projection(args.pop("n_rows"), args.pop("n_cols"), **args)


def test_warm_up_and_dtypes():
    from lrsparse._kernels.randproj import _warm_up, sparse_sign_pattern

    _warm_up()
    assert len(sparse_sign_pattern.signatures) >= 1
    R32 = very_sparse_random_projection(50, 6, seed=3, dtype=np.float32)
    R64 = very_sparse_random_projection(50, 6, seed=3)
    assert R32.dtype == np.float32 and R32.indices.dtype == np.int32
    np.testing.assert_allclose(R32.toarray(), R64.toarray(), rtol=1e-6)
