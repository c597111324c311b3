"""hotpot_snippet 0.1.0: send a Hotpot moment, or page people, from a code step where nothing
can be installed.

Safe to paste whole into a "Code by Zapier" Python step, or to run on any Python 3.7+: standard
library only, no dependencies, no network request but the POST to Hotpot. It checks the moment
or page against Hotpot's rules, retries what is worth retrying under one Idempotency-Key (so no
duplicates), always verifies TLS certificates, and shows at most 4 characters of a token or key.

Zapier, a moment: map the Input Data fields webhook_url, name, type (page, alert, near-miss,
incident) and any of priority, source, source_url, description, occurred_at. The step's output
is {"status": 202, "request_id": ..., "sunset": ...} or {"error": ..., "problems": [{"field",
"message"}, ...]}. "sunset" is None, or when the webhook expires ("2026-11-30T12:00:00Z", from
the answer's Sunset header): ask its owner for the new URL before then.

Zapier, a page: map team (a team's slug) or person (an e-mail address) instead of webhook_url,
with api_key, title, text and any of urgency (low, medium, high), source_url, base_url. The
output is {"status": 202, "request_id": ...} or the same error. Elsewhere: send(webhook_url,
name, type, **fields), page_team(api_key, slug, title, text, ...), page_person(api_key, email,
title, text, ...), check(payload) and check_page(payload, kind).

Version 0.1.0 of hotpot-py/snippet/hotpot_snippet.py, https://github.com/hotpot-works/hotpot
(spec sections 1, 2, 5, 6, 13, 14); its rules are tested against the Rust client's.
"""
import datetime, email.utils, http.client, ipaddress, json, random, re, ssl, time, uuid  # noqa
import unicodedata
import urllib.error, urllib.parse, urllib.request  # noqa: E401

VERSION = "0.1.0"
USER_AGENT = "hotpot-snippet/" + VERSION
# Code by Zapier stops a step after 1 s (Free plan), 10 s (Trial), 30 s (Professional, Team)
# or 2 min (Enterprise). Sending gives up after 8 s: within every plan's limit but Free's (too
# short for any network call), with time left for the step itself. On 30 s plans 25 is fine.
DEADLINE = 8.0
ATTEMPTS, RETRIED = 3, (408, 429, 500, 502, 503, 504)  # 3 attempts in all, on these answers
BASE_DELAY, MAX_DELAY = 0.1, 5.0  # full-jitter exponential backoff between attempts
TIMEOUT = 5.0  # to connect, and for each read, in one attempt (less near the deadline)

FIELDS = ("name", "type", "priority", "source", "source_url", "description", "occurred_at")
TYPES, PRIORITIES = ("page", "alert", "near-miss", "incident"), ("high", "medium", "low")
NAME_MAX = 70  # characters: Unicode scalar values, Python's len()
# Unicode White_Space, as Rust's char::is_whitespace (Python's isspace() also takes \x1c-\x1f).
_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000")
_SPACE.update(chr(c) for c in range(0x2000, 0x200B))
# RFC 3339 as the chrono crate reads it (T, t or space; Z or z; any fraction; U+2212 minus),
# or without a zone, after T or a space, meaning UTC.
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})([Tt ])([0-9]{2}):([0-9]{2}):([0-9]{2})"
                   "(\\.[0-9]+)?([Zz]|[-+\u2212][0-9]{2}:[0-9]{2})?")

class HotpotError(Exception):
    """Not sent, or refused: `problems` lists the rules the moment breaks, `status` is Hotpot's
    HTTP status when it answered. The message never shows the token."""
    def __init__(self, message, problems=(), status=None):
        Exception.__init__(self, message)
        self.problems, self.status = list(problems), status

def _quote(s):  # a value repeated in a message: JSON-quoted, cut after 40 characters
    return json.dumps(s[:40], ensure_ascii=False)[:-1] + ('…"' if len(s) > 40 else '"')

