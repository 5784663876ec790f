"""The Markdown dialect (pipeline/markup.py, docs/content.md "The Markdown dialect"): CommonMark with tables
by markdown-it-py, the references a body makes (the files its approvals bind), and what reaches the page."""

from __future__ import annotations

import pytest

from pipeline.markup import render_markdown


def html(body: str) -> str:
    rendered = render_markdown(body)
    return rendered.html.replace(rendered.nonce, "N")


@pytest.mark.parametrize(("body", "links"), [
    ("[surat edaran](surat edaran 2025.pdf)", ("surat edaran 2025.pdf",)),
    ('[surat](surat edaran.pdf "Surat Edaran")', ("surat edaran.pdf",)),
    ("[laporan](laporan (1).pdf) dan [lagi](laporan tahunan (2).pdf)", ("laporan (1).pdf", "laporan tahunan (2).pdf")),
    ("| berkas |\n|---|\n| [unduh](data dana desa.csv) |", ("data dana desa.csv",)),
    ("[x](<dengan spasi.pdf>)", ("dengan spasi.pdf",)),
])
def test_an_address_with_spaces_is_a_reference_as_it_always_was(body: str, links: tuple[str, ...]) -> None:
    # Python-Markdown, the renderer before, read these as links: an approved release keeps its files
    assert render_markdown(body).links == links


def test_an_image_with_spaces_in_its_name_is_an_image() -> None:
    rendered = render_markdown('![Penyerahan bibit](IMG 2034.jpg "Pajangan")')
    assert rendered.images == (("IMG 2034.jpg", "Penyerahan bibit"),)
    assert rendered.html == f"<p><span>wartaimg{rendered.nonce}n0</span></p>"


def test_addresses_are_kept_as_written() -> None:
    # no percent-encoding: the reference names the file the author wrote, byte for byte
    assert render_markdown("[a](pengumuman-ü.pdf) [b](a%20b.pdf) [c](a&amp;b.pdf)").links == (
        "pengumuman-ü.pdf", "a%20b.pdf", "a&b.pdf")


def test_a_reference_definition_keeps_commonmarks_rule() -> None:
    assert render_markdown("[r]: surat.pdf\n\nLihat [surat][r].").links == ("surat.pdf",)
    # a definition's address has no spaces: this line is text, and names no file
    assert render_markdown("[r]: surat edaran.pdf\n\nLihat [surat][r].").links == ()


def test_markdown_images_and_raw_img_are_told_apart() -> None:
    rendered = render_markdown('![Bibit](bibit.jpg) dan <img src="mentah.jpg" alt="x">')
    assert rendered.images == (("bibit.jpg", "Bibit"),)
    assert rendered.dropped == (("img", "src", "mentah.jpg"),)
    assert "mentah" not in rendered.html and "<img" not in rendered.html


def test_the_alt_text_of_an_image_is_its_plain_text() -> None:
    assert render_markdown("![Kepala *Dinas* membuka](a.jpg)").images == (("a.jpg", "Kepala Dinas membuka"),)


@pytest.mark.parametrize("body", ["[tautan](javascript:alert(1))", "[t](JavaScript:alert(1))",
                                  "[t](vbscript:x)", "[t](data:text/html,<script>alert(1)</script>)"])
def test_a_script_address_is_never_published(body: str) -> None:
    rendered = render_markdown(body)
    assert "script:" not in rendered.html.lower() and "data:" not in rendered.html
    assert rendered.html == '<p><a rel="noopener noreferrer">' + body[1:body.index("]")] + "</a></p>"


def test_markdown_on_a_raw_html_line_is_that_htmls_text() -> None:
    # CommonMark: a line starting with <p> opens an HTML block, so the link is shown as written, escaped
    rendered = render_markdown('<p onclick="x()">klik</p> [tautan](surat.pdf)')
    assert rendered.links == () and "onclick" not in rendered.html
    assert rendered.html == "<p>klik</p> [tautan](surat.pdf)"


def test_code_is_not_a_reference() -> None:
    rendered = render_markdown("```\n[x](a.pdf) ![y](b.jpg)\n```\n\n`[z](c.pdf)`\n\n    ![w](d.jpg)")
    assert (rendered.links, rendered.images) == ((), ())


