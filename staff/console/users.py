"""``make staff-user NAME=ana ROLE=editor|admin``: creates an account or resets its password.

The password is read from standard input: asked twice on a terminal (hidden), one line when
piped (``printf '%s\\n' "$PASSWORD" | make staff-user ...``). Resetting also unlocks a locked
account and ends its sessions. The password is never printed or logged.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, Optional, TextIO

from staff.console.accounts import ROLES, Accounts
from staff.console.audit import AuditLog
from staff.console.config import ConsoleSettings
from staff.console.db import make_engine
from staff.console.passwords import confirm_problem


def read_password(stdin: TextIO, interactive: bool) -> str:
    """The new password: typed twice on a terminal, one line otherwise."""
    if interactive:
        first = getpass.getpass("New password (at least 12 characters): ")
        second = getpass.getpass("The same password again: ")
        problem = confirm_problem(first, second)
        if problem:
            raise ValueError(problem)
        return first
    return stdin.readline().rstrip("\r\n")


def main(argv: Optional[List[str]] = None, stdin: TextIO = sys.stdin) -> int:
    """Command line entry point: 0 done, 1 refused (the message says why), 2 bad usage."""
    parser = argparse.ArgumentParser(description="Create or reset a staff console account.")
    parser.add_argument("--name", required=True)
    parser.add_argument("--role", required=True)
    args = parser.parse_args(argv)
    if not args.name:
        print("error: say whose account: make staff-user NAME=ana ROLE=editor",
              file=sys.stderr)
        return 2
    if args.role not in ROLES:
        print(f"error: ROLE must be {' or '.join(ROLES)} "
              f"(e.g. make staff-user NAME={args.name} ROLE=editor)", file=sys.stderr)
        return 2
    try:
        password = read_password(stdin, stdin.isatty())
        engine = make_engine(ConsoleSettings.from_env().database_url)
        created = Accounts(engine).set_password(args.name, args.role, password)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    AuditLog(engine).record("make staff-user", "account created" if created
                            else "password reset", f"{args.name} ({args.role})")
    what = "created" if created else "reset (and unlocked)"
    print(f"Account '{args.name}' ({args.role}) {what}. Sign in at the staff console "
          "(http://localhost:8090/ with `make run`).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
