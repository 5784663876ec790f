"""The front-matter fast path (``yamlio.top_level``, used by ``approvals.revisions.read_item``) gives the
strict loader's values or declines; ``read_item`` gives the same ``ItemInfo`` as loading the whole
document; and each item's bytes are read from git once per verification."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import yamlio
from pipeline.approvals import revisions
from pipeline.approvals.revisions import ITEM_KEYS, Files, ItemCache, read_item
from pipeline.git import Git
from pipeline.references import declared_references

KEYS = frozenset({"sop", "title", "tags", "media", "image", "when", "n", "flag", "kategori_informasi", "lampiran"})

TRICKY = [
    "title: no\nsop: yes\nflag: on\n",  # YAML 1.1 booleans are text in YAML 1.2
    "n: 0o17\ntitle: 010\nflag: 0x1F\n",  # octal / hex / leading zero
    "n: 1_000\ntitle: 1:30\nflag: .inf\n",  # no underscores, no sexagesimal
    "n: -.inf\ntitle: .NaN\nflag: +1.5e3\n",
    "when: 2025-03-04\ntitle: 2025-03-04 09:30\nn: 2025-03-04T09:30:00+07:00\nflag: 2025-02-30\n",
    "when: 2025-03-04 09:30:00.123456789 -07:00\n",
    "sop: a\nsop: b\ntitle: x\n",  # duplicate keys: the last wins (and warta check reports it)
    "sop: &a x\ntitle: *a\n",  # anchors and aliases: refused by the whole load
    "title: !!int x\n",  # an explicit tag that does not fit
    "title: !!binary aGVsbG8=\n",
    "title: !custom x\n",
    "title: !!str 12\nsop: !!python/object:os.system x\n",
    "? [a, b]\n: c\n",  # an unhashable key
    "{[a]: b}\n",
    "sop: x\n" + "deep: " + "[" * 40 + "]" * 40 + "\n",  # deeper than MAX_DEPTH
    "media: " + "[" * 31 + "1" + "]" * 31 + "\n",  # just under it
    "media: " + "[" * 32 + "1" + "]" * 32 + "\n",  # exactly at it: the scalar is one level too deep
    "media: " + "[" * 32 + "]" * 32 + "\n",
    "title: a\n\tsop: b\n",  # a tab where indentation is expected
    "title:\ta\n",
    "- a\n- b\n",  # not a mapping
    "just text\n",
    "",
    "---\na: 1\n---\nb: 2\n",  # two documents
    "title: 'quoted: no'\nsop: \"yes\"\nflag: ''\nn: ~\nwhen: null\n",
    "media:\n  - file: a.jpg\n    alt: foto\n  - {file: b.png, caption: 'x'}\nimage: c.jpg\n",
    "lampiran:\n  - {file: d.pdf, judul: Dokumen}\nkategori_informasi: serta-merta\nsop: informasi\n",
    "? sop\n: complex-key-form\n",
    "<<: {sop: merged}\n",  # no merge keys in YAML 1.2: a plain key named <<
    "%YAML 1.1\n---\nsop: x\n",
    "sop: [unclosed\n",
    "title: >\n  folded\n  text\nsop: |\n  literal\n",
    "1: one\ntrue: t\nnull: n\n2025-01-01: d\n",
    "title: x # comment\n# sop: hidden\n",
]


def strict(text: str) -> Any:
    return yaml.load(text, Loader=yamlio.StrictLoader)  # noqa: S506 - a SafeLoader subclass


@pytest.mark.parametrize("text", TRICKY)
def test_top_level_gives_the_strict_loaders_values_or_declines(text: str) -> None:
    fast = yamlio.top_level(text, KEYS)
    try:
        full = strict(text)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        assert fast is None  # whatever the whole load refuses, the fast path never answers for it
        return
    if fast is None:
        return  # declined: the caller loads the whole document
    assert isinstance(full, dict)
    assert fast == {k: v for k, v in full.items() if k in KEYS}
    assert {k: type(v) for k, v in fast.items()} == {k: type(full[k]) for k in fast}


def test_top_level_answers_for_plain_front_matter() -> None:
    text = ("title: no\nsop: pemutakhiran-website\nn: 0o17\ntags: [a, b]\nwhen: 2025-03-04\n"
            "media:\n  - {file: a.jpg, alt: yes}\n")
    assert yamlio.top_level(text, KEYS) == {"title": "no", "sop": "pemutakhiran-website", "n": 15,
                                            "tags": ["a", "b"], "when": strict(text)["when"],
                                            "media": [{"file": "a.jpg", "alt": "yes"}]}


@pytest.mark.parametrize("text", ["sop: &a x\n", "title: *a\n", "title: !!str x\n", "a: 1\n\tb: 2\n",
                                  "- a\n", "media: " + "[" * 32 + "1" + "]" * 32 + "\n"])
def test_top_level_declines_what_it_cannot_prove(text: str) -> None:
    assert yamlio.top_level(text, KEYS) is None


class Recording(Mapping[str, Any]):
    """A front matter that records every top-level key read from it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data, self.read = data, set[str]()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return self.data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@pytest.mark.parametrize("kind", ["siaran-pers", "informasi-publik", "pengumuman"])
