"""Approvals in SOP order, recorded in git (DESIGN sections 3 and 4).

- :mod:`pipeline.approvals.records`: approval records (empty commits with ``Warta-*`` trailers).
- :mod:`pipeline.approvals.chain`: the pure evaluation of one item's records against its SOP; every rule
  of DESIGN section 4 and every reason a record did not count.
- :mod:`pipeline.approvals.governance`: rule 8, changes to ``sop/`` and ``warta.yml`` after the trusted
  root commit.
- :mod:`pipeline.approvals.signing`: fingerprints, the allowed-signers file, the signing setup and the
  signature cache.
- :mod:`pipeline.approvals.history`: the index of main's history (graph, records, who changed what).
- :mod:`pipeline.approvals.mainbranch`: which branch is main.
- :mod:`pipeline.approvals.revisions`: an item's references and digest at a revision, and their cache.
- :mod:`pipeline.approvals.judge`: :func:`~pipeline.approvals.judge.evaluate_repository`, one
  :class:`~pipeline.approvals.judge.Judge` per run.
- :mod:`pipeline.approvals.report`: the :class:`~pipeline.approvals.report.Report` commands act on.
- :mod:`pipeline.approvals.decide`: ``warta approve`` / ``return``.
- :mod:`pipeline.approvals.forge_reviews`: pull-request reviews as records of the same chain
  (``status --pr``, ``verify --pr``, and the copy ``warta publish`` makes; docs/forges.md).
- :mod:`pipeline.approvals.service`: the names commands import, re-exported from the modules above.
"""
