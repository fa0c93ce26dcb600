"""The knowledge base: loading, checking and caching the YAML under kb/ and rules/."""

__all__: list[str] = []  # the modules are imported by name (podnet.knowledge.<module>)
