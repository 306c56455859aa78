"""``gas draft``, ``gas commit``, ``gas log``, ``gas branch`` and ``gas tag``: a dataset's versions."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from ..client.profiles import settings
from .output import echo_json, json_option, table, when
from .session import dataset_at, draft_of, parse_tbrn, session
from .tbrn import TBRN

if TYPE_CHECKING:
    from ..api.records import CommitInfo

SHORT_ID = 7
_HINT = (
    "\n# The first line is the title, the lines after it the description.\n"
    "# Lines starting with '#' are ignored; an empty title aborts.\n"
)


def _message(title: str | None, description: str | None, initial: str, what: str) -> tuple[str, str]:
    """The title and description given, or written in the editor (on a terminal only)."""
    if title is not None:
        return title, description or ""
    if not sys.stdin.isatty():
        raise click.UsageError(f"give the {what} with -m/-t; an editor opens only on a terminal")
    written = click.edit(initial + _HINT, editor=settings().get("editor"), require_save=True) or ""
    lines = [line for line in written.splitlines() if not line.startswith("#")]
    if not lines or not lines[0].strip():
        raise click.ClickException(f"empty {what}: aborted")
    return lines[0].strip(), "\n".join(lines[1:]).strip()


@click.command("draft")
@click.argument("tbrn")
@click.option("-l", "--list", "list_", is_flag=True, help="list the open drafts (of the @BRANCH, if given)")
@click.option("--all", "all_", is_flag=True, help="with -l: closed and committed drafts too")
@click.option("-t", "--title", help="the draft's title (default: written in the editor)")
@click.option("--description", help="the draft's description")
@click.option("-e", "--edit", is_flag=True, help="change the title and description of tb:DATASET#N")
@click.option("-c", "--close", is_flag=True, help="close tb:DATASET#N without committing it")
@json_option
def draft(
    tbrn: str,
    list_: bool,
    all_: bool,
    title: str | None,
    description: str | None,
    edit: bool,
    close: bool,
    as_json: bool,
) -> None:
    """Create a draft of tb:DATASET[@BRANCH], list drafts (-l), edit (-e) or close (-c) one."""
    target = parse_tbrn(tbrn)
    if sum((list_, edit, close)) > 1:
        raise click.UsageError("use one of -l, -e and -c")
    if target.segment is not None:
        raise click.BadParameter(
            "a draft belongs to a dataset: tb:DATASET[@BRANCH] or tb:DATASET#N", param_hint="TBRN"
        )
    if list_:
        _list_drafts(target, all_, as_json)
        return
    if edit or close:
        client = draft_of(target, "-e" if edit else "-c")
        number = client.get_draft()["number"]
        if close:
            client.close_draft(number)
            click.echo(f"Closed draft {target}")
            return
        current = client.get_draft()
        new_title, new_description = _message(
            title, description, f"{current['title']}\n\n{current['description']}", "title"
        )
        client.update_draft(title=new_title, description=new_description)
        click.echo(f"Updated draft {target}")
        return
    if target.draft is not None:
        raise click.BadParameter("a new draft starts from a branch: tb:DATASET[@BRANCH]", param_hint="TBRN")
    new_title, new_description = _message(title, description, "", "title")
    client = session().gas().get_dataset(target.dataset)
    number = client.create_draft(new_title, new_description, target.revision or "main")
    click.echo(f"Created draft {TBRN(target.dataset, draft=number)}")


def _list_drafts(target: TBRN, all_: bool, as_json: bool) -> None:
    if target.draft is not None:
        raise click.BadParameter("-l lists the drafts of tb:DATASET[@BRANCH]", param_hint="TBRN")
    client = session().gas().get_dataset(target.dataset)
    drafts = client.list_drafts("ALL" if all_ else "OPEN", target.revision)
    if as_json:
        echo_json(drafts)
        return
    rows = [
        [f"#{d['number']}", d["status"], d["branchName"], when(d["createdAt"]), d["title"]] for d in drafts
    ]
    table(rows, ("yellow", None, "green"))


@click.command("commit")
@click.argument("tbrn")
@click.option("-m", "--message", help="the commit's title (default: written in the editor)")
@click.option("--description", help="the commit's description")
def commit(tbrn: str, message: str | None, description: str | None) -> None:
    """Commit the draft tb:DATASET#N as a new version of its branch."""
    target = parse_tbrn(tbrn)
    client = draft_of(target, "commit")
    title, text = _message(message, description, "", "commit message")
    commit_id = client.commit(title, text)
    click.echo(f"Committed {target} as {TBRN(target.dataset, revision=commit_id)}")


