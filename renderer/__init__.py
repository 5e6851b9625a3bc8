"""helm-datashield: safe scheduled backups and one-command restore for the Data Shield enclave manager.

Kept small on purpose: the post-renderer's passthrough path imports only what it needs.
"""

import sys


def libraries() -> None:
    """Makes the installed libraries (PyYAML, jsonschema, croniter, tzdata) importable.

    The post-renderer starts Python with -S (bin/datashield-backup): setting up
    site-packages costs about 3 ms, which a render that needs no library never pays.
    Call this before importing one.
    """
    if "site" not in sys.modules:
        import site

        site.main()
