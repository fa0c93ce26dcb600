"""Typed facts: the fact file schema and everything that turns input into it."""
