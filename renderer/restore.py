"""`helm datashield-restore`: the restore procedure as one command.

Restores a release's enclave-manager database from a backup in the bucket (or a
local SQL file): preflight checks (release, values, Secret, backup, SGX hosts),
confirmation, restore mode with the manager at 0 replicas, the restore Job, and
back to the recorded replica count. The command line is defined here; the
procedure itself is not built yet (issue #4) and says so instead of pretending.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import DatashieldError

DESCRIPTION = """\
Restore the Data Shield enclave manager's database (malbork) from a backup.

  helm datashield-restore RELEASE --from latest            newest complete backup in the bucket
  helm datashield-restore RELEASE --from <object key>      a chosen backup
  helm datashield-restore RELEASE --from ./backup.sql      a local file
  helm datashield-restore RELEASE --from latest --dry-run  print the plan, change nothing

The manager must be restored onto the nodes that ran it before: its data is sealed
to their SGX hardware."""


def run(args: list[str], make_parser: Callable[[str, str], Any]) -> int:
    """Parses the restore command line; the procedure is not available yet."""
    parser = make_parser("helm datashield-restore", DESCRIPTION)
    parser.add_argument("release", metavar="RELEASE", help="the Helm release of the enclave manager")
    parser.add_argument("--from", dest="source", required=True, metavar="BACKUP",
                        help="`latest`, an object key in the bucket, or a local .sql file")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--output", choices=("text", "json"), default="text", help="progress format")
    parser.parse_args(args)
    raise DatashieldError("the restore procedure is not available in this version yet (issue #4); "
                          "follow the manual procedure in the README")
