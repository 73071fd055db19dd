"""The access commands of ``ozone-outcomes``: ``users add | list | remove`` and ``audit``.

``users`` edits the users file (:mod:`queries.access.users`; path from ``--users`` or
``OUTCOMES_USERS``). ``audit`` prints the audit log (:mod:`queries.access.audit`; methods.md
section 6, "Every view and export is audit-logged") with exactly the columns ``at, user,
role, action, page, filters, rows``. A command that refuses its input raises one of
:data:`REFUSED`; :func:`queries.cli.main` prints the message and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from queries.access import audit, users
from queries.access.audit import AuditLogError
from queries.access.users import UsersFileError
from queries.core.settings import ROLES, Settings

REFUSED = (UsersFileError, AuditLogError)  # printed by the command line, exit code 2
Command = Callable[[argparse.Namespace], int]
AddCommand = Callable[[str, Command, str], argparse.ArgumentParser]


def iso_day(text: str) -> date:
    """A ``YYYY-MM-DD`` argument (argparse reports a bad one and exits 2)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _users_file(args: argparse.Namespace) -> Path:
    path = Settings.from_env(users_path=args.users).users_path
    if path is None:
        raise UsersFileError("no users file given: use --users PATH or set OUTCOMES_USERS")
    return path


def _password(args: argparse.Namespace) -> str | None:
    """The first line of standard input with ``--password-stdin`` (no echo, no argv)."""
    if not args.password_stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsersFileError("--password-stdin: no password on standard input")
    return password


def cmd_users_add(args: argparse.Namespace) -> int:
    path = _users_file(args)
    user = users.add_user(path, args.email, args.role, args.provider_id, _password(args))
    print(f"added to {path}: {users.describe_users([user])}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    path = _users_file(args)
    listed = users.list_users(path)
    if listed:
        print(users.describe_users(listed))
    else:
        print(f"{path}: no users yet", file=sys.stderr)
    return 0


def cmd_users_remove(args: argparse.Namespace) -> int:
    path = _users_file(args)
    users.remove_user(path, args.email)
    print(f"removed {users.normalise_email(args.email)} from {path}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    settings = Settings.from_env(db_path=args.db)
    path = settings.audit_log_for(settings.database_path)
    events = audit.read(path, since=args.since)
    if not path.exists():
        print(f"no audit log at {path} yet: nothing was viewed or exported", file=sys.stderr)
    if args.format == "json":
        print(audit.to_json(events))
    else:
        sys.stdout.write(audit.to_csv(events))
    return 0


def add_users_command(command: AddCommand) -> None:
    """``users add | list | remove``, each with ``--users PATH``."""
    parent = command("users", cmd_users_list, "add, list or remove the app's users")
    sub = parent.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def action(name: str, func: Command, summary: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary)
        p.set_defaults(func=func)
        p.add_argument("--users", type=Path, help="users file (default: $OUTCOMES_USERS)")
        return p

    p = action("add", cmd_users_add, "add a user (refused when the email is already there)")
    p.add_argument("email", help="the user's email: their identity when they sign in")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--provider-id", help="with --role provider: whose courses they see")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a password for local sign-in from standard input (stored as an argon2id "
        "hash); without it the user signs in through the identity provider only",
    )
    action("list", cmd_users_list, "the users: email, role, provider, password set or not")
    p = action("remove", cmd_users_remove, "remove a user")
    p.add_argument("email")


def add_audit_command(command: AddCommand) -> None:
    p = command("audit", cmd_audit, "print the audit log: every page view and export, in order")
    p.add_argument(
        "--db",
        type=Path,
        help="database whose audit log (<db>.audit.jsonl) to read (default: $OUTCOMES_DB, "
        "else the synthetic clinic's; $OUTCOMES_AUDIT_LOG names the log itself)",
    )
    p.add_argument("--since", type=iso_day, help="only events from this UTC day on (YYYY-MM-DD)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
