"""Tests of podnet.path: packet path, capture plan, localization."""
