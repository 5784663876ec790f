"""warta: SOP-governed publishing for Indonesian public-information offices."""

__version__ = "0.1.0"
