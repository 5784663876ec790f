"""Approvals in SOP order, recorded in git (DESIGN sections 3 and 4).

- :mod:`pipeline.approvals.records`: approval records (empty commits with ``Warta-*`` trailers) read from
  one pass over history.
- :mod:`pipeline.approvals.chain`: the pure evaluation of one item's records against its SOP; every rule
  of DESIGN section 4 and every reason a record did not count.
- :mod:`pipeline.approvals.governance`: rule 8, changes to ``sop/`` and ``warta.yml`` after the trusted
  root commit.
- :mod:`pipeline.approvals.signing`: fingerprints, the allowed-signers file, the signing setup and the
  signature cache.
- :mod:`pipeline.approvals.service`: the I/O glue; :func:`~pipeline.approvals.service.evaluate_repository`
  is the entry point for commands (status, verify, publish) and
  :func:`~pipeline.approvals.service.record_decision` writes a record.
"""