def _found(v):  # what a message says was found instead of what was expected
    if isinstance(v, (bool, int, float)):
        return "a %s (%s)" % ("boolean" if isinstance(v, bool) else "number", json.dumps(v))
    if isinstance(v, (list, dict)):
        what = "an object with %d field" if isinstance(v, dict) else "an array of %d item"
        return what % len(v) + ("" if len(v) == 1 else "s")
    if isinstance(v, str):
        return "a string (%s)" % _quote(v)
    return "null" if v is None else "a " + type(v).__name__

def _name(s):
    if not s or len(s) > NAME_MAX:
        return "expected 1 to %d characters, found %s" % (
            NAME_MAX, "%d characters (%s)" % (len(s), _quote(s)) if s else "an empty string")
    if all(c in _SPACE for c in s):
        return "expected at least one non-whitespace character, found only whitespace (%s)" % (
            _quote(s))

def _word(s, allowed):  # type and priority: in any (ASCII) case; a near spelling gets a hint
    if s.isascii() and s.lower() in allowed:
        return None
    near = _nearest(s, allowed)
    near = ' (did you mean "%s"?)' % near if near else ""
    return "expected one of %s (any case), found %s%s" % (", ".join(allowed), _quote(s), near)

def _nearest(s, allowed):
    """The allowed word s is a near spelling of: letters and digits only, lower case, at most
    1 edit away for a word of up to 5 letters, 2 for a longer one (insert, delete, replace,
    swap two adjacent); the nearest, the first of equals."""
    squash = lambda w: "".join(c for c in w if c.isalnum()).lower()  # noqa: E731
    a, best = squash(s), None
    for w in allowed if a else ():
        b = squash(w)
        d = [[i + j if not (i and j) else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                cost = a[i - 1] != b[j - 1]
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        if d[-1][-1] <= (1 if len(b) <= 5 else 2) and (best is None or d[-1][-1] < best[0]):
            best = (d[-1][-1], w)
    return best and best[1]

def _ipv4_number(p):  # a WHATWG IPv4 part (decimal, 0x hex, 0-led octal), or None
    base, digits = (16, p[2:]) if p[:2].lower() == "0x" else (8, p[1:]) if p[:1] == "0" else (10, p)
    allowed = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[base]
    return int(digits or "0", base) if p and all(c in allowed for c in digits) else None

def _host_ok(host):
    """A URL host as the WHATWG URL standard (Rust's url crate) reads it: [IPv6], a domain
    (IDNA details aside), or an IPv4 address when the last label is a number."""
    try:
        if host[:1] == "[":
            return host[-1:] == "]" and "%" not in host and bool(ipaddress.IPv6Address(host[1:-1]))
        host = urllib.parse.unquote(host)
        host = host if host.isascii() else host.encode("idna").decode("ascii")
        if "xn--" in host.lower():  # punycode labels must decode
            host.lower().encode("ascii").decode("idna")
    except ValueError:  # UnicodeError included
        return False
    if not host or any(c <= " " or c in '\x7f%#/:<>?@[\\]^|' for c in host):
        return False
    parts = host.split(".")
    parts = parts[:-1] if parts[-1] == "" and len(parts) > 1 else parts
    if not parts[-1].isdigit() and _ipv4_number(parts[-1]) is None:
        return True  # a domain
    nums = [_ipv4_number(p) for p in parts]
    return len(nums) <= 4 and None not in nums and max(nums[:-1] + [0]) <= 255 \
        and nums[-1] < 256 ** (5 - len(nums))

def _url(s):  # source_url: an absolute http or https URL with a host
    found = None
    u = re.sub("[\t\n\r]", "", s.strip("".join(chr(c) for c in range(33))))
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", u, re.S)
    if all(c in _SPACE for c in s):
        found = "only whitespace (%s)" % _quote(s) if s else "an empty string"
    elif not m:
        found = "a relative reference (%s)" % _quote(s)
    elif m.group(1).lower() not in ("http", "https"):
        found = "the scheme %s (%s)" % (json.dumps(m.group(1).lower()), _quote(s))
    else:
        authority = re.split(r"[/\\?#]", m.group(2).lstrip("/\\"), maxsplit=1)[0]
        hp = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::([0-9]*))?", authority.rpartition("@")[2])
        if not hp or int(hp.group(2) or 0) > 65535:
            found = "a bad port (%s)" % _quote(s)
        elif not _host_ok(hp.group(1)):
            found = "%s host (%s)" % ("a bad" if hp.group(1) else "no", _quote(s))
    return found and "expected an absolute http or https URL, found " + found

def _time(s):
    """An accepted occurred_at as (seconds since 1970, RFC 3339 in UTC, UTC year), else None."""
    m = _TIME.fullmatch(s)
    zone = m and (m.group(9) or "Z")  # offsets go up to 23:59, seconds to 60 (a leap second)
    if not m or (m.group(4) == "t" and not m.group(9)) or m.group(7) > "60" or zone[1:3] > "23" \
            or zone[4:] > "59":
        return None  # (the zone-less forms take T or a space, not t)
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in (1, 2, 3, 5, 6, 7))
    frac, shift = (m.group(8) or "")[:10], y // 400 * 400 - 2000
    try:  # the calendar repeats every 400 years; datetime has no year 0
        t = datetime.datetime(y - shift, mo, d, h, mi, min(sec, 59))
    except ValueError:
        return None
    minutes = int(zone[1:3] or 0) * 60 + int(zone[4:] or 0)
    t -= datetime.timedelta(minutes=-minutes if zone[0] in "-\u2212" else minutes)
    epoch = (t - datetime.datetime(1970, 1, 1)).total_seconds() + shift // 400 * 12622780800
    text = "%04d-%02d-%02dT%02d:%02d:%02d%sZ" % (
        t.year + shift, t.month, t.day, t.hour, t.minute, t.second + (sec == 60), frac)
    return epoch + (sec == 60) + float("0" + frac), text, t.year + shift

