"""The one Pelican plugin of a warta build (``PLUGINS = [pipeline.site.plugin]``).

It adds :class:`WartaGenerator`, gives Pelican the writer that reuses unchanged pages
(:class:`pipeline.site.reuse.ReusingWriter`) and makes the paths inside feed entries absolute. Receivers act only in
a build whose settings carry warta's shared state, so other Pelican runs in the same process are left alone.
"""

from __future__ import annotations

from typing import Any

from jinja2.sandbox import SandboxedEnvironment
from pelican import signals

from pipeline.site.generators import WartaGenerator
from pipeline.site.model import ROOT_MARK
from pipeline.site.reuse import ReusingWriter


def _generators(pelican: Any) -> Any:
    if "WARTA" not in pelican.settings:
        return None
    return WartaGenerator


def _writer(pelican: Any) -> Any:
    if "WARTA" not in pelican.settings:
        return None
    return ReusingWriter


def _absolute_feed_paths(context: Any, feed: Any) -> None:
    if "WARTA" not in context:
        return
    site_url = context["SITEURL"]
    for entry in feed.items:
        for key in ("content", "description"):
            if entry.get(key):
                entry[key] = entry[key].replace(ROOT_MARK, site_url)


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with its attribute verdicts remembered: :meth:`is_safe_attribute` depends only on
    the object's type and the attribute's name (its checks are ``isinstance`` tests and name tests), so
    each pair is judged once per build instead of once per access (millions on a large site)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = bool(super().is_safe_attribute(obj, attr, value))
        return verdict


def _sandbox(generator: Any) -> None:
    """Theme templates render in Jinja's sandbox (DESIGN rule 12: rendering holds no secret, and a template
    cannot reach Python's internals to look for one): the generator's environment is rebuilt as a
    :class:`~jinja2.sandbox.SandboxedEnvironment` with the same loader, options, filters, globals, tests."""
    if "WARTA" not in generator.settings:
        return
    old = generator.env
    env = _Sandbox(loader=old.loader, **generator.settings["JINJA_ENVIRONMENT"])
    env.filters.update(old.filters)
    env.globals.update(old.globals)
    env.tests.update(old.tests)
    generator.env = env


def register() -> None:
    signals.generator_init.connect(_sandbox)
    signals.get_generators.connect(_generators)
    signals.get_writer.connect(_writer)
    signals.feed_generated.connect(_absolute_feed_paths)
