"""Writing a site's pages: warta's payloads straight through the theme's Jinja templates.

No Pelican article objects, no generators: the pages planned by :func:`pipeline.site.generators.plan` are
rendered in a Jinja environment built the way Pelican builds its own from the same settings (the theme's
templates, then Pelican's ``simple`` theme; ``!simple/`` and ``!theme/`` prefixes; the settings'
``JINJA_ENVIRONMENT``, filters, globals and tests; the ``strftime`` filter and ``plugin_enabled`` test),
as a sandbox (DESIGN rule 12). Every template gets what Pelican gave it: the settings, ``WARTA_TAGS`` and
``WARTA_YEARS``, ``SITEURL`` (the path from the page to the site's root), ``output_file`` and the page's
own values. Pelican still does what it does well: its settings, the Atom feeds (its ``Writer`` and
``Article`` for the few entries a feed holds) and the copy of the theme's static files.

The folders of the output are made once, before any page; each page is written once into a file that
did not exist, by the helper process of :mod:`pipeline.site.disk` while the next page renders (never
through a hard link nor over another page). With a :class:`pipeline.site.reuse.PageCache`, a page whose
key is unchanged is hard-linked from the previous output instead of rendered. Rendering stays in this
process: forked workers would count the parent's memory once more each (``docs/benchmarks.md``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg
from pelican.contents import Article, Content
from pelican.log import console
from pelican.readers import Readers
from pelican.utils import DateFormatter, copy, get_relative_path, path_to_url, sanitised_join
from pelican.writers import Writer

from pipeline.errors import BuildError, Finding
from pipeline.i18n import _
from pipeline.site.disk import Disk
from pipeline.site.generators import Entry, Feed, Plan, Spec
from pipeline.site.model import ROOT_MARK
from pipeline.site.reuse import PageCache

# told each page written: its name, sha256 (when taken) and the previous output's file it is linked from, or its bytes
Observer = Callable[[str, str | None, str | None, bytes | None], None]
PELICAN_THEMES = os.path.join(os.path.dirname(os.path.abspath(sys.modules[Article.__module__].__file__ or "")),
                              "themes")


_METHODS = (types.MethodType, types.BuiltinMethodType)  # what Jinja's sandbox checks for str.format


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with its attribute verdicts remembered: :meth:`is_safe_attribute` depends only on
    the object's type and the attribute's name (its checks are ``isinstance`` tests and name tests), so
    each pair is judged once per build instead of once per access (millions on a large site)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str], bool] = {}
        self._plain: dict[int, Any] = {}  # id -> callable judged safe that Jinja calls as it is (no context)

    def trust_plain(self, objects: Iterable[Any]) -> None:
        """Remember those of ``objects`` that Jinja's ``call`` would call as they are (safe, and asking
        for no context, evaluation context or environment), so :meth:`call` skips the checks per call."""
        for obj in objects:
            if (callable(obj) and self.is_safe_callable(obj) and _PassArg.from_obj(obj) is None
                    and _PassArg.from_obj(obj.__call__) is None):
                self._plain[id(obj)] = obj

    def call(self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Jinja's sandboxed call, in one step for a callable of :meth:`trust_plain` (what
        ``Context.call`` does with one: drop the loop and block variables, call, StopIteration undefined)."""
        trusted = self._plain.get(id(obj))
        if trusted is None or trusted is not obj:
            return super().call(context, obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return trusted(*args, **kwargs)
        except StopIteration:
            return self.undefined("value was undefined because a callable raised a StopIteration exception")

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = bool(super().is_safe_attribute(obj, attr, value))
        return verdict

    def getattr(self, obj: Any, attribute: str) -> Any:
        """The sandbox's ``getattr`` in one step for a value that is not a method (Jinja's own checks a
        method for ``str.format``; a method, a missing attribute, an unsafe one go through Jinja's)."""
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)
        if isinstance(value, _METHODS):
            return super().getattr(obj, attribute)
        verdict = self._verdicts.get((type(obj), attribute))
        if verdict is None:
            verdict = self.is_safe_attribute(obj, attribute, value)
        return value if verdict else self.unsafe_undefined(obj, attribute)