def _occurred_at(s):
    t, now = _time(s), time.time()
    if t is None:
        return ('expected an ISO 8601 date-time such as "2023-04-01T12:31:26Z", "2023-04-01T12:31:'
                '26.250+02:00" or "2023-04-01 12:31:26" (UTC), found %s' % _quote(s))
    if not 0 <= t[2] <= 9999:
        return "expected a time from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z, found %s" % (
            _quote(s))
    if t[0] > now:
        return "expected a time that is not in the future (now is %s), found %s" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), t[1])

_RULES = {"name": _name, "type": lambda s: _word(s, TYPES), "source_url": _url,
          "priority": lambda s: _word(s, PRIORITIES), "occurred_at": _occurred_at}
_REQUIRED = {"name": "a string of 1 to %d characters" % NAME_MAX,
             "type": "one of " + ", ".join(TYPES)}

def _problems(payload, fields, rules, required):
    if not isinstance(payload, dict):
        return [{"field": "payload", "message": "expected a JSON object, found " + _found(payload)}]
    problems = []
    for field in fields:
        value, message = payload.get(field), None
        if value is None and field in required:
            message = "required: expected %s, found %s" % (
                required[field], "null" if field in payload else "nothing (the field is missing)")
        elif value is not None:
            message = rules.get(field, lambda s: None)(value) if isinstance(value, str) \
                else "expected a string, found " + _found(value)
        if message:
            problems.append({"field": field, "message": message})
    return problems

def check(payload):
    """Every problem of a moment payload (a dict) as [{"field", "message"}]; [] when it is valid.
    None means absent; unknown fields are no problem (Hotpot ignores them)."""
    return _problems(payload, FIELDS, _RULES, _REQUIRED)

# Pages (spec section 14): POST /page/team or /page/person with an API key.
PAGE_FIELDS = ("title", "text", "recipient", "urgency", "source_url")
URGENCIES, TITLE_MAX, TEXT_MAX = ("low", "medium", "high"), 200, 10000
_EMAIL = "expected an e-mail address (one `@`, a non-empty local part and a domain with a dot)"
_SLUG = "expected a team slug of letters, digits, `-` and `_`"
_ESCAPE = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", "'": "\\'"}

