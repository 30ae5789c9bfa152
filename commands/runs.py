"""The runs commands: the ledger of every command that wrote to the database."""

from __future__ import annotations

import shlex
from typing import Annotated, Any

import typer

from clientreg.commands import render
from clientreg.commands.boundary import print_error, user_errors
from clientreg.commands.context import open_store
from clientreg.commands.i18n import _, ngettext

LIST_COLUMNS = ("id", "started_at", "ended_at", "command", "user", "version", "created",
                "updated", "unchanged", "skipped", "rejected")
INPUT_COLUMNS = ("path", "sha256", "bytes")
RECORD_COLUMNS = ("entity", "identifier", "action", "fields")

RunArgument = Annotated[str, typer.Argument(
    help=_("The run's id, as 'clientreg runs list' shows it."), show_default=False,
    metavar="RUN", callback=render.terminal_text)]


def command_text(command: list[str]) -> str:
    """A run's command line as a shell would take it back."""
    return shlex.join(command)


def counts_text(counts: dict[str, int]) -> str:
    """A run's counts in words, the ones that are not zero; 'nothing' when all are."""
    words = {"created": _("{count} created"), "updated": _("{count} updated"),
             "unchanged": _("{count} unchanged"), "skipped": _("{count} skipped"),
             "rejected": _("{count} rejected")}
    parts = [template.format(count=counts[key]) for key, template in words.items()
             if counts.get(key)]
    return ", ".join(parts) if parts else _("nothing")


def list_runs(
    ctx: typer.Context,
    output: Annotated[render.ListFormat, typer.Option(
        "--format", help=_("table for people; json or csv for programs (stdout holds only "
                           "the data)."))] = render.ListFormat.TABLE,
) -> None:
    """List the runs, newest first: id, start time, command line, user and counts."""
    from clientreg.runs import run_summaries

    with user_errors(), open_store(ctx) as store:
        runs = run_summaries(store)
    if output is render.ListFormat.JSON:
        render.print_json(runs)
        return
    if output is render.ListFormat.CSV:
        render.print_csv(({**run, "command": command_text(run["command"]), **run["counts"]}
                          for run in runs), LIST_COLUMNS)
        return
    if not runs:
        print_error(_("No runs yet: every command that writes (import, new, edit, activate, "
                      "deactivate, catalogue changes) is recorded as one."))
        return
    # print_table's column names say how a column gives way at a narrow width: the id and the
    # time are never cut, the command line and the counts wrap between words, the user is cut
    # last.
    rows = [{"identifier": run["id"], "at": run["started_at"],
             "what": command_text(run["command"]), "key": run["user"],
             "changes": counts_text(run["counts"])} for run in runs]
    count = render.print_table(rows, ("identifier", "at", "what", "key", "changes"),
                               (_("Run"), _("Started"), _("Command"), _("User"), _("Counts")))
    print_error(ngettext("{count} run", "{count} runs", count).format(count=count))


def show_run(
    ctx: typer.Context,
    run: RunArgument,
    output: Annotated[render.ShowFormat, typer.Option(
        "--format", help=_("text: a readable view; json or yaml: every field, each input's "
                           "SHA-256 and every record the run created, updated or left "
                           "as it was."))] = render.ShowFormat.TEXT,
) -> None:
    """Show a run: its command line, inputs, counts, and what it created, updated and left."""
    from clientreg.runs import run_details

    with user_errors(), open_store(ctx) as store:
        document = run_details(store, run)
    render.print_document(document, output, lambda: _print_run(document))


def _print_run(document: dict[str, Any]) -> None:
    from clientreg.commands.text_views import print_fields

    print_fields([
        (_("Run"), str(document["id"])),
        (_("Command"), command_text(document["command"])),
        (_("User"), document["user"]),
        (_("Version"), document["version"]),
        (_("Started"), document["started_at"]),
        (_("Ended"), document["ended_at"]),
        (_("Counts"), counts_text(document["counts"])),
    ])
    if document["inputs"]:
        print()
        render.print_table(document["inputs"], INPUT_COLUMNS,
                           (_("Input"), _("SHA-256"), _("Bytes")), title=_("Inputs"),
                           title_style="bold underline")
    if document["records"]:
        print()
        rows = [{"what": _entity(record["entity"]), "identifier": record["identifier"],
                 "action": _action(record["action"]),
                 "changes": ", ".join(record["fields"])} for record in document["records"]]
        render.print_table(rows, ("what", "identifier", "action", "changes"),
                           (_("What"), _("Identifier"), _("Action"), _("Fields")),
                           title=_("Records"), title_style="bold underline")