@click.command("log")
@click.argument("tbrn")
@click.option("-n", "--max-count", type=click.IntRange(min=1), help="show at most N commits")
@click.option("--oneline", is_flag=True, help="one line per commit: short id and title")
@click.option("--all", "all_", is_flag=True, help="the commits of every branch")
@click.option("--graph", is_flag=True, help="draw how the branches fork")
@json_option
def log(tbrn: str, max_count: int | None, oneline: bool, all_: bool, graph: bool, as_json: bool) -> None:
    """The commits of tb:DATASET[@REVISION], newest first (default: the main branch)."""
    target = parse_tbrn(tbrn)
    if target.draft is not None or target.segment is not None:
        raise click.BadParameter("log shows commits: tb:DATASET[@REVISION]", param_hint="TBRN")
    if all_ and target.revision:
        raise click.UsageError("--all shows every branch: give tb:DATASET without @REVISION")
    client = session().gas().get_dataset(target.dataset)
    branches = client.list_branches()
    if all_:
        found = {c["commitId"]: c for b in branches if b["commitId"] for c in client.list_commits(b["name"])}
        commits = sorted(found.values(), key=lambda c: c["committedAt"], reverse=True)
    else:
        commits = client.list_commits(target.revision) if target.revision or client.commit_id else []
    commits = commits[:max_count] if max_count else commits
    if as_json:
        echo_json(commits)
        return
    heads: dict[str, list[str]] = {}
    for branch in branches:
        if branch["commitId"]:
            heads.setdefault(branch["commitId"], []).append(branch["name"])
    lines = _graph(commits) if graph else (("", "", c) for c in commits)
    for prefix, pad, entry in lines:
        if entry is None:
            click.echo(prefix.rstrip())
            continue
        names = heads.get(entry["commitId"], [])
        decoration = click.style(f" ({', '.join(names)})", fg="green") if names else ""
        if oneline:
            short = click.style(entry["commitId"][:SHORT_ID], fg="yellow")
            click.echo(f"{prefix}{short}{decoration} {entry['title']}")
            continue
        click.echo(f"{prefix}{click.style('commit ' + entry['commitId'], fg='yellow')}{decoration}")
        click.echo(f"{pad}Date:   {when(entry['committedAt'])}".rstrip())
        click.echo(pad.rstrip())
        click.echo(f"{pad}    {entry['title']}")
        for line in entry["description"].splitlines():
            click.echo(f"{pad}    {line}".rstrip())
        click.echo(pad.rstrip())


def _graph(commits: list[CommitInfo]) -> Iterator[tuple[str, str, CommitInfo | None]]:
    """Each commit with the lanes beside it (``*`` its own) and the lanes below it; before a
    commit several lanes wait for (a fork point), a ``|/`` line where they join.

    A lane waits for the commit it leads to; commits have one parent, so lanes only join.
    """
    lanes: list[str | None] = []
    for entry in commits:
        commit_id = entry["commitId"]
        waiting = [i for i, lane in enumerate(lanes) if lane == commit_id]
        if len(waiting) > 1:
            yield _join_line(lanes, waiting[1:]), "", None
            for i in waiting[1:]:
                lanes[i] = None
            _trim(lanes)
        column = waiting[0] if waiting else _free_lane(lanes)
        lanes[column] = commit_id
        row = _lanes_line(lanes, column)
        lanes[column] = entry["parentCommitId"]
        _trim(lanes)
        yield row, _lanes_line(lanes, None), entry


def _trim(lanes: list[str | None]) -> None:
    while lanes and lanes[-1] is None:
        lanes.pop()


def _lanes_line(lanes: list[str | None], column: int | None) -> str:
    return "".join("* " if i == column else ("| " if lane else "  ") for i, lane in enumerate(lanes))


def _join_line(lanes: list[str | None], joining: list[int]) -> str:
    cells = [" "] * (2 * len(lanes))
    for i, lane in enumerate(lanes):
        if i in joining:
            cells[2 * i - 1] = "/"
        elif lane:
            cells[2 * i] = "|"
    return "".join(cells)


def _free_lane(lanes: list[str | None]) -> int:
    if None in lanes:
        return lanes.index(None)
    lanes.append(None)
    return len(lanes) - 1


@click.command("branch")
@click.argument("tbrn")
@click.argument("name", required=False)
@click.option("-d", "--delete", is_flag=True, help="Delete the branch tb:DATASET@BRANCH.")
@json_option
def branch(tbrn: str, name: str | None, delete: bool, as_json: bool) -> None:
    """List the branches of tb:DATASET, create branch NAME at tb:DATASET[@REVISION], or
    delete one with -d tb:DATASET@BRANCH."""
    _names("branch", tbrn, name, delete, as_json)


@click.command("tag")
@click.argument("tbrn")
@click.argument("name", required=False)
@click.option("-d", "--delete", is_flag=True, help="Delete the tag tb:DATASET@TAG.")
@json_option
def tag(tbrn: str, name: str | None, delete: bool, as_json: bool) -> None:
    """List the tags of tb:DATASET, tag tb:DATASET[@REVISION] as NAME, or delete one with
    -d tb:DATASET@TAG."""
    _names("tag", tbrn, name, delete, as_json)


def _names(kind: str, tbrn: str, name: str | None, delete: bool, as_json: bool) -> None:
    """``gas branch`` and ``gas tag``: list, create or delete a name for a commit."""
    target = parse_tbrn(tbrn)
    if target.draft is not None or target.segment is not None:
        raise click.BadParameter(f"a {kind} names a commit: tb:DATASET[@REVISION]", param_hint="TBRN")
    if delete:
        if name is not None or target.revision is None:
            raise click.UsageError(
                f"name the {kind} to delete in the TBRN: gas {kind} -d tb:DATASET@{kind.upper()}"
            )
        client = session().gas().get_dataset(target.dataset)
        (client.delete_branch if kind == "branch" else client.delete_tag)(target.revision)
        click.echo(f"Deleted {kind} {TBRN(target.dataset, revision=target.revision)}")
        return
    if name is None:
        client = session().gas().get_dataset(target.dataset)
        names = client.list_branches() if kind == "branch" else client.list_tags()
        if as_json:
            echo_json(names)
            return
        table([[n["name"], (n["commitId"] or "(no commit)")[:SHORT_ID]] for n in names], ("green",))
        return
    client = dataset_at(target)
    (client.create_branch if kind == "branch" else client.create_tag)(name, target.revision)
    click.echo(f"Created {kind} {TBRN(target.dataset, revision=name)} at {target.revision or 'main'}")
