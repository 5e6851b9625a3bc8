"""`global.S3.Endpoint` read by its rules: a bare host (meaning https) or an `https://host[:port]`
URL; no user info, query, fragment or path; plain http only with `global.S3.AllowHttp` (IBM COS
publishes bare hosts; see ../shared/FACTS.md "Rules the values must follow")."""

from __future__ import annotations

from re import compile as compiled  # re caches what it compiles

from renderer.errors import Problem, show

S3_PATH = "global.S3"
HOST_LABEL = r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$"
# The AWS S3 endpoints that name their region ("Amazon S3 endpoints and quotas", AWS General Reference,
# docs.aws.amazon.com/general/latest/gr/s3.html): s3.<region>.amazonaws.com, the legacy s3-<region>
# form, their dualstack and FIPS forms, and .amazonaws.com.cn in China, a region being <area>-<place>-<n>
# (us-gov-west-1, eusc-de-east-1). The global s3.amazonaws.com and s3-external-1.amazonaws.com sign for
# us-east-1; any other host (a website endpoint, PrivateLink, another store) names no region here.
AWS_REGIONAL_HOST = (r"^s3(?:-fips)?(?:\.dualstack)?[.-]([a-z]{2,4}(?:-[a-z]+)+-[0-9]+|external-1)"
                     r"\.amazonaws\.com(?:\.cn)?$")
# What a request is signed for when neither the endpoint nor global.S3.Region names a region: AWS's global
# endpoint's region, and the one that IBM COS and most S3-compatible stores accept (they ignore it).
DEFAULT_REGION = "us-east-1"


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


def signing_region(url: str, region: str | None) -> str | Problem:
    """The region the backups' requests are signed for (SigV4; a native BACKUP's `AWS_REGION`), from the
    endpoint URL `url` (as endpoint_url gives it) and the value `global.S3.Region` (None when not set), or
    the problem: an AWS endpoint that names a region (AWS_REGIONAL_HOST) gives it, and a value that differs
    from it cannot work (AWS refuses a request signed for another region: AuthorizationHeaderMalformed).
    Otherwise the value, else DEFAULT_REGION."""
    host = url.partition("://")[2].partition(":")[0]  # no IPv6 literal: endpoint_url takes host names only
    named = compiled(AWS_REGIONAL_HOST).fullmatch(host.lower())
    of_host = None if named is None else ("us-east-1" if named.group(1) == "external-1" else named.group(1))
    if region and of_host and region != of_host:
        return Problem(f"{S3_PATH}.Region", show(region), f"differs from the region of global.S3.Endpoint "
                       f"{host} ({of_host}): AWS refuses a request signed for another region; leave it unset "
                       "or set it to the endpoint's")
    return region or of_host or DEFAULT_REGION
