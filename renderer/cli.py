"""Command line of `datashield-backup` (the post-renderer) and `datashield-restore`.

The post-renderer's stdin and stdout are read and written here, and only here; the files
a render reads are read where they are parsed (`--values` files by values_file.py, the values
schema by schema_tools.py, the tzdata zone list by validate.py); the restore command's I/O (the
terminal, helm, kubectl, the bucket) is in restore.py and the modules it calls. This is the
only place that turns errors into messages and exit codes:

    0  success
    2  bad arguments            3  invalid values
    4  unusable manifests       1  any other failure the user can act on
    70 a bug (the traceback is shown with HELM_DEBUG=true)
    128 + N  the restore command stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP)

Helm 4 throws a post-renderer's stderr away. Running as the Helm 4 plugin, the
post-renderer therefore also prints its message to stdout as one YAML block
scalar and exits 0: Helm 4 then fails with "expected MappingNode but got
ScalarNode: node contents:" followed by that message, which the user sees.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any, NoReturn

PREFIX = "[helm-datashield]"
CARRIER_MARKER = b"DatashieldBackupValues"
HELM4_PLUGIN_NAME = "datashield-backup"
BACKUP_DESCRIPTION = """\
Helm post-renderer for the Data Shield enclave manager: reads rendered manifests on
stdin, validates the backup values, adds the backup CronJob (and, in restore mode,
the restore Job with the manager at 0 replicas) and writes the manifests on stdout.
Without backup values the manifests pass through unchanged.

Helm 3:  helm install ds ./chart --post-renderer <plugin dir>/bin/datashield-backup
Helm 4:  helm install ds ./chart --post-renderer datashield-backup
A chart that does not render the backup values (the vendor's):
         ... --post-renderer-args=--values=backup-values.yaml

Exit codes: 0 done, 2 bad arguments (an unknown option, a --values file that cannot be
read), 3 invalid values (the chart's or a --values file's), 4 unusable manifests on stdin,
1 any other failure, 70 a bug (traceback with HELM_DEBUG=true). As the Helm 4 plugin it
exits 0 and prints the message as YAML for Helm 4 to show (Helm 4 drops stderr)."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m renderer backup|restore [ARGS]`."""
    args = sys.argv[1:] if argv is None else argv
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "backup":
        return _postrenderer(rest)
    if command == "restore":
        return _guarded(lambda: _restore(rest), helm4=False)
    print(f"{PREFIX} usage: python -m renderer backup|restore [ARGS]", file=sys.stderr)
    return 2


def _postrenderer(args: list[str]) -> int:
    data = sys.stdin.buffer.read()
    if not args and CARRIER_MARKER not in data:
        # The common case of a chart without backup values: no parsing, no imports.
        sys.stdout.buffer.write(data)
        return 0
    helm4 = _environment("HELM_PLUGIN_NAME") == HELM4_PLUGIN_NAME
    return _guarded(lambda: _postrender_stream(data, args), helm4)


def _postrender_stream(data: bytes, args: list[str]) -> int:
    from . import values_file
    from .errors import InvalidManifests
    from .locate import Hints
    from .postrender import postrender
    from .stream import assemble

    values: list[dict[str, Any]] = []
    hints = Hints()
    if args:  # setting argparse up costs milliseconds: only when there is something to parse
        options = _backup_parser().parse_args(args)
        values = [values_file.read(path) for path in options.values]
        hints = Hints(release=options.release, manager=options.manager, database=options.database)
    if not data.isascii():  # the check costs a decoded copy: only for streams that need it
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidManifests(f"stdin is not UTF-8 text (byte {exc.start})") from None
    rendered = postrender(data, values, hints)
    for warning in rendered.warnings:
        print(f"{PREFIX} warning: {warning}", file=sys.stderr)
    for source, start, end in assemble(rendered.pieces):
        sys.stdout.buffer.write(memoryview(source)[start:end])
    return 0


def _backup_parser() -> Any:
    parser = _parser("datashield-backup", BACKUP_DESCRIPTION)
    parser.add_argument("-f", "--values", action="append", default=[], metavar="FILE",
                        help="values file with the backup values (repeatable; later files win), "
                             "for charts that do not render them")
    parser.add_argument("--release", help="release name, when the manifests do not tell it")
    parser.add_argument("--manager", metavar="NAME",
                        help="name of the manager Deployment (default: <release>-enclaveos-manager)")
    parser.add_argument("--database", metavar="NAME",
                        help="name of the CockroachDB StatefulSet (default: <release>-enclaveos-cockroachdb)")
    return parser


def _restore(args: list[str]) -> int:
    from .interrupt import INTERRUPTS

    INTERRUPTS.install()  # first: a Ctrl-C from now on is told as the state it left, never as a traceback
    from .restore import run

    return run(args, _parser)


def _parser(prog: str, description: str) -> Any:
    import argparse

    from .errors import InvalidArguments

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise InvalidArguments(f"{self.prog}: {message} (see {self.prog} --help)")

    return Parser(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)


def _environment(name: str) -> str:
    """An environment variable, or "" (`os` costs milliseconds to import; `posix` is built in)."""
    import posix

    return posix.environ.get(name.encode(), b"").decode("utf-8", "replace")


def _guarded(action: Any, helm4: bool) -> int:
    """Runs `action`; every error becomes lines on stderr (and on Helm 4, stdout) and an exit code.

    Each line is made one line here, whatever a message holds (`errors.one_line`): a line break,
    a terminal's escape sequence or any other character that is not printable is escaped."""
    from .errors import DatashieldError, one_line

    try:
        code: int = action()
        return code
    except DatashieldError as error:
        lines, code = error.lines(), error.exit_code
    except ModuleNotFoundError as error:
        if (error.name or "renderer").partition(".")[0] == "renderer":
            lines, code = _unexpected(error)
        else:  # an install cut short: the venv is there, its packages are not (all of them, or some)
            lines, code = [_incomplete_environment(f"no module {error.name}")], 1
    except Exception as error:  # a bug: say so plainly, never a bare traceback
        lines, code = _unexpected(error)
    lines = [one_line(line) for line in lines]
    try:
        for line in lines:
            print(f"{PREFIX} {line}", file=sys.stderr)
    except OSError:  # stderr is gone (the terminal closed: SIGHUP): the exit code is all that is left to tell
        pass
    if helm4:
        sys.stdout.write("|-\n" + "".join(f"  {PREFIX} {line}\n" for line in lines))
        return 0
    return code


def _unexpected(error: Exception) -> tuple[list[str], int]:
    if _environment("HELM_DEBUG").lower() in ("1", "true"):
        import traceback

        traceback.print_exc()
    return [f"unexpected error ({type(error).__name__}: {error}); "
            "run with HELM_DEBUG=true for details and report it"], 70


def _incomplete_environment(what: str) -> str:
    """The message for a plugin environment that lacks `what` (scripts/incomplete-environment says
    the same for the launchers in bin/ when the venv's python itself is missing)."""
    import shlex

    plugin = __file__.rpartition("/")[0].rpartition("/")[0]
    return f"the plugin's environment is incomplete ({what}): run {shlex.quote(plugin + '/scripts/install-env')}"


if __name__ == "__main__":
    sys.exit(main())
