"""Secure clusters (Backup.Database.CertsSecret): the backup and restore pods reach a database
that takes TLS connections with a client certificate only, from the Secret mounted at
DATABASE_CERTS_DIR. PostgreSQL stands in for CockroachDB (tests/runtime/db-postgres.sh maps
the same three files to libpq's sslmode=verify-full); the server accepts nothing else on TCP."""

from __future__ import annotations

import pytest

from tests.runtime.conftest import CERTS_SECRET, Site
from tests.services import PG_USER

SECURE = {"CertsSecret": CERTS_SECRET}  # Backup.Database


def test_backup_then_restore_over_tls_with_client_certificates(secure_site: Site) -> None:
    before = secure_site.data()
    run = secure_site.backup(Database=SECURE)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    secure_site.db.psql("DELETE FROM enclaves; DROP TABLE audit", "malbork")
    run = secure_site.restore("latest", backup={"Database": SECURE})
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert secure_site.data() == before
    assert "[restore] restored malbork: 2 tables, row counts as recorded" in run.log


UNREACHABLE = "[dump] FAILED: cannot reach database malbork at 127.0.0.1:{port}: psql: error: connection to server " \
    'at "127.0.0.1", port {port} failed: '


# The database's reason on the failure's one line (its runs of white space made single spaces).
@pytest.mark.parametrize("case,message", [
    pytest.param("no-certs-secret", UNREACHABLE + "FATAL: connection requires a valid client certificate",
                 id="no-certs-secret"),
    pytest.param("client-cert-of-another-ca", UNREACHABLE + "SSL error: tlsv1 alert unknown ca",
                 id="client-cert-of-another-ca"),
    pytest.param("server-of-another-ca", UNREACHABLE + "SSL error: certificate verify failed",
                 id="server-of-another-ca"),
    # The seam's own check, as db-cockroach.sh's (which names client.root.*).
    pytest.param("no-client-key", "[dump] FAILED: the certificates Secret must hold ca.crt, client.postgres.crt and "
                 "client.postgres.key", id="no-client-key"),
])
def test_wrong_or_missing_certificates_fail_the_backup_clearly(secure_site: Site, certs: dict[str, dict[str, bytes]],
                                                               case: str, message: str) -> None:
    files = secure_site.secret_volumes[CERTS_SECRET]
    secret_name = CERTS_SECRET
    if case == "no-certs-secret":
        secret_name = ""  # empty: an insecure cluster
    elif case == "client-cert-of-another-ca":
        files |= {name: certs["other"][name] for name in (f"client.{PG_USER}.crt", f"client.{PG_USER}.key")}
    elif case == "server-of-another-ca":
        files["ca.crt"] = certs["other"]["ca.crt"]
    elif case == "no-client-key":
        del files[f"client.{PG_USER}.key"]
    run = secure_site.backup(Database={"CertsSecret": secret_name})
    assert (run.returncode, run.failed_container) == (1, "dump"), run.log
    assert message.format(port=secure_site.db.port) in run.log, run.log
    assert secure_site.objects() == []
