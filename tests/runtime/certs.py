"""TLS certificates made with openssl for the secure-cluster tests, in the file names CockroachDB
uses for its client certificates (ca.crt, client.<user>.crt, client.<user>.key) and a server
certificate for 127.0.0.1 (what `sslmode=verify-full` checks)."""

from __future__ import annotations

import subprocess
from pathlib import Path

EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]


def _openssl(*args: str | Path, cwd: Path) -> None:
    done = subprocess.run(["openssl", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, f"openssl {' '.join(map(str, args))}:\n{done.stderr}"


def certificates(folder: Path, ca_name: str, user: str) -> dict[str, bytes]:
    """A new CA named `ca_name`, and signed by it a server certificate for 127.0.0.1 and a client
    certificate for `user`: {"ca.crt", "server.crt", "server.key", "client.<user>.crt", "client.<user>.key"}."""
    folder.mkdir(parents=True)
    _openssl("req", "-x509", *EC, "-subj", f"/CN={ca_name}", "-keyout", "ca.key", "-out", "ca.crt", cwd=folder)
    (folder / "server.ext").write_text("subjectAltName = IP:127.0.0.1\n", encoding="utf-8")
    for name, subject, extensions in (("server", "/CN=127.0.0.1", ["-extfile", "server.ext"]),
                                      (f"client.{user}", f"/CN={user}", [])):
        _openssl("req", "-new", *EC[:-2], "-subj", subject, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 cwd=folder)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", *extensions, "-out", f"{name}.crt", cwd=folder)
    names = ("ca.crt", "server.crt", "server.key", f"client.{user}.crt", f"client.{user}.key")
    return {name: (folder / name).read_bytes() for name in names}
