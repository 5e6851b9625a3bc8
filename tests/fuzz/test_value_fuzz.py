"""Value fuzzing against the documented rules (../shared/FACTS.md): every accept/reject decision of the
validator on generated cron schedules and bucket names matches the rule.

Cron: schedules are generated field by field from Kubernetes' grammar (robfig/cron v3.0.1's
ParseStandard: signed numbers, empty list entries dropped, names in any case and with the letters
Python's case mapping folds but Go's does not (U+017F, long s), `@every <Go duration>`), each piece
knowing whether Kubernetes accepts it and whether this product refuses it anyway (`*-5`, @every
under 1m), so the expected decision comes from construction, not from croniter. Values get control
characters at their ends and inside (Python's `$` matches before a final line break). Days of the
month stay at most 28, so every accepted schedule also fires. Buckets, Secret names, prefixes and
endpoints: a direct transcription of the rules. Time zones: names that Python's zoneinfo and the
pinned tzdata both know, and changes of them that no IANA name has. Each test prints how many values
it tried (pytest -s).
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from renderer.values.validate import problems, time_zone_names

EXAMPLES = 400
# (lowest, highest generated, highest Kubernetes accepts, names): days of the month stop at 28 when
# generated, so that every accepted schedule fires.
FIELDS = [(0, 59, 59, ()), (0, 23, 23, ()), (1, 28, 31, ()),
          (1, 12, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
          (0, 6, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))]
# Refused by Kubernetes (robfig/cron's parser), or by this product ("*-5", which Kubernetes reads as "*").
BAD_ITEMS = ["L", "W", "5#2", "7L", "-", "1-", "*/0", "*/-1", "x", "1.5", "٣", "²", "*-5", "?-1", "++1", "+"]
# Letters that Python's str.upper() folds to an ASCII one, and whether Kubernetes reads them so: its names
# are looked up by Go's strings.ToLower, which lowers U+0130 (dotted capital I) to "i" but leaves U+017F
# (long s) and U+0131 (dotless i) as they are.
LOOKALIKES = {"S": [("\u017f", False)], "I": [("\u0131", False), ("\u0130", True)]}
# Characters that end or break a value; Python's `$` matches before a final "\n".
CONTROL = ["\n", "\r\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028"]


def values(schedule: str = "0 0 * * *", bucket: str = "acme-backups") -> dict[str, Any]:
    return {"global": {"S3": {"Endpoint": "s3.example.com", "Bucket": bucket, "HmacSecretName": "creds"}},
            "enclaveos-chart": {"Backup": {"CronSchedule": schedule}}}


def rejected(path: str, given_values: dict[str, Any]) -> bool:
    return any(p.path == path for p in problems(given_values))


@st.composite
def item(draw: st.DrawFn, low: int, high: int, limit: int, names: tuple[str, ...]) -> tuple[str, bool]:
    """One list item of a field and whether Kubernetes accepts it."""
    # Mostly good pieces: one bad piece rejects the whole schedule.
    kind = draw(st.sampled_from(["value"] * 12 + ["name", "range", "step", "star"] * 4 + ["bad", "out"]))
    value = st.integers(low, high)
    if kind == "value":  # Go's strconv.Atoi, which robfig/cron uses, takes a leading "+"
        return draw(st.sampled_from(["", "", "", "+"])) + str(draw(value)), True
    if kind == "name" and names:
        name = "".join(c.lower() if draw(st.booleans()) else c for c in draw(st.sampled_from(names)))
        swaps = [(i, look) for i, c in enumerate(name) for look in LOOKALIKES.get(c.upper(), ())]
        if swaps and draw(st.integers(0, 2)) == 0:
            at, (look, good) = draw(st.sampled_from(swaps))
            return name[:at] + look + name[at + 1:], good
        return name, True
    if kind == "range":
        a, b = draw(value), draw(value)
        return f"{a}-{b}", a <= b
    if kind == "step":
        base = draw(st.sampled_from(["*", f"{low}-{high}", str(draw(value))]))
        step = draw(st.integers(0, 100))
        return f"{base}/{step}", step > 0
    if kind == "star":
        return draw(st.sampled_from(["*", "?"])), True
    if kind == "out":
        return str(draw(st.sampled_from([low - 1, limit + 1, limit + 100]))), False
    return draw(st.sampled_from(BAD_ITEMS)), False


@st.composite
def schedules(draw: st.DrawFn) -> tuple[str, bool]:
    fields, ok = [], True
    count = draw(st.sampled_from([5] * 18 + [4, 6]))
    for low, high, limit, names in (FIELDS * 2)[:count]:
        items = draw(st.lists(item(low, high, limit, names), min_size=1, max_size=2))
        # Empty list entries are dropped by robfig/cron ("1," is "1"); the field keeps a real item.
        commas = draw(st.sampled_from([("", "")] * 6 + [(",", ""), ("", ","), ("", ",,")]))
        fields.append(commas[0] + ",".join(text for text, _ in items) + commas[1])
        ok = ok and all(good for _, good in items)
    separator = draw(st.sampled_from([" ", "  ", "\t"]))
    return separator.join(fields), ok and count == 5


def tried_both_ways(name: str, strategy: st.SearchStrategy[Any], decide: Any) -> None:
    """Runs the property on EXAMPLES values; both decisions must have been tried often enough to mean something."""
    seen = {True: 0, False: 0}

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(strategy)
    def prop(value: Any) -> None:
        seen[decide(value)] += 1

    prop()
    print(f"{name}: {seen[True]} accepted and {seen[False]} rejected, each as the rule says")
    assert min(seen.values()) >= EXAMPLES // 10, seen


def schedule_decided(case: tuple[str, bool]) -> bool:
    """Checks that the validator decides a generated (schedule, accepted) case as its rule says."""
    schedule, accepted = case
    assert rejected("enclaveos-chart.Backup.CronSchedule", values(schedule=schedule)) is not accepted, schedule
    return accepted


def test_cron_decisions_match_kubernetes_grammar() -> None:
    tried_both_ways("cron schedules", schedules(), schedule_decided)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                        "@reboot", "@DAILY", "@ daily", "@", "@dailyy", "@every", "@every ", "@daily\n"]))
def test_cron_macros(macro: str) -> None:
    accepted = macro in ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
    assert rejected("enclaveos-chart.Backup.CronSchedule", values(schedule=macro)) is not accepted


UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


@st.composite
def every(draw: st.DrawFn) -> tuple[str, bool]:
    """`@every <duration>`: accepted when Go's time.ParseDuration reads it (whole numbers and units here)
    and it is at least 1 minute (this product's minimum; Kubernetes takes down to 1s)."""
    parts = draw(st.lists(st.tuples(st.integers(0, 5000), st.sampled_from([*UNITS] * 3 + ["d", "H"])), min_size=1,
                          max_size=3))
    bare = draw(st.sampled_from(["", "", "", "", "7"]))  # a number without a unit: "missing unit"
    text = "".join(f"{number}{unit}" for number, unit in parts) + bare
    readable = all(unit in UNITS for _, unit in parts) and not bare
    return f"@every {text}", readable and sum(n * UNITS.get(u, 0) for n, u in parts) >= 60 * 10**9


def test_cron_every_decisions() -> None:
    tried_both_ways("@every schedules", every(), schedule_decided)


def bucket_rule(name: str) -> bool:
    """FACTS.md: valid on both AWS and IBM COS."""
    return bool(3 <= len(name) <= 63 and re.fullmatch(r"[a-z0-9.-]+", name) and re.match(r"[a-z0-9]", name)
                and re.search(r"[a-z0-9]$", name) and not any(s in name for s in ("..", ".-", "-.", "--"))
                and not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", name)
                and not name.startswith(("xn--", "sthree-", "amzn-s3-demo-", "cosv1-", "account-"))
                and not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3")))


BUCKETS = st.one_of(
    st.from_regex(r"[a-z0-9.\-]{1,70}", fullmatch=True),
    st.builds(lambda p, s: p + s, st.sampled_from(["xn--", "sthree-", "amzn-s3-demo-", "cosv1-", "account-", "a"]),
              st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)),
    st.builds(lambda s, p: s + p, st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
              st.sampled_from(["-s3alias", "--ol-s3", ".mrap", "--x-s3", "z"])),
    st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,4}){2,4}", fullmatch=True),
    st.text(max_size=70),
    st.builds(lambda s, c: s + c, st.from_regex(r"[a-z0-9]{3,20}", fullmatch=True), st.sampled_from(CONTROL)),
)


