"""Metrics with known ground truth: subspace distances, embedding quality, unmixing, ...

Also a held-out scorer for matrix completion.

Also word-embedding helpers: nearest neighbours of a word and word-similarity evaluation.
"""

from ._completion import make_completion_scorer
from ._embedding import node_classification_score
from ._graph import edge_f1
from ._robust import captured_variance_ratio, relative_error, trimmed_variance
from ._subspace import principal_angles, subspace_distance
from ._unmixing import (
    abundance_rmse,
    abundance_scorer,
    match_components,
    rescale_abundances,
    spectral_angle_distance,
)
from ._words import load_word_similarity_pairs, nearest_words, word_similarity_score

__all__ = [
    "abundance_rmse",
    "abundance_scorer",
    "captured_variance_ratio",
    "edge_f1",
    "load_word_similarity_pairs",
    "make_completion_scorer",
    "match_components",
    "nearest_words",
    "node_classification_score",
    "principal_angles",
    "relative_error",
    "rescale_abundances",
    "spectral_angle_distance",
    "subspace_distance",
    "trimmed_variance",
    "word_similarity_score",
]
