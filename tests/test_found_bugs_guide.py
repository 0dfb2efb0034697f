"""Bugs found by the "guide" helper (issue 14) in files it does not own.

Each test states the documented behaviour it checks and fails until the
code (or the documentation) is fixed.
"""

import numpy as np

from lrsparse.datasets import make_hyperspectral


def test_find_endmembers_dark_pixel_threshold_matches_its_docstring():
    # find_endmembers' Notes: "Pixels far darker than the mean pixel (below a
    # tenth of its brightness) keep their scale in the perspective
    # projection".  So a pixel at 0.3 of its brightness (above a tenth) is
    # projected like the bright original: the perspective projection divides
    # out a pixel's scale.  The code's threshold is _DARK = 0.5 (a half), so
    # such a pixel keeps 0.3 / 0.5 = 60% of its projected length instead.
    # Fix either the constant or the docstring (and the comment above it).
    from lrsparse.decomposition._endmembers import _signal_projection

    X, _, _ = make_hyperspectral((20, 20), 3, 40, snr_db=None, random_state=0)
    dark = X.copy()
    dark[0] *= 0.3
    Y = _signal_projection(X, 3)
    Y_dark = _signal_projection(dark, 3)
    ratio = np.linalg.norm(Y_dark[0]) / np.linalg.norm(Y[0])
    assert abs(ratio - 1.0) < 0.05, (
        f"a pixel at 0.3 of its brightness is projected at {ratio:.2f} of the bright "
        "pixel's length; the docstring says only pixels below a tenth keep their scale"
    )