def test_item_keys_cover_every_key_the_references_read(kind: str) -> None:
    data = Recording({"image": "a.jpg", "image_alt": "x", "image_caption": "y",
                      "media": [{"file": "b.jpg"}], "lampiran": [{"file": "c.pdf", "judul": "d"}]})
    declared_references(kind, data)
    assert data.read <= ITEM_KEYS


def whole_load_item(path: str, raw: bytes, monkeypatch: pytest.MonkeyPatch) -> revisions.ItemInfo:
    """read_item as it was before the fast path: the whole front matter loaded."""
    with monkeypatch.context() as m:
        m.setattr(revisions.yamlio, "top_level", lambda text, keys: None)
        return read_item(path, raw)


ITEMS = [
    "---\ntitle: no\nsop: ' khusus '\ndate: 2025-03-04\n---\nIsi.\n",
    "---\ntitle: x\nsop: 12\n---\nIsi.\n",
    "---\ntitle: x\nimage: foto/a.jpg\nimage_alt: yes\nmedia:\n  - file: ../media/b.png\n  - {file: c.pdf}\n---\n"
    "Lihat ![x](d.jpg) dan [dok](../../media/e.pdf).\n",
    "---\ntitle: x\nkategori_informasi: serta-merta\nlampiran:\n  - {file: f.pdf, judul: F}\n---\nIsi.\n",
    "---\ntitle: x\nsop: &a x\nalias: *a\n---\nIsi.\n",
    "---\ntitle: !!int x\n---\nIsi.\n",
    "---\ntitle: a\n\tsop: b\n---\nIsi.\n",
    "---\n- a\n---\nIsi.\n",
    "---\nsop: a\nsop: b\n---\nIsi.\n",
    "---\ndeep: " + "[" * 40 + "]" * 40 + "\n---\nIsi.\n",
    "---\ntitle: x\nmedia: {file: not-a-list.jpg}\nimage: 5\n---\nIsi.\n",
    "no front matter\n",
]


