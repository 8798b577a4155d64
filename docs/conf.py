"""Sphinx configuration for flask-sfsync's documentation."""

project = "flask-sfsync"
author = "flask-sfsync developers"
copyright = "2026, flask-sfsync developers"
release = "0.1.0.dev0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx"]
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
exclude_patterns = ["_build"]
html_theme = "alabaster"
nitpicky = False
