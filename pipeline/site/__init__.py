"""The website: warta's payloads through the theme's templates (Pelican for settings and feeds).

``build_site(site, output)`` writes the whole site into ``output`` (replaced only when the build
succeeded); see :mod:`pipeline.site.build`. ``docs/site.md`` describes the pages and addresses.
"""

from typing import TYPE_CHECKING, Any

from pipeline.site.model import BuildResult, PageExtra

if TYPE_CHECKING:
    from pipeline.site.build import build_site
else:
    def __getattr__(name: str) -> Any:
        # the build (Pelican, Jinja: 0.4 s of imports) only when it is used: a publish run whose last build is
        # kept reads pipeline.site.model alone
        if name == "build_site":
            from pipeline.site.build import build_site

            return build_site
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["BuildResult", "PageExtra", "build_site"]
