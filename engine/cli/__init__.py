"""The command line: `podnet` and its subcommands (one module per command)."""

__all__: list[str] = []  # the modules are imported by name (podnet.cli.<module>)