def _plugin_enabled(name: str, plugin_list: Sequence[Any] | None = None) -> bool:
    """Pelican's ``plugin_enabled`` test (``{% if "x" is plugin_enabled %}``)."""
    return any(name == getattr(p, "__name__", p) for p in plugin_list or ())


def environment(settings: Mapping[str, Any]) -> _Sandbox:
    """The Jinja environment of Pelican's generators for ``settings``, as a sandbox."""
    theme_templates = os.path.join(str(settings["THEME"]), "templates")
    simple = FileSystemLoader(os.path.join(PELICAN_THEMES, "simple", "templates"))
    paths = [*settings["THEME_TEMPLATES_OVERRIDES"], theme_templates]
    loader = ChoiceLoader([FileSystemLoader(paths), simple,
                           PrefixLoader({"!simple": simple, "!theme": FileSystemLoader(theme_templates)})])
    env = _Sandbox(loader=loader, **settings["JINJA_ENVIRONMENT"])
    env.filters["strftime"] = DateFormatter()
    env.filters.update(settings["JINJA_FILTERS"])
    env.globals.update(settings["JINJA_GLOBALS"])
    env.tests["plugin_enabled"] = partial(_plugin_enabled, plugin_list=settings["PLUGINS"])  # type: ignore[assignment]
    env.tests.update(settings["JINJA_TESTS"])
    return env


@dataclass
class Pages:
    """The templates of one build and what they all read."""

    env: _Sandbox
    context: dict[str, Any]  # the settings, WARTA_TAGS, WARTA_YEARS
    extensions: Sequence[str]
    templates: dict[str, jinja2.Template] = field(default_factory=dict)
    bases: dict[str, dict[str, Any]] = field(default_factory=dict)  # per template: its globals, then context
    roots: dict[int, str] = field(default_factory=dict)  # SITEURL by a page's depth (:meth:`root_of`)

    def template(self, name: str) -> jinja2.Template:
        known = self.templates.get(name)
        if known is not None:
            return known
        for ext in self.extensions:
            try:
                made = self.templates[name] = self.env.get_template(name + ext)
                return made
            except TemplateNotFound:
                continue
        raise BuildError(_("theme: no template {name} (looked for {names})", name=name,
                           names=", ".join(name + e for e in self.extensions)))

    def root_of(self, name: str) -> str:
        """``SITEURL`` of the page ``name`` as Pelican makes it (``path_to_url(get_relative_path(name))``),
        once per depth: for a normalised name it depends only on how many folders deep the page is."""
        if os.path.normpath(name) != name:  # not in the plan's own form: as Pelican says, not remembered
            return str(path_to_url(get_relative_path(name)))
        depth = name.count(os.sep)
        known = self.roots.get(depth)
        if known is None:
            known = self.roots[depth] = str(path_to_url(get_relative_path(name)))
        return known

    def render(self, spec: Spec) -> str:
        """``template.render(context, SITEURL=..., output_file=..., **values)`` with one copy of the
        values a page starts from instead of three (Jinja's ``render`` copies its argument, then that with
        the template's globals): the globals and the build's context merged once per template (the later
        wins, as in Jinja's ``dict(globals, **vars)``), copied per page, given to Jinja as they are."""
        template = self.template(spec.template)
        base = self.bases.get(spec.template)
        if base is None:
            base = self.bases[spec.template] = {**template.globals, **self.context}
        local = base.copy()
        siteurl = spec.siteurl if spec.siteurl is not None else self.root_of(spec.name)
        local["SITEURL"] = local["localsiteurl"] = siteurl
        local["output_file"] = spec.name
        local.update(spec.values)
        context = template.new_context(local, shared=True)
        try:
            return self.env.concat(template.root_render_func(context))
        except Exception:
            self.env.handle_exception()