@pytest.mark.parametrize("kind", ["siaran-pers", "informasi-publik"])
@pytest.mark.parametrize("text", ITEMS)
def test_read_item_with_the_fast_path_equals_the_whole_load(text: str, kind: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = f"content/{kind}/2025/a.md"
    raw = text.encode()
    assert read_item(path, raw) == whole_load_item(path, raw, monkeypatch)


def test_item_references_are_found_through_the_fast_path() -> None:
    raw = (b"---\ntitle: x\nimage: foto/a.jpg\nmedia:\n  - file: b.png\n---\n![x](c.jpg)\n")
    info = read_item("content/siaran-pers/2025/a.md", raw)
    assert info.problem is None
    assert info.refs == ("content/siaran-pers/2025/b.png", "content/siaran-pers/2025/c.jpg",
                         "content/siaran-pers/2025/foto/a.jpg")


@pytest.mark.parametrize(("path", "kind"), [
    ("content/siaran-pers/2025/a.md", "siaran-pers"),
    ("content//siaran-pers/a.md", "siaran-pers"),  # spellings a git tree never holds, read as pathlib reads them
    ("content/./siaran-pers/a.md", "siaran-pers"),
    ("./content/siaran-pers/a.md", "siaran-pers"),
    ("/content/siaran-pers/a.md", None),  # absolute: not in content/<kind>/
    ("content/siaran-pers", None),
    ("content/../content/siaran-pers/a.md", None),
    ("sop/siaran-pers/a.md", None),
])
def test_an_items_kind_is_read_from_its_path(path: str, kind: str | None) -> None:
    info = read_item(path, b"---\ntitle: x\nsop: SOP-1\n---\nBody.\n")
    assert info.kind == kind
    assert (info.problem is None) == (kind is not None)


def git_repo(tmp_path: Path, files: dict[str, bytes]) -> Git:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.go.id",
                    "commit", "-q", "-m", "x"], check=True)
    return Git(tmp_path)


def test_each_item_is_read_from_git_once_and_digests_match_a_fresh_read(tmp_path: Path) -> None:
    files = {f"content/siaran-pers/2025/{i}.md": f"---\ntitle: t{i}\nimage: a.jpg\n---\nIsi {i}.\n".encode()
             for i in range(5)}
    files["content/siaran-pers/2025/a.jpg"] = b"\xff\xd8 photo"
    git = git_repo(tmp_path, files)
    tree = {e.path: e for e in git.ls_tree("HEAD")}
    items = sorted(p for p in files if p.endswith(".md"))
    asked: list[set[str]] = []
    real = git.read_blobs

    def counting(oids: Any) -> dict[str, bytes]:
        wanted = set(oids)
        asked.append(wanted)
        return real(wanted)

    git.read_blobs = counting  # type: ignore[method-assign]
    once = Files(git, tree, ItemCache(None))
    infos = once.info(items)
    digests = once.digests({p: once.existing([p, *infos[p].refs]) for p in items})
    read = [oid for batch in asked for oid in batch]
    assert len(read) == len(set(read))  # no blob read twice
    assert {tree[p].oid for p in items} | {tree["content/siaran-pers/2025/a.jpg"].oid} == set(read)
    git.read_blobs = real  # type: ignore[method-assign]
    fresh = Files(git, tree, ItemCache(None))
    assert digests == {p: fresh.digests({p: fresh.existing([p, *infos[p].refs])})[p] for p in items}
    assert once.read == {}  # nothing kept once the digests are made


def constructed(text: str) -> Any:
    """The whole document as the strict loader's own constructor builds it (no fast path)."""
    return strict(text)


@pytest.mark.parametrize("text", TRICKY)
def test_load_builds_the_same_values_as_the_constructor(text: str) -> None:
    try:
        expected = constructed(text)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        with pytest.raises(yamlio.YamlSyntaxError):
            yamlio.load(text, "x.md")
        return
    try:
        doc = yamlio.load(text, "x.md")
    except yamlio.YamlSyntaxError:
        assert "&" in text or "*" in text  # only the bounds refuse what the constructor accepts
        return
    # the same values and types all the way down (repr: 1, 1.0 and True differ; NaN equals itself there)
    assert repr(doc.data) == repr(expected)


def test_load_reports_an_unhashable_key_as_before() -> None:
    with pytest.raises(yamlio.YamlSyntaxError) as info:
        yamlio.load("a: 1\n? [x, y]\n: 2\n", "x.md", line_offset=1)
    assert "unhashable" in info.value.finding.message and info.value.finding.line is not None


