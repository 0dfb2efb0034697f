"""Node and co-occurrence embeddings."""

from ._fastrp import FastRP, fastrp_embedding

__all__ = ["FastRP", "fastrp_embedding"]
