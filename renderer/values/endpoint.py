"""`global.S3.Endpoint` read by its rules: a bare host (meaning https) or an `https://host[:port]`
URL; no user info, query, fragment or path; plain http only with `global.S3.AllowHttp` (IBM COS
publishes bare hosts; see ../shared/FACTS.md "Rules the values must follow")."""

from __future__ import annotations

from re import compile as compiled  # re caches what it compiles

from renderer.errors import Problem, show

S3_PATH = "global.S3"
HOST_LABEL = r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$"


def endpoint_url(raw: str, allow_http: bool) -> str | Problem:
    """The endpoint as an absolute URL (a bare host means https), or the problem with it.

    User info is never echoed: it would be a credential in the wrong place.
    """
    path = f"{S3_PATH}.Endpoint"
    text = raw.strip()
    if "@" in text:
        # Checked before any parsing: a secret may hold "/", "#" or ":" and fool the URL parser.
        scheme = text.partition("://")[0] + "://" if "://" in text else "https://"
        return Problem(path, show(f"{scheme}***@{text.rpartition('@')[2]}"), "must not contain credentials: "
                       "put them in the Secret named by global.S3.HmacSecretName")
    scheme, has_scheme, rest = text.partition("://")
    scheme, rest = (scheme.lower(), rest) if has_scheme else ("https", text)
    # No urllib.parse (it costs milliseconds to import): the rules allow only scheme://host[:port].
    cut = min((at for at in map(rest.find, "/?#") if at >= 0), default=len(rest))
    netloc, tail = rest[:cut], rest[cut:]
    host, has_port, port_text = netloc.rpartition(":") if ":" in netloc else (netloc, "", "")
    port = int(port_text) if port_text.isascii() and port_text.isdigit() else None
    if has_port and (port is None or port > 65535):
        return Problem(path, show(raw), "port must be 1-65535")
    if scheme not in ("https", "http"):
        return Problem(path, show(raw), "must be a host or an https://host[:port] URL")
    if scheme == "http" and not allow_http:
        return Problem(path, show(raw), "plain http sends backups unencrypted: use https, "
                       "or set global.S3.AllowHttp=true to allow it")
    if "?" in tail or "#" in tail:
        return Problem(path, show(raw), "must not have a query or fragment")
    if tail not in ("", "/"):
        return Problem(path, show(raw), "must not have a path (put paths in enclaveos-chart.Backup.S3Prefix)")
    label = compiled(HOST_LABEL)
    if not host or len(host) > 253 or not all(label.fullmatch(part) for part in host.split(".")):
        return Problem(path, show(raw), "has no valid host name")
    if port == 0:
        return Problem(path, show(raw), "port must be 1-65535")
    return f"{scheme}://{netloc}"
