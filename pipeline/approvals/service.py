"""The approvals API for commands, in one place (a re-export: the code lives in the modules named).

- :func:`evaluate_repository` (:mod:`.judge`): judge every chain of a repository; a :class:`Report`
  (:mod:`.report`) holds one :class:`~pipeline.approvals.chain.ChainResult` per item.
- :func:`decide`, :func:`write_record`, :class:`Outcome` (:mod:`.decide`): write decisions.
- :func:`read_item`, :func:`item_digest_at`, :func:`repo_paths`, :func:`open_site` (:mod:`.revisions`):
  what an item uses, and its digest at a revision.
- :func:`main_branch`, :func:`on_main` (:mod:`.mainbranch`).
"""

from __future__ import annotations

from pipeline.approvals.decide import Outcome, choose_step, decide, write_record
from pipeline.approvals.judge import LOST_RECORDS_HINT, Judge, evaluate_repository
from pipeline.approvals.mainbranch import main_branch, on_main
from pipeline.approvals.report import NULL_SHA, ItemContext, Mode, Report, iso, result_json
from pipeline.approvals.revisions import ItemInfo, item_digest_at, open_site, read_item, repo_paths

__all__ = [
    "LOST_RECORDS_HINT", "NULL_SHA", "ItemContext", "ItemInfo", "Judge", "Mode", "Outcome", "Report",
    "choose_step", "decide", "evaluate_repository", "iso", "item_digest_at", "main_branch", "on_main",
    "open_site", "read_item", "repo_paths", "result_json", "write_record",
]
