"""The website: warta's payloads through the theme's templates (Pelican for settings and feeds).

``build_site(site, output)`` writes the whole site into ``output`` (replaced only when the build
succeeded); see :mod:`pipeline.site.build`. ``docs/site.md`` describes the pages and addresses.
"""

from pipeline.site.build import build_site
from pipeline.site.model import BuildResult, PageExtra

__all__ = ["BuildResult", "PageExtra", "build_site"]