def make_pages(settings: Mapping[str, Any], plan: Plan) -> Pages:
    """The templates of a build and the ``CARD`` global their lists call."""
    env = environment(settings)
    context = dict(settings)
    context.update(plan.context)
    env.globals["CARD"] = _cards(env)
    env.trust_plain(env.globals.values())
    return Pages(env, context, tuple(settings["TEMPLATE_EXTENSIONS"]))


def _cards(env: jinja2.Environment) -> Any:
    """``CARD(entry, level)``: the card of ``entry`` (``partials/card.html``), rendered once per build and
    heading level with ROOT_MARK paths: an item is on several lists (its kind's, its tags', its year's),
    each shows the same card. The list template roots it (``CARD(entry, 2)|rooted(SITEURL)``)."""
    cards: dict[tuple[int, int], Any] = {}
    macros: list[Any] = []  # the card macro, looked up once per build (templates do not change during it)

    def card(entry: Entry, level: int) -> Any:
        key = (id(entry.payload), level)
        made = cards.get(key)
        if made is None:
            if not macros:
                macros.append(env.get_template("partials/card.html").module.card)  # type: ignore[attr-defined]
            made = cards[key] = macros[0](entry, level, ROOT_MARK)
        return made

    return card


def copy_static(settings: Mapping[str, Any], output: str) -> None:
    """The theme's static files into ``THEME_STATIC_DIR``, as Pelican's static generator copies them."""
    for path in settings["THEME_STATIC_PATHS"]:
        copy(os.path.join(str(settings["THEME"]), path), os.path.join(output, settings["THEME_STATIC_DIR"]),
             settings["IGNORE_FILES"])


def check_names(names: Iterator[str]) -> None:
    """Refuse a page whose file would be outside the output folder (before anything is written)."""
    for name in names:
        normal = os.path.normpath(name)
        if os.path.isabs(name) or normal == os.curdir or normal.split(os.sep, 1)[0] == os.pardir:
            raise BuildError(_("a page of the site would be written outside the output folder: {name}", name=name))


def _folders(names: Sequence[str]) -> list[str]:
    """Every folder the pages ``names`` go in, parents first (names checked by :func:`check_names`)."""
    known: set[str] = {""}
    out: list[str] = []
    for folder in sorted({os.path.dirname(n) for n in names}):
        parts = folder.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            if sub not in known:
                known.add(sub)
                out.append(sub)
    return out


def write_specs(pages: Pages, specs: Sequence[Spec], output: str, cache: PageCache | None,
                observe: Observer | None = None) -> None:
    """Render and write ``specs`` (taking unchanged ones from the previous output when ``cache``): the
    folders are made once, the files written by the helper of :mod:`pipeline.site.disk` meanwhile.
    ``observe`` is told each page as it goes (the search index: :mod:`pipeline.site.search_live`)."""
    names = [os.path.normpath(s.name) for s in specs]
    disk = Disk()
    keys: list[tuple[str | None, bool, str]] = []  # (key, reused, sha256 of the bytes) of each spec, in order
    try:
        for folder in _folders(names):
            disk.folder(os.path.join(output, folder))
        for spec, name in zip(specs, names, strict=True):
            target = os.path.join(output, name)
            key = cache.key(spec.name, spec.template, spec.values) if cache is not None else None
            kept = cache.usable(spec.name, key) if cache is not None and key is not None else None
            if kept is not None:
                disk.link(target, kept[0], kept[2])
                keys.append((key, True, kept[1]))
                if observe is not None:
                    observe(name, kept[1], kept[0], None)
                continue
            data = pages.render(spec).encode("utf-8")
            disk.page(target, data)
            keys.append((key, False, hashlib.sha256(data).hexdigest() if key is not None else ""))
            if observe is not None:
                observe(name, keys[-1][2] or None, None, data)
        stats = disk.close()
    except BaseException:
        disk.abort()
        raise
    if cache is not None:
        for spec, (key, reused, digest), stat in zip(specs, keys, stats, strict=True):
            cache.record(spec.name, key, stat, reused, digest)


