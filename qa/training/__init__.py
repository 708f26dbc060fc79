"""Scripts that fit the shipped models in qa/data/ from labelled reports (need the `[train]` extra)."""
