"""``warta status``'s publication states: an item is parsed only if it could be embargoed, and every
spelling of ``publish_at`` still makes it ``scheduled``."""

from __future__ import annotations

from approvals_helpers import Site
from publish_helpers import approved_release, change_release, release_text

from pipeline.approvals.service import evaluate_repository
from pipeline.cachedir import CACHE_DIRNAME, STATUS_CACHE
from pipeline.publication import may_embargo, publication_states

LATER = "2099-01-01T08:00:00+07:00"


def test_every_spelling_of_publish_at_is_scheduled_and_a_plain_release_is_not(site: Site) -> None:
    plain = approved_release(site, "rilis-biasa")
    embargoed = approved_release(site, "rilis-embargo", text=release_text("Rilis Embargo", publish_at=LATER))
    text = release_text("Rilis Kunci Lolos").replace("date: 2025-03-04\n", f'date: 2025-03-04\n"publish\\x5fat": {LATER}\n')
    assert "publish_at" not in text
    escaped = approved_release(site, "rilis-kunci-lolos", text=text)
    report = evaluate_repository(site.root, all_items=True)
    assert all(r.complete for r in report.items if r.path in (plain, embargoed, escaped))
    states = publication_states(site.root, report.items, report.config)
    assert states.get(embargoed) == "scheduled"
    assert states.get(escaped) == "scheduled"  # the YAML key is publish_at although its letters are escaped
    assert plain not in states


def test_a_file_without_the_key_or_a_backslash_cannot_be_embargoed() -> None:
    assert not may_embargo(b"---\ntitle: Rilis\ndate: 2025-03-04\n---\nIsi rilis.\n")
    assert may_embargo(b"---\npublish_at: 2099-01-01\n---\n")
    assert may_embargo(b'---\n"publish\\u005fat": 2099-01-01\n---\n')


def test_a_release_changed_to_an_embargo_is_scheduled_although_its_old_version_was_remembered_plain(
        site: Site) -> None:
    path = approved_release(site, "rilis-berubah")
    report = evaluate_repository(site.root, all_items=True)
    assert path not in publication_states(site.root, report.items, report.config)
    remembered = (site.root / CACHE_DIRNAME / STATUS_CACHE / "plain").read_bytes()
    assert len(remembered) % 20 == 0 and bytes.fromhex(site.git("rev-parse", f"HEAD:{path}")) in remembered
    change_release(site, path, release_text("Rilis Berubah", publish_at=LATER), branch="rilis/berubah")
    report = evaluate_repository(site.root, all_items=True)
    assert publication_states(site.root, report.items, report.config).get(path) == "scheduled"
