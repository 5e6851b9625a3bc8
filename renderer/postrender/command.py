"""`datashield-backup`, the post-renderer's command line: stdin, stdout, `--values` files and the
arguments Helm passes with `--post-renderer-args`. Without backup values (no `CARRIER_MARKER` in
the stream, no arguments) the stream is copied through unparsed and nothing is imported; errors
become a message and an exit code in renderer/cli.py (`guarded`).
"""

from __future__ import annotations

import sys

from renderer.cli import PREFIX, environment, guarded, make_parser
from renderer.postrender import CARRIER_KIND

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any

CARRIER_MARKER = CARRIER_KIND.encode()  # looked for in the raw bytes: without it, nothing is parsed
HELM4_PLUGIN_NAME = "datashield-backup"
DESCRIPTION = """\
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



def run(args: list[str]) -> int:
    """Post-renders stdin to stdout with the arguments Helm gave (`--post-renderer-args`); the exit code."""
    data = sys.stdin.buffer.read()
    if not args and CARRIER_MARKER not in data:
        # The common case of a chart without backup values: no parsing, no imports.
        sys.stdout.buffer.write(data)
        return 0
    helm4 = environment("HELM_PLUGIN_NAME") == HELM4_PLUGIN_NAME
    return guarded(lambda: _postrender_stream(data, args), helm4)


def _postrender_stream(data: bytes, args: list[str]) -> int:
    from renderer.errors import InvalidManifests
    from renderer.postrender.locate import Hints
    from renderer.postrender.pipeline import postrender
    from renderer.postrender.stream import assemble
    from renderer.values import values_file

    values: list[dict[str, Any]] = []
    hints = Hints()
    if args:  # setting argparse up costs milliseconds: only when there is something to parse
        options = _parser().parse_args(args)
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


def _parser() -> Any:
    parser = make_parser("datashield-backup", DESCRIPTION)
    parser.add_argument("-f", "--values", action="append", default=[], metavar="FILE",
                        help="values file with the backup values (repeatable; later files win), "
                             "for charts that do not render them")
    parser.add_argument("--release", help="release name, when the manifests do not tell it")
    parser.add_argument("--manager", metavar="NAME",
                        help="name of the manager Deployment (default: <release>-enclaveos-manager)")
    parser.add_argument("--database", metavar="NAME",
                        help="name of the CockroachDB StatefulSet (default: <release>-enclaveos-cockroachdb)")
    return parser
