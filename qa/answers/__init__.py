"""One module per answer kind, each a function (composer, plan, documents) -> Answer; qa/answering.py routes."""
