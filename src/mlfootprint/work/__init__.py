"""The work side of the ledger: FLOPs, samples, tokens, requests, quality metrics, prediction, budgets.

Submodules are imported where used; this package imports nothing at import time.
"""
