"""Node and co-occurrence embeddings."""

from ._fastrp import FastRP

__all__ = ["FastRP"]
