"""Node and co-occurrence embeddings: FastRP (graphs) and Swivel (co-occurrence counts)."""

from ._fastrp import FastRP, fastrp_embedding
from ._swivel import Swivel, swivel_embedding

__all__ = ["FastRP", "Swivel", "fastrp_embedding", "swivel_embedding"]