def _entity(entity: str) -> str:
    words = {"client": _("client"), "company": _("company"),
             "external_user": _("external user"), "company_type": _("company type"),
             "category": _("category")}
    return words.get(entity, entity.replace("_", " "))


def _action(action: str) -> str:
    words = {"created": _("created"), "updated": _("updated"), "unchanged": _("unchanged"),
             "skipped": _("skipped"), "removed": _("removed")}
    return words.get(action, action)


def revert_run(
    ctx: typer.Context,
    run: RunArgument,
    yes: Annotated[bool, typer.Option(
        "--yes", help=_("Revert without asking (for scripts); without a terminal it is "
                        "required."))] = False,
    force: Annotated[bool, typer.Option(
        "--force", help=_("Revert even when later runs changed what this run wrote: only the "
                          "fields no later run changed."))] = False,
) -> None:
    """Undo a run: remove what it created, give back what it changed; itself a run."""
    import os
    import sys

    from clientreg.commands.boundary import EXIT_USAGE
    from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV
    from clientreg.reverting import apply, plan, refusal

    with user_errors(), open_store(ctx, writes=True) as store:
        planned = plan(store, run)
        if planned.conflicts() and not force:
            raise refusal(planned)
        if not yes:
            if not (sys.stdin.isatty() or os.environ.get(FORCE_INTERACTIVE_ENV) == "1"):
                print_error(_("clientreg runs revert asks for confirmation, but standard input "
                              "is not a terminal; pass --yes to revert without asking."))
                raise typer.Exit(EXIT_USAGE)
            _print_plan(planned.counts())
            from clientreg.commands.import_mapping import _asked
            from clientreg.commands.yes_no import confirm

            confirmed = _asked("revert-confirm", confirm(
                _("Revert run {run}?").format(run=planned.run_id), default=False))
            if not confirmed:
                from clientreg.commands.boundary import EXIT_CANCELLED

                print_error(_("Cancelled: nothing was reverted."))
                raise typer.Exit(EXIT_CANCELLED)
        planned, left = apply(store, planned, force=force)
    for change, name, later in left:
        if name == "*":
            print_error(_("Left {entity} {identifier} as it is: run {later} changed it later.")
                        .format(entity=_entity(change.entity), identifier=change.key,
                                later=later))
        else:
            print_error(_("Left {entity} {identifier} {field} as it is: run {later} changed it "
                          "later.").format(entity=_entity(change.entity),
                                           identifier=change.key, field=name, later=later))
    for change in planned.changes:
        if change.in_use:
            print_error(_("Left {entity} {identifier} as it is: records of other runs use it.")
                        .format(entity=_entity(change.entity), identifier=change.key))
        for name in change.kept:
            print_error(_("Left {entity} {identifier} {field} as it is: a revert cannot give "
                          "it back.").format(entity=_entity(change.entity),
                                             identifier=change.key, field=name))
    print_error(_("Reverted run {run}.").format(run=planned.run_id))


def _print_plan(counts: dict[str, dict[str, int]]) -> None:
    words = {"removed": _("{count} to remove"), "reverted": _("{count} to change back"),
             "restored": _("{count} to put back")}
    for entity, by_action in counts.items():
        parts = [words[action].format(count=count) for action, count in sorted(by_action.items())]
        print_error(f"{_entity(entity)}: {', '.join(parts)}")


def register(app: typer.Typer) -> None:
    """Add the runs group to the root app."""
    runs = typer.Typer(no_args_is_help=True)
    runs.command("list", help=_("List the runs, newest first: id, start time, command "
                                "line, user and counts."))(list_runs)
    runs.command("show", help=_("Show a run: its command line, inputs with their SHA-256, "
                                "counts, and what it created, updated and left as it "
                                "was."))(show_run)
    runs.command("revert", help=_("Undo a run: remove what it created, give back what it "
                                  "changed; the revert is itself a run."))(revert_run)
    app.add_typer(runs, name="runs", rich_help_panel=_("Import and export"),
                  help=_("The run ledger: every command that writes is a run, recorded with "
                         "its inputs and what it changed."))
