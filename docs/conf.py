"""Sphinx configuration for flask-sfsync's documentation."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "flask-sfsync"
author = "flask-sfsync developers"
copyright = "2026, flask-sfsync developers"
release = "0.1.0.dev0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx", "sphinx.ext.coverage", "clidoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# The modules whose public names a host uses: `sphinx-build -b coverage` (in the test command)
# fails when one of them is not in the reference.
coverage_modules = ["flask_sfsync"]
coverage_ignore_modules = [
    r"^flask_sfsync\.(?!(ext|state|config|signals|testing|host|db|salesforce|sync|services)"
    r"(\.|$))",
    r"^flask_sfsync\.sync\.(?!pull(\.|$))",
    r"^flask_sfsync\.services\.(?!pull$)",
    r"^flask_sfsync\.host\.(?!(adapters|tenancy|writes)$)",
    r"^flask_sfsync\.db\.(?!(tracking|mirror)$)",
    r"^flask_sfsync\.salesforce\.(?!errors$)",
]
# Of host.writes, only what a host uses: the rest are the adapters' helpers.
coverage_ignore_pyobjects = [
    r"^flask_sfsync\.host\.writes\.(?!(CompanyAdapter|WRITABLE_KEYS)(\.|$))",
]
coverage_statistics_to_stdout = False
coverage_show_missing_items = True
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
exclude_patterns = ["_build", "_ext"]
html_theme = "alabaster"
nitpicky = False