def _articles(settings: Mapping[str, Any], context: dict[str, Any], sources: Sequence[str]) -> dict[str, Article]:
    """Pelican's article of each source (what its feeds read), through warta's reader."""
    readers = Readers(dict(settings))
    path = settings["PATH"]
    return {s: readers.read_file(base_path=path, path=s, content_class=Article, context=context) for s in sources}


def write_feeds(settings: Mapping[str, Any], feeds: Sequence[Feed], output: str) -> None:
    """The Atom feeds, by Pelican's writer: the first ``FEED_MAX_ITEMS`` entries of each; paths inside
    an entry made absolute (bodies carry :data:`ROOT_MARK`)."""
    if not feeds:
        return
    limit = settings["FEED_MAX_ITEMS"]
    context = dict(settings)
    context.update({"generated_content": {}, "static_links": set(), "static_content": {},
                    "localsiteurl": settings["SITEURL"]})
    sources = sorted({e.source for f in feeds for e in f.entries[:limit]})
    articles = _articles(settings, context, sources)
    try:
        _write_feeds(settings, feeds, output, context, articles)
    finally:
        _forget(articles.values())


def _forget(articles: Iterable[Article]) -> None:
    """Drop ``articles`` from Pelican's memo of every article's content and summary (``memoized``: one
    dictionary per method for the whole process, keyed by the article). Kept there, each article would
    hold the build's settings, so its payloads and every body's HTML, for as long as the process lives
    (through the search index and every later build of a test run)."""
    ours = {id(a) for a in articles}
    for name in ("get_content", "get_summary"):
        memo = getattr(vars(Content).get(name), "cache", None)
        if isinstance(memo, dict):
            for key in [k for k in memo if isinstance(k, tuple) and k and id(k[0]) in ours]:
                del memo[key]


def _write_feeds(settings: Mapping[str, Any], feeds: Sequence[Feed], output: str, context: dict[str, Any],
                 articles: Mapping[str, Article]) -> None:
    limit = settings["FEED_MAX_ITEMS"]
    writer = Writer(output, settings=dict(settings))
    for feed in feeds:
        made = writer.write_feed([articles[e.source] for e in feed.entries[:limit]], context, None, feed.path,
                                 feed_title=feed.title)
        site_url = context["SITEURL"]
        for entry in made.items:
            for key in ("content", "description"):
                if entry.get(key):
                    entry[key] = entry[key].replace(ROOT_MARK, site_url)
        path = sanitised_join(output, feed.path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            made.write(handle, "utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _pelican_quiet() -> Iterator[_Collect]:
    """Pelican logs (and carries on) where warta must stop: collect its warnings and errors instead."""
    logger = logging.getLogger("pelican")
    handler = _Collect()
    saved = (logger.propagate, logger.level, console.quiet)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    console.quiet = True
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate, _level, console.quiet = saved
        logger.setLevel(saved[1])


def write_site(settings: dict[str, Any], plan: Plan, temp: Path, cache: PageCache | None,
               observe: Observer | None = None) -> list[Finding]:
    """The pages of ``plan`` and its feeds into ``temp`` (:mod:`pipeline.site.writer`); the theme's static
    files beside them. A template error stops the build; Pelican's warnings (the feeds) become findings."""
    output = str(temp)
    with _pelican_quiet() as collected:
        try:
            check_names(s.name for s in plan.specs)
            pages = make_pages(settings, plan)
            write_specs(pages, plan.specs, output, cache, observe)
            write_feeds(settings, plan.feeds, output)
            copy_static(settings, output)
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name}:{exc.lineno}"
            raise BuildError(_("theme: {where}: {message}", where=where, message=exc.message)) from None
        except jinja2.TemplateError as exc:
            raise BuildError(_("theme: {error}: {reason}", error=type(exc).__name__, reason=exc)) from None
    errors = [r for r in collected.records if r.levelno >= logging.ERROR]
    if errors:
        lines = []
        for record in errors:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            lines.append(message)
        raise BuildError(_("Pelican could not build the site:\n  {errors}", errors="\n  ".join(lines)))
    return [Finding("(pelican)", None, r.getMessage(), None, "warning") for r in collected.records]
