"""Typed facts: the fact file schema and everything that turns input into it."""

__all__: list[str] = []  # the modules are imported by name (podnet.facts.<module>)
