"""The forge tests' helpers (tests/forges/conftest.py), loaded under their own module name."""

from __future__ import annotations

import sys
from types import ModuleType

forge_fixtures: ModuleType = sys.modules["forge_fixtures"]  # loaded by tests/attacks/conftest.py
