"""Docs that cannot drift: every command, group and option explains itself and is in the README."""

from pathlib import Path

import pytest
import typer.main

from clientreg.commands.app import app

ROOT = Path(__file__).resolve().parent.parent


def command_tree(command=None, path: tuple[str, ...] = ()):
    """(path, command) of the root, every group and every command under it."""
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_tree(sub, (*path, name))


def test_the_tree_holds_the_commands_of_the_spec():
    paths = {" ".join(path) for path, _ in command_tree()}
    for expected in ("show", "list", "edit", "deactivate", "activate", "company-type add",
                     "company-type edit", "category list", "company show",
                     "external-user list"):
        assert expected in paths


def test_every_command_and_group_has_help_text():
    missing = [" ".join(path) or "clientreg" for path, command in command_tree()
               if not (command.help or command.short_help)]
    assert missing == []


def test_every_option_and_argument_has_help_text():
    missing = [f"{' '.join(path)} {param.name}" for path, command in command_tree()
               for param in command.params
               if param.name != "help" and not getattr(param, "help", None)]
    assert missing == []


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in command_tree() if p])
def test_help_works_for(cli, path):
    result = cli(*path.split(), "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [" ".join(path) for path, command in command_tree()
               if path and not hasattr(command, "commands")
               and f"clientreg {' '.join(path)}" not in readme]
    assert missing == []
