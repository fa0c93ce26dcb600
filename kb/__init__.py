"""Bundled knowledge: causes, symptoms, observation kinds (YAML package data)."""
