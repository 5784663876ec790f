"""``warta report``: the Mutu Baku time standards measured from Git, per SOP step, for a period.

One module per concern, data flowing one way:

- :mod:`.period`: ``2026-11`` | ``2026-Q4`` | ``2026-H2`` | ``2026`` as a span of days in the site's zone;
- :mod:`.hours`: working minutes between two moments (``site.office_hours``, ``site.holidays``) and
  recurring Waktu ("1 x 3 bulan", "tiap bulan") as calendar periods with due dates;
- :mod:`.gather`: what Git holds about each item at a revision (content commits, the decisions that
  counted, returns with reasons, publication), from the approvals engine and the archive register;
- :mod:`.measure`: pure: each item's steps (due, decided, elapsed against Waktu, late), its whole chain;
- :mod:`.aggregate`: pure: the figures of a period (per SOP and step, per kind, channel, category);
- :mod:`.plan`: the content plan (``rencana-konten``) against what was published, and the evaluations;
- :mod:`.render_md`, :mod:`.render_html`, :mod:`.charts`: the report for people (charts as SVG).

``docs/report.md`` says what each figure means and its limits.
"""
