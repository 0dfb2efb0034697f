import numpy as np
import pytest

from lrsparse.metrics import node_classification_score


def test_separable_embedding_scores_one(rng):
    y = np.repeat([0, 1, 2], 40)
    E = np.eye(3)[y] * 5 + 0.01 * rng.standard_normal((120, 3))
    s = node_classification_score(E, y, random_state=0)
    assert s["micro_f1"] == 1.0 and s["macro_f1"] == 1.0


def test_random_embedding_scores_near_chance(rng):
    y = np.repeat([0, 1], 200)
    s = node_classification_score(rng.standard_normal((400, 5)), y, random_state=0)
    assert 0.3 < s["micro_f1"] < 0.7


def test_length_mismatch():
    with pytest.raises(ValueError, match="one entry per node"):
        node_classification_score(np.ones((4, 2)), [0, 1, 0])