def _non_blank(s, most):
    expected = "expected a non-blank string of at most %d characters, found " % most
    if not s or len(s) > most:
        return expected + ("%d characters (%s)" % (len(s), _quote(s)) if s else "an empty string")
    if all(c in _SPACE for c in s):
        return expected + "only whitespace (%s)" % _quote(s)

def _email(s):
    local, _, domain = s.partition("@")
    n = s.count("@")
    found = "no `@`" if not n else "%d `@`" % n if n > 1 else "nothing before the `@`" \
        if not local else "a domain without a dot" if "." not in domain else None
    return found and "%s, found %s" % (_EMAIL, "%s (%s)" % (found, _quote(s)) if s else
                                       "an empty string")

def _char(c):  # a character as Rust's {:?} writes it (printable ones as themselves)
    shown = c.isprintable() and unicodedata.category(c) not in ("Mn", "Me")
    return "'%s'" % _ESCAPE.get(c, c if shown else "\\u{%x}" % ord(c))

def _slug(s):
    bad = [(i, c) for i, c in enumerate(s) if not (c.isascii() and (c.isalnum() or c in "-_"))]
    if not s or bad:
        return "%s, found %s" % (_SLUG, "%s at character %d (%s)" % (
            _char(bad[0][1]), bad[0][0] + 1, _quote(s)) if s else "an empty string")

_PAGE_RULES = {"title": lambda s: _non_blank(s, TITLE_MAX), "source_url": _url,
               "text": lambda s: _non_blank(s, TEXT_MAX), "urgency": lambda s: _word(s, URGENCIES)}
_PAGE_REQUIRED = {f: "a non-blank string of at most %d characters" % n
                  for f, n in (("title", TITLE_MAX), ("text", TEXT_MAX))}

def check_page(payload, kind):
    """Every problem of a page body (a dict with title, text, recipient and optionally urgency
    and source_url) sent to kind "team" (recipient: a slug) or "person" (an e-mail address)."""
    team = kind == "team"
    return _problems(payload, PAGE_FIELDS, dict(_PAGE_RULES, recipient=_slug if team else _email),
                     dict(_PAGE_REQUIRED, recipient="a team slug" if team else "an e-mail address"))

def _secure_url(url, what, field):
    """url split: printable ASCII, https (plain http only to this machine), a host, no user."""
    url = url.strip() if isinstance(url, str) else ""
    if not url or re.search(r"[^\x21-\x7e]", url):
        raise HotpotError("expected %s of printable ASCII, without spaces, found %s" % (
            what, "one with other characters" if url else "none (map %s)" % field))
    try:
        parts = urllib.parse.urlsplit(url)
        host, _ = parts.hostname or "", parts.port  # a bad port raises ValueError
    except ValueError:
        parts = host = None
    if not host or parts.scheme not in ("https", "http"):
        raise HotpotError("expected an https %s with a host" % what[2:])
    if parts.scheme == "http" and not re.fullmatch(r"localhost|127(\.[0-9]{1,3}){3}|::1", host):
        raise HotpotError("refusing plain http to %s: the %s carries a secret, use https" % (
            host, "URL" if field == "webhook_url" else "request"))
    return url, parts

def _webhook(url):
    """The token of a webhook URL: https (plain http only to this machine), .../moment/TOKEN."""
    url, parts = _secure_url(url, "a webhook URL", "webhook_url")
    m = re.search(r"/moment/([A-Za-z0-9_-]+)(/[a-z0-9-]+)?/?$", parts.path)
    if parts.username is not None or parts.query or parts.fragment or not m:
        raise HotpotError("expected a webhook URL such as https://api.hotpot.works/moment/TOKEN"
                          " (no user name, query or fragment)")
    return m.group(1)

