"""The engine: compile rules to experta, run them, combine confidences, rank and explain."""

__all__: list[str] = []  # the modules are imported by name (podnet.reasoning.<module>)
