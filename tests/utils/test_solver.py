"""lrsparse.utils._solver helpers not covered by the estimators' tests."""


def test_serial_blas_limits_and_restores():
    from threadpoolctl import threadpool_info

    from lrsparse.utils._solver import serial_blas

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    with serial_blas():
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before
    with serial_blas(enabled=False):
        assert blas_threads() == before
