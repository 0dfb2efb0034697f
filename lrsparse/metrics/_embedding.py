"""Evaluation of node embeddings."""

import numbers

from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array, column_or_1d

from ..utils._sklearn import Interval, validate_params

__all__ = ["node_classification_score"]


@validate_params(
    {
        "embedding": ["array-like"],
        "labels": ["array-like"],
        "train_size": [Interval(numbers.Real, 0, 1, closed="neither")],
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def node_classification_score(embedding, labels, *, train_size=0.5, C=1.0, random_state=None):
    """Micro- and macro-F1 of node classification from an embedding.

    The evaluation protocol of DeepWalk and FastRP: a one-vs-rest logistic
    regression is trained on a stratified random ``train_size`` fraction of
    the labelled nodes and scored on the rest.

    Parameters
    ----------
    embedding : array-like of shape (n_nodes, n_components)
        One row per node, e.g. :attr:`FastRP.embedding_
        <lrsparse.embedding.FastRP>`.
    labels : array-like of shape (n_nodes,)
        Class of each node.
    train_size : float in (0, 1), default=0.5
        Fraction of the nodes used to train the classifier (stratified).
    C : float > 0, default=1.0
        Inverse regularisation strength of the logistic regression.
    random_state : int, RandomState instance or None, default=None
        Seed of the split.

    Returns
    -------
    scores : dict
        ``{"micro_f1": float, "macro_f1": float}``.

    References
    ----------
    .. [1] B. Perozzi, R. Al-Rfou and S. Skiena, "DeepWalk: online learning of
       social representations", KDD 2014.

    Examples
    --------
    >>> from lrsparse.datasets import make_sbm_graph
    >>> from lrsparse.embedding import fastrp_embedding
    >>> from lrsparse.metrics import node_classification_score
    >>> A, y = make_sbm_graph(300, 3, p_in=0.1, p_out=0.005, random_state=0)
    >>> E = fastrp_embedding(A, n_components=16, random_state=0)
    >>> scores = node_classification_score(E, y, random_state=0)
    >>> sorted(scores), scores["micro_f1"] > 0.9
    (['macro_f1', 'micro_f1'], True)
    """
    E = check_array(embedding, input_name="embedding")
    y = column_or_1d(labels)
    if y.shape[0] != E.shape[0]:
        raise ValueError(
            f"labels must have one entry per node: embedding has {E.shape[0]} rows, "
            f"labels has {y.shape[0]} entries."
        )
    E_tr, E_te, y_tr, y_te = train_test_split(
        E, y, train_size=train_size, stratify=y, random_state=random_state
    )
    clf = LogisticRegression(C=C, max_iter=1000).fit(E_tr, y_tr)
    pred = clf.predict(E_te)
    return {
        "micro_f1": float(f1_score(y_te, pred, average="micro")),
        "macro_f1": float(f1_score(y_te, pred, average="macro")),
    }