def _error(token, message, problems=(), status=None):
    """A HotpotError with the token cut to its hint (at most 4 characters and …) everywhere."""
    cut = lambda text: text.replace(token, token[:min(len(token) // 2, 4)] + "…")  # noqa: E731
    return HotpotError(cut(message), [dict(p, message=cut(p["message"])) for p in problems], status)

def _retry_after(value):  # a Retry-After (seconds or an HTTP date) in seconds; None if unreadable
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None

def _sunset(value):  # a Sunset header (an HTTP date) as "YYYY-MM-DDTHH:MM:SSZ"; None if unreadable
    try:
        t = email.utils.parsedate_to_datetime((value or "").strip())
        t = t.astimezone(datetime.timezone.utc) if t.tzinfo else t  # no zone (asctime): UTC
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (t.year, t.month, t.day, t.hour, t.minute, t.second)

_MEANING = dict.fromkeys((400, 413, 415, 422), "Hotpot refused the moment")
_MEANING.update(dict.fromkeys((401, 403, 404), "the webhook is unknown or revoked"))
_MEANING.update(dict.fromkeys(RETRIED, "server trouble"))
_MEANING.update({410: "the webhook has expired", 429: "rate limited"})
_PAGE_MEANING = dict((k, v.replace("moment", "page")) for k, v in _MEANING.items() if k != 410)
_PAGE_MEANING.update(dict.fromkeys((401, 403), "the API key was refused"))
_PAGE_MEANING[404] = "no such route or request (check base_url)"

def _body(answer):
    try:
        return answer.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):  # following would turn the POST into a GET: an error
        return None

def _post(url, payload, secret, meaning, headers):
    """POSTs payload as JSON, retrying 408, 429, 5xx and network errors with one Idempotency-Key;
    returns the 2xx answer's (status, JSON body or {}, headers). Raises HotpotError."""
    body = json.dumps(payload).encode()
    headers = dict(headers, **{"Content-Type": "application/json", "User-Agent": USER_AGENT,
                               "Idempotency-Key": str(uuid.uuid4())})  # the same for every attempt
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoRedirect)
    deadline, status = time.monotonic() + DEADLINE, None
    for attempt in range(1, ATTEMPTS + 1):
        wait, left = None, deadline - time.monotonic()
        try:
            request = urllib.request.Request(url, body, headers, method="POST")
            with opener.open(request, timeout=max(0.1, min(TIMEOUT, left))) as answer:
                text = _body(answer)
            try:
                found = json.loads(text)
            except ValueError:
                found = None  # a 2xx is a success whatever its body
            return answer.getcode(), found if isinstance(found, dict) else {}, answer.headers
        except urllib.error.HTTPError as e:
            status = e.code
            last = "Hotpot answered %d (%s): %s" % (
                status, meaning.get(status, "unexpected"), _body(e)[:512])
            if status not in RETRIED:
                raise _error(secret, last, status=status)
            wait = _retry_after(e.headers.get("Retry-After")) if status == 429 else None
        except (OSError, http.client.HTTPException) as e:  # refused, reset, DNS, TLS, timeout
            status, last = None, "could not reach Hotpot: %s" % (getattr(e, "reason", None) or e)
        if attempt == ATTEMPTS:
            break
        if wait is None:
            wait = random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)))
        if time.monotonic() + wait > deadline:
            raise _error(secret, "%s (giving up: the next attempt would wait %.1f s, past the %g s"
                                 " deadline)" % (last, wait, DEADLINE), status=status)
        time.sleep(wait)
    raise _error(secret, "%s (after %d attempts)" % (last, ATTEMPTS), status=status)

def _invalid(what, secret, problems):
    lines = "".join("\n  - %s: %s" % (p["field"], p["message"]) for p in problems)
    return _error(secret, "invalid %s, %d problem(s):%s" % (what, len(problems), lines), problems)

