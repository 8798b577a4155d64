"""``.. sfsync-cli::``: the ``flask sfsync`` commands, rendered from the click group itself,
so the reference cannot drift from the commands (their help texts and options)."""

from __future__ import annotations

from typing import Any

import click
from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.nodes import nested_parse_with_titles

from flask_sfsync.cli import sfsync_cli


class CliDirective(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        for name, command in sorted(sfsync_cli.commands.items()):
            title = f"``flask sfsync {name}``"
            lines += [title, "~" * len(title), ""]
            lines += [(command.help or "").strip().replace("\n    ", "\n"), ""]
            options = [p for p in command.params if isinstance(p, click.Option)]
            for option in options:
                flags = ", ".join(f"``{o}``" for o in option.opts + option.secondary_opts)
                help_text = (option.help or "").strip()
                default = (
                    f" Default: ``{option.default}``."
                    if option.show_default and option.default is not None else ""
                )
                lines += [f"* {flags}: {help_text}{default}"]
            lines.append("")
        container = nodes.section()
        nested_parse_with_titles(self.state, StringList(lines, "sfsync-cli"), container)
        return list(container.children)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("sfsync-cli", CliDirective)
    return {"parallel_read_safe": True}
