"""One module per ``warta`` command; each defines ``register(subparsers)`` and ``run(args) -> int``."""