def test_a_list_may_follow_a_paragraph_without_a_blank_line() -> None:
    assert html("Syarat:\n- KTP\n- surat pengantar") == "<p>Syarat:</p>\n<ul>\n<li>KTP</li>\n<li>surat pengantar</li>\n</ul>"


def test_a_list_nests_by_the_indentation_of_its_text() -> None:
    nested = "<ul>\n<li>Sekretariat\n<ul>\n<li>Subbagian Umum</li>\n</ul>\n</li>\n</ul>"
    assert html("- Sekretariat\n  - Subbagian Umum") == nested
    assert html("- Sekretariat\n    - Subbagian Umum") == nested


def test_a_hashtag_at_the_start_of_a_line_is_text_and_headings_shift_one_level() -> None:
    assert html("#BantulBangkit") == "<p>#BantulBangkit</p>"
    assert html("# Judul\n\n## Bagian") == "<h2>Judul</h2>\n<h3>Bagian</h3>"


def test_underscores_inside_words_stay_text() -> None:
    assert html("berkas_dana_desa_2025 dan *miring*") == "<p>berkas_dana_desa_2025 dan <em>miring</em></p>"


def test_tables_keep_their_alignment_only_as_allowed_markup() -> None:
    out = html("| Kalurahan | Dana |\n|:--|--:|\n| Sendangsari | 1.200 |")
    assert out == ("<table>\n<thead>\n<tr>\n<th>Kalurahan</th>\n<th>Dana</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
                   "<td>Sendangsari</td>\n<td>1.200</td>\n</tr>\n</tbody>\n</table>")


def test_strikethrough_and_bare_addresses_are_not_part_of_the_dialect() -> None:
    assert html("~~lama~~ https://bantulkab.go.id") == "<p>~~lama~~ https://bantulkab.go.id</p>"


def test_the_same_body_renders_the_same_every_time() -> None:
    body = "![a](x.jpg)\n\n[b](y.pdf)\n\n<iframe src='z'></iframe>"
    assert render_markdown(body) == render_markdown(body)


@pytest.mark.parametrize(("body", "dropped"), [
    ('<img src="foto.jpg" alt="x">', (("img", "src", "foto.jpg"),)),
    ("<IMG SRC='A&amp;B.JPG'>", (("img", "src", "A&B.JPG"),)),
    ('<p style="background: url(latar.png)">x</p>', (("p", "style", "background: url(latar.png)"),)),
    ("<iframe></iframe>", (("iframe", "", ""),)),
    ('<video poster="p.jpg"><source src="v.mp4"></video>', (("video", "poster", "p.jpg"), ("source", "src", "v.mp4"))),
    ('<svg><image xlink:href="peta.jpg"/></svg>', (("image", "xlink:href", "peta.jpg"),)),
    ('<img alt=">" src="q.jpg">', (("img", "src", "q.jpg"),)),
    # comments and script text hold no tags; a quoted value runs to its closing quote, as in a browser
    ('<!-- <img src="c.jpg"> --><img src="d.jpg">', (("img", "src", "d.jpg"),)),
    ('<script><img src="s.jpg"></script><img src="t.jpg">', (("img", "src", "t.jpg"),)),
    ('<div title="tidak ditutup\n\n<img src="b.jpg">', ()),  # title is 'tidak ditutup\n<img src='
    ('<a href="surat.pdf">surat</a>', ()),
])
def test_raw_html_that_embeds_is_reported_as_written(body: str, dropped: tuple[tuple[str, str, str], ...]) -> None:
    rendered = render_markdown(body)
    assert rendered.dropped == dropped
    assert "<img" not in rendered.html and not [v for _, _, v in dropped if v and v in rendered.html]
    assert ".jpg" not in rendered.html and ".png" not in rendered.html and ".mp4" not in rendered.html


@pytest.mark.parametrize("body", ["<![" * 1000, "<!--" * 1000 + '<img src="x.jpg">', "<a " * 1000])
def test_runs_of_unclosed_html_render(body: str) -> None:
    # html.parser, which found embeds before, raised on "<![" (the body could not be rendered) and took
    # quadratic time on the others
    rendered = render_markdown(body)
    assert rendered.error is None and rendered.dropped == ()
