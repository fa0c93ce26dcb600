"""Raw inputs: command output pasted by customers, turned into validated facts.

``podnet.inputs.ingest.ingest(path)`` reads a folder (one file per command) or one pasted terminal
transcript, recognises each command by its command line (or file name), parses its output with the
parsers in :mod:`podnet.inputs.raw`, works out where each command ran from the shell prompt, and
assembles a :class:`~podnet.facts.model.FactFile`. Anything it cannot understand becomes an
:class:`~podnet.inputs.model.IngestWarning` naming the file and line; nothing is guessed.
"""

__all__: list[str] = []  # the modules are imported by name (podnet.inputs.<module>)
