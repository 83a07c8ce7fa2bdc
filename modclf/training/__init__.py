"""Training and evaluation: the trainer (train, scoring), quality floors, metrics, model cards,
plots, threshold tables, and the built-in training sources (sources).

Needs the `train` extra for some of its parts; the core (modclf.api, modclf.score, ...) never
imports this package.
"""