def send(webhook_url, name, type, **fields):
    """Checks the moment (see check) and POSTs it, retrying 408, 429, 5xx and network errors.
    Returns {"status": 202, "request_id": ..., "sunset": None or when the webhook expires};
    raises HotpotError."""
    token = _webhook(webhook_url)
    payload = dict((k, v) for k, v in dict(fields, name=name, type=type).items() if v is not None)
    problems = check(payload)
    if problems:
        raise _invalid("moment", token, problems)
    for k, canonical in (("type", str.lower), ("priority", str.lower),
                         ("occurred_at", lambda s: _time(s)[1])):  # lower case; times in UTC
        if k in payload:
            payload[k] = canonical(payload[k])
    status, found, headers = _post(webhook_url.strip(), payload, token, _MEANING, {})
    return {"status": status, "request_id": found.get("hotpot_request_id"),
            "sunset": _sunset(headers.get("Sunset"))}

API_URL = "https://api.hotpot.works"

def _page(kind, api_key, recipient, title, text, urgency, source_url, base_url):
    key = api_key.strip() if isinstance(api_key, str) else ""
    if not key or re.search(r"[^\x21-\x7e]", key):
        raise HotpotError("expected an API key of printable ASCII, found " + (
            "one with other characters" if key else "none (map api_key)"))
    base, parts = _secure_url(base_url, "a base URL", "base_url")
    if parts.username is not None or parts.query or parts.fragment:
        raise HotpotError("expected a base URL such as %s (no user name, query or fragment)"
                          % API_URL)
    payload = {"title": title, "text": text, "recipient": recipient, "urgency": urgency,
               "source_url": source_url}
    payload = dict((k, v) for k, v in payload.items() if v is not None)
    problems = check_page(payload, kind)
    if problems:
        raise _invalid("page", key, problems)
    if "urgency" in payload:
        payload["urgency"] = payload["urgency"].lower()
    url = base.rstrip("/") + "/page/" + kind
    status, found, _ = _post(url, payload, key, _PAGE_MEANING, {"Authorization": "Bearer " + key})
    return {"status": status, "request_id": found.get("hotpot_request_id")}

def page_team(api_key, slug, title, text, *, urgency=None, source_url=None, base_url=API_URL):
    """Pages the people on call for the team `slug` (POST /page/team), after checking every
    field (see check_page); retries as send does. Returns {"status": 202, "request_id": ...};
    raises HotpotError, whose message shows at most 4 characters of the API key."""
    return _page("team", api_key, slug, title, text, urgency, source_url, base_url)

def page_person(api_key, email, title, text, *, urgency=None, source_url=None, base_url=API_URL):
    """Pages one person by e-mail address (POST /page/person), as page_team does a team."""
    return _page("person", api_key, email, title, text, urgency, source_url, base_url)

def _zap(data):
    """A Code by Zapier step: a page when data names team or person, a moment when it names
    webhook_url. Zapier sends "" for an unmapped field: absent, but for the required ones."""
    given = dict((k, v) for k, v in data.items() if v not in (None, ""))
    kinds = [k for k in ("team", "person", "webhook_url") if k in given]
    if len(kinds) != 1:
        raise HotpotError("expected exactly one of team (to page a team), person (to page a "
                          "person) or webhook_url (to send a moment), found %s" % (
                              " and ".join(kinds) or "none"))
    if kinds == ["webhook_url"]:
        return send(given["webhook_url"], data.get("name"), data.get("type"),
                    **dict((k, v) for k, v in given.items() if k in FIELDS[2:]))
    fields = dict((k, given.get(k)) for k in ("urgency", "source_url"))
    return _page(kinds[0], given.get("api_key"), given[kinds[0]], data.get("title"),
                 data.get("text"), base_url=given.get("base_url", API_URL), **fields)

# Code by Zapier defines input_data (a global, or a local of the step's function) and reads
# `output` back.
if "input_data" in dir():
    try:
        output = _zap(input_data)  # noqa: F821
    except HotpotError as e:
        output = {"error": str(e), "problems": e.problems}
