"""Command line of `datashield-backup` (the post-renderer) and `datashield-restore`.

The post-renderer's stdin and stdout are read and written here, and only here; the files
a render reads are read where they are parsed (`--values` files by values_file.py, the values
schema by schema.py, the tzdata zone list by validate.py); the restore command's I/O (the
terminal, helm, kubectl, the bucket) is in restore/command.py and the modules it calls. This is the
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
def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m renderer backup|restore [ARGS]`."""
    args = sys.argv[1:] if argv is None else argv
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "backup":
        from renderer.postrender.command import run

        return run(rest)
    if command == "restore":
        return guarded(lambda: _restore(rest), helm4=False)
    print(f"{PREFIX} usage: python -m renderer backup|restore [ARGS]", file=sys.stderr)
    return 2


def _restore(args: list[str]) -> int:
    from renderer.restore.interrupt import INTERRUPTS

    INTERRUPTS.install()  # first: a Ctrl-C from now on is told as the state it left, never as a traceback
    from renderer.restore.command import run

    return run(args, make_parser)


def make_parser(prog: str, description: str) -> Any:
    import argparse

    from renderer.errors import InvalidArguments

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise InvalidArguments(f"{self.prog}: {message} (see {self.prog} --help)")

    return Parser(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)


def environment(name: str) -> str:
    """An environment variable, or "" (`os` costs milliseconds to import; `posix` is built in)."""
    import posix

    return posix.environ.get(name.encode(), b"").decode("utf-8", "replace")


def guarded(action: Any, helm4: bool) -> int:
    """Runs `action`; every error becomes lines on stderr (and on Helm 4, stdout) and an exit code.

    Each line is made one line here, whatever a message holds (`errors.one_line`): a line break,
    a terminal's escape sequence or any other character that is not printable is escaped."""
    from renderer.errors import DatashieldError, one_line

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
    if environment("HELM_DEBUG").lower() in ("1", "true"):
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
