"""Features from text: word-word co-occurrence matrices (named after ``sklearn.feature_extraction``)."""

from ._cooccurrence import CooccurrenceVectorizer

__all__ = ["CooccurrenceVectorizer"]
