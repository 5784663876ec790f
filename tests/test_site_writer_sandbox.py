"""The page writer's sandbox (pipeline/site/writer.py ``_Sandbox``): its shortcuts (attribute verdicts
remembered, trusted plain callables called in one step) render exactly what Jinja's own sandbox renders
and refuse what it refuses."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from pipeline.errors import BuildError
from pipeline.site import build_site
from pipeline.site.generators import Spec
from pipeline.site.writer import Pages, _Sandbox
from tests.test_site_build import PROJECT, load, make_site

TEMPLATE = """{% for x in items %}{{ _("k", n=x) }}|{{ ctx_name() }}|{{ stop() }}|{{ obj.name }}{% endfor %}
{% set outer = "o" %}{% for y in [1, 2] %}{% set inner = y %}{{ ctx_inner() }}{% endfor %}"""


class Obj:
    name = "n"


def _globals() -> dict[str, Any]:
    def text(key: str, **values: object) -> str:
        return f"{key}:{values}"

    @jinja2.pass_context
    def ctx_name(context: jinja2.runtime.Context) -> str:
        return str(context.get("who"))

    @jinja2.pass_context
    def ctx_inner(context: jinja2.runtime.Context) -> str:
        return f"{context.get('outer')}{context.get('inner')}"

    def stop() -> Iterator[int]:
        raise StopIteration

    return {"_": text, "ctx_name": ctx_name, "ctx_inner": ctx_inner, "stop": stop}


def _render(env: SandboxedEnvironment) -> str:
    env.globals.update(_globals())
    if isinstance(env, _Sandbox):
        env.trust_plain(env.globals.values())
    return env.from_string(TEMPLATE).render(items=[1, 2, 3], who="w", obj=Obj())


def test_trusted_callables_render_what_jinjas_own_sandbox_renders() -> None:
    ours = _Sandbox()
    assert _render(ours) == _render(SandboxedEnvironment())
    # the plain function was taken as trusted, the ones asking for the context were not
    trusted = set(ours._plain.values())
    assert ours.globals["_"] in trusted
    assert ours.globals["ctx_name"] not in trusted and ours.globals["ctx_inner"] not in trusted


def test_an_unsafe_callable_is_never_trusted_and_still_refused() -> None:
    def wipe() -> str:
        return "wiped"

    wipe.unsafe_callable = True  # type: ignore[attr-defined]  # Jinja's mark of a callable templates must not call
    env = _Sandbox()
    env.globals["wipe"] = wipe
    env.trust_plain(env.globals.values())
    assert wipe not in env._plain.values()
    with pytest.raises(SecurityError):
        env.from_string("{{ wipe() }}").render()


def test_a_callable_set_by_the_template_takes_the_checked_path() -> None:
    env = _Sandbox()
    env.globals.update(_globals())
    env.trust_plain(env.globals.values())
    # a template cannot reach Python through a trusted global's attributes
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()
    out = env.from_string("{% set f = ctx_name %}{{ f() }}").render(who="me")
    assert out == "me"


def test_a_template_error_while_a_page_renders_stops_the_build_naming_it(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    theme = tmp_path / "theme"
    shutil.copytree(PROJECT / "theme", theme)
    item = theme / "templates" / "item.html"
    # valid syntax, fails only when an item page renders (an undefined value called)
    item.write_text(item.read_text(encoding="utf-8").replace("{% block content %}", "{% block content %}{{ nothing() }}", 1),
                    encoding="utf-8")
    with pytest.raises(BuildError, match="UndefinedError"):
        build_site(load(root), tmp_path / "out", theme=theme)
    assert not (tmp_path / "out").exists()


def test_the_pages_see_the_globals_the_context_and_their_values_in_that_order() -> None:
    env = _Sandbox()
    env.globals.update({"G": "global", "BOTH": "global", "V": "global"})
    pages = Pages(env, {"C": "context", "BOTH": "context", "V": "context"}, (".html",))
    env.loader = jinja2.DictLoader({"t.html": "{{ G }} {{ C }} {{ BOTH }} {{ V }} {{ SITEURL }} {{ output_file }}"})
    spec = Spec("a/b/index.html", "t", {"V": "value"})
    assert pages.render(spec) == "global context context value ../.. a/b/index.html"
    # the same values as Jinja's own render of the merged page values
    assert pages.render(spec) == env.get_template("t.html").render(
        {"C": "context", "BOTH": "context", "V": "value", "SITEURL": "../..", "output_file": "a/b/index.html"})
