"""Answer kinds that live in their own module (one file per kind; the older kinds are still in qa/answering.py)."""