def test_bucket_decisions_match_the_rules() -> None:
    def decide(bucket: str) -> bool:
        assert rejected("global.S3.Bucket", values(bucket=bucket)) is not bucket_rule(bucket), bucket
        return bucket_rule(bucket)

    tried_both_ways("bucket names", BUCKETS, decide)


def secret_rule(name: str) -> bool:
    """Kubernetes: a DNS-1123 subdomain of at most 253 characters."""
    label = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    return len(name) <= 253 and re.fullmatch(rf"{label}(\.{label})*", name) is not None


def prefix_rule(prefix: str) -> bool:
    """README, Values: a path inside the bucket of safe key characters, not absolute, no empty,
    "." or ".." segments; at most 512 characters. An empty prefix is the bucket's root."""
    segments = prefix.split("/")
    return (len(prefix) <= 512 and re.fullmatch(r"[A-Za-z0-9!_.*'()/-]*", prefix) is not None
            and not prefix.startswith("/") and "//" not in prefix
            and not any(s in (".", "..") for s in segments))


def with_control(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values of `strategy` with a control character at the end, the start or inside."""
    return st.builds(lambda v, c, at: v[:at] + c + v[at:] if at <= len(v) else v + c, strategy,
                     st.sampled_from(CONTROL), st.sampled_from([0, 1, 99]))


SECRET_LIKE = st.from_regex(r"[a-z0-9.\-]{1,20}", fullmatch=True)
PREFIX_LIKE = st.from_regex(r"[A-Za-z0-9!_.*'()/\-]{0,20}", fullmatch=True)
SECRETS = st.one_of(SECRET_LIKE, st.text(max_size=20), st.builds(lambda n: "a" * n, st.integers(250, 256)),
                    with_control(SECRET_LIKE))
PREFIXES = st.one_of(PREFIX_LIKE, st.text(max_size=20),
                     st.sampled_from(["backups/em", "a/./b", "../x", "x/..", "/abs", "a//b", "x" * 513, "ok/"]),
                     with_control(PREFIX_LIKE))


def test_secret_name_decisions_match_kubernetes() -> None:
    def decide(name: str) -> bool:
        given = values()
        given["global"]["S3"]["HmacSecretName"] = name
        expected = secret_rule(name)
        assert rejected("global.S3.HmacSecretName", given) is not expected, name
        return expected

    tried_both_ways("secret names", SECRETS, decide)


def test_prefix_decisions_match_the_documented_rule() -> None:
    def decide(prefix: str) -> bool:
        given = values()
        given["enclaveos-chart"]["Backup"]["S3Prefix"] = prefix
        expected = prefix_rule(prefix)
        assert rejected("enclaveos-chart.Backup.S3Prefix", given) is not expected, prefix
        return expected

    tried_both_ways("prefixes", PREFIXES, decide)


@st.composite
def endpoints(draw: st.DrawFn) -> tuple[str, bool, bool]:
    """(endpoint, AllowHttp, accepted) from FACTS.md: a bare host (https) or https://host[:port];
    no user info, query, fragment or path; plain http only when allowed."""
    allow = draw(st.booleans())
    scheme, scheme_ok = draw(st.sampled_from([("", True), ("https://", True), ("http://", None), ("ftp://", False)]))
    scheme_ok = allow if scheme_ok is None else scheme_ok
    user, user_ok = draw(st.sampled_from([("", True)] * 3 + [("user:pw@", False)])) if scheme else ("", True)
    host, host_ok = draw(st.sampled_from([
        ("s3.direct.us-south.cloud-object-storage.appdomain.cloud", True), ("s3.example.com", True),
        ("127.0.0.1", True), ("localhost", True)] * 3 + [("-bad.example.com", False),
                                                            ("bad_host.example.com", False), ("", False)]))
    port, port_ok = draw(st.sampled_from([("", True)] * 9 + [(":443", True), (":65535", True), (":0", False),
                                                              (":65536", False), (":abc", False)]))
    tail, tail_ok = draw(st.sampled_from([("", True)] * 9 + [("/path", False), ("?x=1", False), ("#f", False)]))
    return scheme + user + host + port + tail, allow, all((scheme_ok, user_ok, host_ok, port_ok, tail_ok))


def test_endpoint_decisions_match_the_rules() -> None:
    def decide(case: tuple[str, bool, bool]) -> bool:
        endpoint, allow, expected = case
        given = values()
        given["global"]["S3"].update(Endpoint=endpoint, AllowHttp=allow)
        assert rejected("global.S3.Endpoint", given) is not expected, case
        return expected

    tried_both_ways("endpoints", endpoints(), decide)


ZONES = sorted(zoneinfo.available_timezones() & time_zone_names())


@st.composite
def time_zones(draw: st.DrawFn) -> tuple[str, bool]:
    """A time zone name of the IANA database, or one changed so that it cannot be one."""
    zone = draw(st.sampled_from(ZONES))
    change = draw(st.sampled_from(["none", "none", "suffix", "prefix", "lower", "space", "offset"]))
    return {"none": (zone, True), "suffix": (zone + "x9", False), "prefix": ("/" + zone, False),
            "lower": (zone.lower(), zone.lower() == zone), "space": (f" {zone}", False),
            "offset": (zone + "+1", zone + "+1" in ZONES)}[change]  # "Etc/GMT" + "+1" is a zone too


def test_time_zone_decisions_match_the_iana_names() -> None:
    def decide(case: tuple[str, bool]) -> bool:
        zone, expected = case
        given = values()
        given["enclaveos-chart"]["Backup"]["TimeZone"] = zone
        assert rejected("enclaveos-chart.Backup.TimeZone", given) is not expected, zone
        return expected

    tried_both_ways("time zones", time_zones(), decide)