@pytest.mark.parametrize("kind", ["siaran-pers", "informasi-publik"])
def test_front_matters_a_build_parsed_give_the_judge_the_same_item_info(site: Path, kind: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A site build's load hands the judge each front matter it parsed (Site.fronts): read_item given them
    gives the ItemInfo of reading the bytes alone, for plain, tricky and hostile front matter, and with a
    byte-order mark; what did not parse as a mapping is not handed over (the judge reads it itself)."""
    from pipeline.config import load_config
    from pipeline.content import load_items

    texts = {f"content/{kind}/2025/a{i}.md": text for i, text in enumerate(ITEMS)}
    texts[f"content/{kind}/2025/bom.md"] = "\ufeff" + ITEMS[0]
    for rel, text in texts.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    fronts: dict[str, dict[str, Any]] = {}
    load_items(site, load_config(site), fronts=fronts)
    # the mappings among ITEMS (one is refused for its anchor, one for its tab, one for its depth, one is
    # a list and one has no front matter): their texts and only the keys approvals read
    assert fronts["title: no\nsop: ' khusus '\ndate: 2025-03-04\n"] == {"sop": " khusus "}
    assert fronts["sop: a\nsop: b\n"] == {"sop": "b"}
    assert "- a\n" not in fronts and "title: x\nsop: &a x\nalias: *a\n" not in fronts
    assert all(set(values) <= ITEM_KEYS for values in fronts.values())
    calls: list[str] = []
    real = yamlio.top_level
    monkeypatch.setattr(revisions.yamlio, "top_level", lambda text, keys: calls.append(text) or real(text, keys))
    given = {rel: read_item(rel, text.encode("utf-8"), fronts=fronts) for rel, text in texts.items()}
    assert [text for text in calls if text in fronts] == [], "a front matter the build parsed was parsed again"
    assert calls, "what the build did not hand over is parsed"
    for rel, text in texts.items():
        assert given[rel] == read_item(rel, text.encode("utf-8")), rel


def test_the_preview_judge_parses_no_front_matter_the_build_already_parsed(site: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """On a cold build the preview's judge reads every committed item from git, and takes the values of the
    front matters the build's load parsed from the working tree instead of parsing them again; an item
    whose committed bytes differ from the working tree's is parsed from its blob."""
    from pipeline.config import load_config
    from pipeline.content import load_site
    from pipeline.site.preview import plan_preview

    release = "---\ntitle: Rilis {n}{more}\ndate: 2025-03-0{n} 09:00\nsop: pemutakhiran-website\n---\nIsi rilis {n}.\n"
    for n in (1, 2):
        (site / f"content/siaran-pers/2025/r{n}.md").parent.mkdir(parents=True, exist_ok=True)
        (site / f"content/siaran-pers/2025/r{n}.md").write_text(release.format(n=n, more=""),
                                                                 encoding="utf-8")
    git_repo(site, {})
    # r2 changed in the working tree after its commit: its committed front matter is not the one loaded
    (site / "content/siaran-pers/2025/r2.md").write_text(release.format(n=2, more=" (ralat)"), encoding="utf-8")
    parsed: list[str] = []
    real = yamlio.top_level
    monkeypatch.setattr(revisions.yamlio, "top_level", lambda text, keys: parsed.append(text) or real(text, keys))
    loaded = load_site(site, load_config(site))
    assert len(loaded.fronts) == 2
    preview = plan_preview(loaded)
    assert loaded.fronts == {}  # taken once
    assert parsed == ["title: Rilis 2\ndate: 2025-03-02 09:00\nsop: pemutakhiran-website\n"]
    assert [i.path for i in preview.items] == ["content/siaran-pers/2025/r1.md", "content/siaran-pers/2025/r2.md"]
    assert preview.reasons["content/siaran-pers/2025/r2.md"].startswith("changed since the last commit")
