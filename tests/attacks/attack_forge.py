"""The forge tests' helpers (tests/forges/forge_helpers.py), as the attack tests name them."""

from __future__ import annotations

import forge_helpers as forge_fixtures  # on sys.path through tests/attacks/conftest.py

__all__ = ["forge_fixtures"]
