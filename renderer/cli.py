"""Command line of `datashield-backup` (the post-renderer) and `datashield-restore`.

This is the only place that reads stdin, writes stdout, reads values files and
turns errors into messages and exit codes:

    0  success
    2  bad arguments            3  invalid values
    4  unusable manifests       1  any other failure the user can act on
    70 a bug (the traceback is shown with HELM_DEBUG=true)

A post-renderer runs on every helm call, so a successful result is kept in a cache
(`.venv/datashield-cache`, set DATASHIELD_CACHE=off to bypass it): the same stdin,
arguments, values files, code and dependencies give the same output, read back
without parsing or importing anything. Only the changes are kept (the added
objects and the positions of the untouched input), never the input itself.

Helm 4 throws a post-renderer's stderr away. Running as the Helm 4 plugin, the
post-renderer therefore also prints its message to stdout as one YAML block
scalar and exits 0: Helm 4 then fails with "expected MappingNode but got
ScalarNode: node contents:" followed by that message, which the user sees.
"""

from __future__ import annotations

import os
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
         ... --post-renderer-args=--values=backup-values.yaml"""


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
    key = _cache_key(data, args)
    if key is not None and _from_cache(key, data):
        return 0
    helm4 = os.environ.get("HELM_PLUGIN_NAME") == HELM4_PLUGIN_NAME
    return _guarded(lambda: _postrender_stream(data, args, key), helm4)


# What the output depends on besides stdin, arguments and values files: our code, schema and
# templates, and the venv's dependencies (its requirements stamp). Paths relative to the repository.
CACHE_INPUTS = ("renderer", "renderer/templates", "renderer/templates/scripts", "schemas", ".venv/.datashield-stamp")
CACHE_KEEP = 64  # entries; the oldest go beyond that
Segments = list[tuple[int, int] | bytes]  # output: slices of stdin and new bytes


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cache_dir() -> str:
    return os.path.join(ROOT, ".venv", "datashield-cache")  # not sys.prefix: under -S it is not the venv


def _cache_key(data: bytes, args: list[str]) -> str | None:
    """The cache key of this run, or None for no cache: switched off, values files (`--values`,
    `-f` and argparse's abbreviations: their contents would have to be read and keyed too), or
    an input that cannot be read (the normal path then says what is wrong)."""
    if os.environ.get("DATASHIELD_CACHE", "").lower() in ("off", "0", "false") or \
            any(arg.startswith(("-f", "--v")) for arg in args):
        return None
    try:
        from _sha256 import sha256  # type: ignore[import-not-found, unused-ignore]  # hashlib costs ms to import
    except ImportError:
        from hashlib import sha256
    digest = sha256(f"1\0{sys.version}\0{args!r}\0{ROOT}".encode())
    try:
        for name in CACHE_INPUTS:
            path = os.path.join(ROOT, name)
            files = sorted(e.path for e in os.scandir(path) if e.is_file()) if os.path.isdir(path) else [path]
            for file in files:
                with open(file, "rb") as handle:
                    digest.update(f"\0{file}\0".encode() + handle.read())
    except OSError:
        return None
    digest.update(b"\0stdin\0")
    digest.update(data)
    return str(digest.hexdigest())


def _from_cache(key: str, data: bytes) -> bool:
    """Writes the cached output for `key`, if there is one; False when there is none (or it is unusable)."""
    import marshal

    try:
        with open(os.path.join(_cache_dir(), key), "rb") as handle:
            segments, warnings = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return False
    for warning in warnings:
        print(f"{PREFIX} warning: {warning}", file=sys.stderr)
    view = memoryview(data)
    for segment in segments:
        sys.stdout.buffer.write(view[segment[0]:segment[1]] if isinstance(segment, tuple) else segment)
    return True


def _to_cache(key: str, segments: Segments, warnings: tuple[str, ...]) -> None:
    """Keeps a result (written whole, then renamed: readers never see half an entry); best effort."""
    import marshal
    import tempfile

    folder = _cache_dir()
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".new-", delete=False) as handle:
            marshal.dump((segments, list(warnings)), handle)
        os.replace(handle.name, os.path.join(folder, key))
        entries = sorted(os.scandir(folder), key=lambda e: e.stat().st_mtime)
        for old in entries[:-CACHE_KEEP]:
            os.unlink(old.path)
    except OSError:
        pass  # a read-only or full disk only costs speed


def _postrender_stream(data: bytes, args: list[str], key: str | None) -> int:
    if "site" not in sys.modules:  # started with -S (bin/datashield-backup): now the libraries are needed
        import site

        site.main()
    from .errors import InvalidManifests
    from .locate import Hints
    from .postrender import postrender
    from .stream import assemble

    options = _backup_parser().parse_args(args)
    if not data.isascii():  # the check costs a decoded copy: only for streams that need it
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidManifests(f"stdin is not UTF-8 text (byte {exc.start})") from None
    values = [_read_values_file(path) for path in options.values]
    hints = Hints(release=options.release, manager=options.manager, database=options.database)
    rendered = postrender(data, values, hints)
    for warning in rendered.warnings:
        print(f"{PREFIX} warning: {warning}", file=sys.stderr)
    segments: Segments = []
    for source, start, end in assemble(rendered.pieces):
        sys.stdout.buffer.write(memoryview(source)[start:end])
        segments.append((start, end) if source is data else source[start:end])
    if key is not None:
        _to_cache(key, segments, rendered.warnings)
    return 0


def _read_values_file(path: str) -> dict[str, Any]:
    import yaml

    from .errors import DatashieldError
    from .stream import describe_yaml_error

    try:
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except OSError as exc:
        raise DatashieldError(f"--values {path}: cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise DatashieldError(f"--values {path}: is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise DatashieldError(f"--values {path}: is not valid YAML: {describe_yaml_error(exc)}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise DatashieldError(f"--values {path}: must be a mapping of values, not {type(loaded).__name__}")
    return loaded


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
    from .restore import run

    return run(args, _parser)


def _parser(prog: str, description: str) -> Any:
    import argparse

    from .errors import InvalidArguments

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise InvalidArguments(f"{self.prog}: {message} (see {self.prog} --help)")

    return Parser(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)


def _guarded(action: Any, helm4: bool) -> int:
    """Runs `action`; every error becomes lines on stderr (and on Helm 4, stdout) and an exit code."""
    from .errors import DatashieldError

    try:
        code: int = action()
        return code
    except DatashieldError as error:
        lines, code = error.lines(), error.exit_code
    except Exception as error:  # a bug: say so plainly, never a bare traceback
        if os.environ.get("HELM_DEBUG", "").lower() in ("1", "true"):
            import traceback

            traceback.print_exc()
        lines, code = [f"unexpected error ({type(error).__name__}: {error}); "
                       "run with HELM_DEBUG=true for details and report it"], 70
    for line in lines:
        print(f"{PREFIX} {line}", file=sys.stderr)
    if helm4:
        sys.stdout.write("|-\n" + "".join(f"  {PREFIX} {line}\n" for line in lines))
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
