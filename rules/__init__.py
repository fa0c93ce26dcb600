"""Bundled rules, one YAML file per rule under a folder per symptom class."""
