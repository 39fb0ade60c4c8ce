"""``hipcheck history``: a person's sessions over weeks (table, trend page, CSV) without the server."""

from __future__ import annotations

import argparse
from pathlib import Path

from hipcheck.cli._args import Subparsers, add_data_option


def register(sub: Subparsers) -> None:
    """Add the ``history`` sub-command."""
    p = sub.add_parser(
        "history",
        help="a person's sessions over time: table, trend page, CSV (no NAME: list people)",
        description="Print NAME's sessions (added by 'hipcheck analyze --person', 'hipcheck batch --person' or "
        "the web page) newest first; write the trend page (-o) and the sessions as CSV (--csv). Without NAME, "
        "list every person with their number of sessions and last recording date.",
    )
    p.add_argument("person", nargs="?", default=None, metavar="NAME", help="the person (default: list people)")
    add_data_option(p)
    p.add_argument("-o", "--out", type=Path, default=None, metavar="FILE", help="write the trend page (HTML) here")
    p.add_argument("--csv", type=Path, default=None, metavar="FILE", help="write the sessions as CSV here")
    p.add_argument(
        "--delete", action="store_true",
        help="delete every session of NAME for good (its rows and the report copies in the data folder)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List people, or show / export / delete one person's sessions."""
    from rich.console import Console

    from hipcheck import io, jobs
    from hipcheck.errors import UsageError

    data = jobs.DataDir.at(args.data)
    console = Console()
    if args.person is None:
        if args.out or args.csv or args.delete:
            raise UsageError("-o, --csv and --delete need a NAME")
        people = jobs.known_people(data)
        console.print(jobs.people_table(people) if people else f"no sessions in {data.root} yet")
        return 0
    person = jobs.check_person(args.person)  # "   " is no name: say so, not "no sessions of ''"
    rows = jobs.person_sessions(data, person)
    if args.delete:
        if args.out or args.csv:
            raise UsageError("--delete cannot be combined with -o or --csv")
        gone = jobs.delete_person(data, person)
        print(f"deleted {len(gone)} session{'s' * (len(gone) != 1)} of {person} from {data.root}")
        return 0
    console.print(jobs.sessions_table(person, rows))
    if args.csv is not None:
        print(f"   csv: {io.write_text_atomic(args.csv, jobs.sessions_csv(rows))}")
    if args.out is not None:
        print(f" trend: {jobs.write_trend_html(args.out, person, rows)}")
    return 0
