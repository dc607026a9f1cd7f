"""Studies: experiments that use mlfootprint exactly as a researcher's script would.

A study imports only the public API (``mlfootprint.track``, the run ledger through ``mlfootprint.store``,
the report formatting helpers) and stores every run it makes in the ledger under one study id, so
``mlfootprint summary --by tag:study`` and the reports see them like any other run.

* ``compression``: what knowledge distillation, pruning and the lottery ticket save at inference, against
  what they cost to obtain (``mlfootprint study compression``).
"""
