"""Features from text: word-word co-occurrence matrices (as ``sklearn.feature_extraction``)."""

from ._cooccurrence import CooccurrenceVectorizer

__all__ = ["CooccurrenceVectorizer"]
