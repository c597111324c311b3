"""hotpot_snippet 0.1.0: send a Hotpot moment from a code step where nothing can be installed.

Paste the whole file into a "Code by Zapier" Python step (or run it on any Python 3.7+). It is
safe to paste: standard library only, no dependencies, and the only network request it makes
is the POST to your webhook URL. It checks the moment against Hotpot's rules before sending,
retries what is worth retrying with one Idempotency-Key (so a retry never makes a duplicate),
always verifies TLS certificates, and never shows the webhook's token (at most 4 characters).

Zapier: map the Input Data fields webhook_url, name, type (page, alert, near-miss, incident)
and, if you like, priority, source, source_url, description, occurred_at. The step's output is
{"status": 202, "request_id": ...}, or {"error": ..., "problems": [{"field", "message"}, ...]}.
Elsewhere: send(webhook_url, name, type, **fields) and check(payload).

From https://github.com/hotpot-works/hotpot, file hotpot-py/snippet/hotpot_snippet.py,
version 0.1.0 (the rules: contract sections 1, 2, 5 and 13; tested against the Rust client's).
"""
import datetime
import email.utils
import http.client
import ipaddress
import json
import random
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

VERSION = "0.1.0"
USER_AGENT = "hotpot-snippet/" + VERSION
# Code by Zapier ends a step after 1 s (Free plan), 10 s (Trial), 30 s (Professional, Team) or
# 2 min (Enterprise). Sending gives up after 8 s: inside every plan's limit but Free (where no
# network call can be relied on), with time left for the step itself. On 30 s plans, 25 is fine.
DEADLINE = 8.0
ATTEMPTS = 3  # in all, the first included
BASE_DELAY, MAX_DELAY = 0.1, 5.0  # full-jitter exponential backoff between attempts
TIMEOUT = 5.0  # for connecting and for each read of one attempt (less near the deadline)
RETRIED = (408, 429, 500, 502, 503, 504)

FIELDS = ("name", "type", "priority", "source", "source_url", "description", "occurred_at")
TYPES = ("page", "alert", "near-miss", "incident")
PRIORITIES = ("high", "medium", "low")
NAME_MAX = 70  # characters (Unicode scalar values, Python's len)
# Unicode White_Space, as Rust's char::is_whitespace (Python's isspace() also takes \x1c-\x1f).
_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000")
_SPACE.update(chr(c) for c in range(0x2000, 0x200B))
# RFC 3339 (as the chrono crate reads it: t or T or space, z or Z, any fraction, U+2212 minus),
# or zone-less with a space or T, which means UTC.
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})([Tt ])([0-9]{2}):([0-9]{2}):([0-9]{2})"
                   "(\\.[0-9]+)?([Zz]|[-+\u2212][0-9]{2}:[0-9]{2})?")
_TIME_FORMS = ('"2023-04-01T12:31:26Z", "2023-04-01T12:31:26.250+02:00" or'
               ' "2023-04-01 12:31:26" (UTC)')
_YEAR0 = datetime.datetime(2000, 1, 1)


class HotpotError(Exception):
    """The moment was not sent, or Hotpot refused it. `problems` lists the rules it breaks,
    `status` is Hotpot's HTTP status when it answered. The message never shows the token."""

    def __init__(self, message, problems=(), status=None):
        Exception.__init__(self, message)
        self.problems, self.status = list(problems), status


def _quote(s):
    """A value repeated in a message: JSON-quoted, cut after 40 characters."""
    return json.dumps(s[:40], ensure_ascii=False)[:-1] + ('…"' if len(s) > 40 else '"')


def _found(v):
    """What a message says was found, for a value of the wrong JSON type."""
    n = len(v) if isinstance(v, (list, tuple, dict)) else 0
    if isinstance(v, str):
        return "a string (%s)" % _quote(v)
    if isinstance(v, (bool, int, float)):
        return "a %s (%s)" % ("boolean" if isinstance(v, bool) else "number", json.dumps(v))
    if isinstance(v, (list, tuple)):
        return "an array of %d item%s" % (n, "" if n == 1 else "s")
    if isinstance(v, dict):
        return "an object with %d field%s" % (n, "" if n == 1 else "s")
    return "null" if v is None else "a " + type(v).__name__


def _name(s):
    if not s:
        return "expected 1 to %d characters, found an empty string" % NAME_MAX
    if len(s) > NAME_MAX:
        return "expected 1 to %d characters, found %d characters (%s)" % (NAME_MAX, len(s), _quote(s))
    if all(c in _SPACE for c in s):
        return "expected at least one non-whitespace character, found only whitespace (%s)" % _quote(s)


def _word(s, allowed):
    """type and priority: one of `allowed` in any (ASCII) case; a near spelling gets a hint."""
    if s.isascii() and s.lower() in allowed:
        return None
    squash = lambda w: "".join(c for c in w if c.isalnum()).lower()  # noqa: E731
    near = [w for w in allowed if squash(s) and squash(w) == squash(s)]
    hint = ' (did you mean "%s"?)' % near[0] if near else ""
    return "expected one of %s (any case), found %s%s" % (", ".join(allowed), _quote(s), hint)


def _ipv4_number(p):
    """A WHATWG IPv4 part (decimal, 0x hex, 0-led octal) as a number; None if it is not one."""
    base, digits = (16, p[2:]) if p[:2] in ("0x", "0X") else (8, p[1:]) if p[:1] == "0" else (10, p)
    allowed = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[base]
    if not p or any(c not in allowed for c in digits):
        return None
    return int(digits or "0", base)


def _host_ok(host):
    """A URL host as the WHATWG URL standard (Rust's url crate) reads it: [IPv6], a domain
    (IDNA details aside), or an IPv4 address when its last label is a number."""
    if host[:1] == "[":
        try:
            return host[-1:] == "]" and "%" not in host and bool(ipaddress.IPv6Address(host[1:-1]))
        except ValueError:
            return False
    host = urllib.parse.unquote(host)
    try:
        host = host if host.isascii() else host.encode("idna").decode("ascii")
        if "xn--" in host.lower():  # punycode labels must decode
            host.lower().encode("ascii").decode("idna")
    except UnicodeError:
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


def _url(s):
    """source_url: an absolute http or https URL with a host."""
    expected = "expected an absolute http or https URL, found "
    if all(c in _SPACE for c in s):
        return expected + ("only whitespace (%s)" % _quote(s) if s else "an empty string")
    u = re.sub("[\t\n\r]", "", s.strip("".join(chr(c) for c in range(33))))
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", u, re.S)
    if not m:
        return expected + "a relative reference (%s)" % _quote(s)
    if m.group(1).lower() not in ("http", "https"):
        return expected + "the scheme %s (%s)" % (json.dumps(m.group(1).lower()), _quote(s))
    authority = re.split(r"[/\\?#]", m.group(2).lstrip("/\\"), maxsplit=1)[0].rpartition("@")[2]
    hp = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::([0-9]*))?", authority)
    if not hp or int(hp.group(2) or 0) > 65535:
        return expected + "a bad port (%s)" % _quote(s)
    if not _host_ok(hp.group(1)):
        return expected + "%s host (%s)" % ("a bad" if hp.group(1) else "no", _quote(s))


def _time(s):
    """An accepted occurred_at as (seconds since 1970, RFC 3339 in UTC, UTC year), else None."""
    m = _TIME.fullmatch(s)
    if not m or (m.group(4) == "t" and not m.group(9)):  # zone-less takes T or space only
        return None
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in (1, 2, 3, 5, 6, 7))
    zone, frac = m.group(9) or "Z", (m.group(8) or "")[:10]
    oh, om = (int(zone[1:3]), int(zone[4:6])) if len(zone) > 1 else (0, 0)
    if h > 23 or mi > 59 or sec > 60 or oh > 23 or om > 59:
        return None
    shift = y // 400 * 400 - 2000  # the calendar repeats every 400 years; datetime lacks year 0
    try:
        t = datetime.datetime(y - shift, mo, d, h, mi, min(sec, 59))
    except ValueError:
        return None
    t -= datetime.timedelta(minutes=(-1 if zone[0] in "-\u2212" else 1) * (oh * 60 + om))
    epoch = (t - _YEAR0).total_seconds() + 946684800 + shift // 400 * 12622780800
    text = "%04d-%02d-%02dT%02d:%02d:%02d%sZ" % (
        t.year + shift, t.month, t.day, t.hour, t.minute, t.second + (sec == 60), frac)
    return epoch + (sec == 60) + float("0" + frac), text, t.year + shift


def _occurred_at(s):
    t = _time(s)
    if t is None:
        return "expected an ISO 8601 date-time such as %s, found %s" % (_TIME_FORMS, _quote(s))
    if not 0 <= t[2] <= 9999:
        return "expected a time from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z, found %s" % _quote(s)
    now = time.time()
    if t[0] > now:
        return "expected a time that is not in the future (now is %s), found %s" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), t[1])


_RULES = {"name": _name, "type": lambda s: _word(s, TYPES),
          "priority": lambda s: _word(s, PRIORITIES), "source_url": _url,
          "occurred_at": _occurred_at}
_REQUIRED = {"name": "a string of 1 to %d characters" % NAME_MAX,
             "type": "one of " + ", ".join(TYPES)}


def check(payload):
    """Every problem of a moment payload (a dict) as [{"field", "message"}]; [] when valid.
    None means absent; unknown fields are not problems (Hotpot ignores them)."""
    if not isinstance(payload, dict):
        return [{"field": "payload", "message": "expected a JSON object, found " + _found(payload)}]
    problems = []
    for field in FIELDS:
        value, message = payload.get(field), None
        if value is None and field in _REQUIRED:
            message = "required: expected %s, found %s" % (
                _REQUIRED[field], "null" if field in payload else "nothing (the field is missing)")
        elif value is not None and not isinstance(value, str):
            message = "expected a string, found " + _found(value)
        elif value is not None and field in _RULES:
            message = _RULES[field](value)
        if message:
            problems.append({"field": field, "message": message})
    return problems


def _webhook(url):
    """The token of a webhook URL: https (plain http only to this machine), .../moment/TOKEN."""
    if not isinstance(url, str) or not url.strip():
        raise HotpotError("no webhook URL: expected https://.../moment/TOKEN, found " + _found(url))
    if re.search(r"[^\x21-\x7e]", url.strip()):
        raise HotpotError("expected a webhook URL of printable ASCII, without spaces")
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise HotpotError("expected a webhook URL such as https://api.hotpot.works/moment/TOKEN")
    m = re.search(r"/moment/([A-Za-z0-9_-]+)(/[a-z0-9-]+)?/?$", parts.path)
    if parts.scheme not in ("https", "http") or not host:
        raise HotpotError("expected an https webhook URL with a host, found scheme %r" % parts.scheme)
    if parts.scheme == "http" and host != "localhost" and not _loopback(host):
        raise HotpotError("refusing plain http to %s: the URL carries a secret, use https" % host)
    if parts.username is not None or parts.query or parts.fragment or not m:
        raise HotpotError("expected a webhook URL of the form https://HOST/moment/TOKEN"
                          " (no user name, query or fragment)")
    return m.group(1)


def _loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error(token, message, problems=(), status=None):
    """A HotpotError with the token cut to its hint (at most 4 characters and …) everywhere."""
    hint = token[:min(len(token) // 2, 4)] + "…"
    cut = lambda text: text.replace(token, hint)  # noqa: E731
    return HotpotError(cut(message), [{"field": p["field"], "message": cut(p["message"])}
                                      for p in problems], status)


def _retry_after(value):
    """A Retry-After header (delay-seconds or an HTTP date) in seconds; None if unreadable."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _meaning(status):
    if status in (401, 403, 404, 410):
        return "the webhook has expired" if status == 410 else "the webhook is unknown or revoked"
    if status in (400, 413, 415, 422):
        return "Hotpot refused the moment"
    return "rate limited" if status == 429 else "server trouble" if status in RETRIED else "unexpected"


def _body(answer):
    try:
        return answer.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):  # a redirect would turn the POST into a GET: an error
        return None


def send(webhook_url, name, type, **fields):
    """Checks the moment (check()) and POSTs it to the webhook, retrying 408, 429, 5xx and
    network errors. Returns {"status": 202, "request_id": ...}; raises HotpotError."""
    token = _webhook(webhook_url)
    payload = dict((k, v) for k, v in dict(fields, name=name, type=type).items() if v is not None)
    problems = check(payload)
    if problems:
        lines = "".join("\n  - %s: %s" % (p["field"], p["message"]) for p in problems)
        raise _error(token, "invalid moment, %d problem(s):%s" % (len(problems), lines), problems)
    payload["type"] = payload["type"].lower()  # clients send lower case, and times in UTC
    if "priority" in payload:
        payload["priority"] = payload["priority"].lower()
    if "occurred_at" in payload:
        payload["occurred_at"] = _time(payload["occurred_at"])[1]
    try:
        body = json.dumps(payload).encode()
    except (TypeError, ValueError) as e:
        raise _error(token, "the moment cannot be sent as JSON: %s" % e)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "Idempotency-Key": str(uuid.uuid4())}  # the same for every attempt
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoRedirect)
    deadline, status = time.monotonic() + DEADLINE, None
    for attempt in range(1, ATTEMPTS + 1):
        wait, left = None, deadline - time.monotonic()
        try:
            request = urllib.request.Request(webhook_url.strip(), body, headers, method="POST")
            with opener.open(request, timeout=max(0.1, min(TIMEOUT, left))) as answer:
                text = _body(answer)
            try:
                request_id = json.loads(text).get("hotpot_request_id")
            except (ValueError, AttributeError):
                request_id = None  # a 2xx is success whatever its body says
            return {"status": answer.getcode(), "request_id": request_id}
        except urllib.error.HTTPError as e:
            status = e.code
            last = "Hotpot answered %d (%s): %s" % (status, _meaning(status), _body(e)[:512])
            if status not in RETRIED:
                raise _error(token, last, status=status)
            wait = _retry_after(e.headers.get("Retry-After")) if status == 429 else None
        except (OSError, http.client.HTTPException) as e:  # refused, reset, DNS, TLS, timeout
            status, last = None, "could not reach Hotpot: %s" % (getattr(e, "reason", None) or e)
        if attempt == ATTEMPTS:
            break
        if wait is None:
            wait = random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)))
        if time.monotonic() + wait > deadline:
            raise _error(token, "%s (giving up: the next attempt would wait %.1f s, past the"
                                " %g s deadline)" % (last, wait, DEADLINE), status=status)
        time.sleep(wait)
    raise _error(token, "%s (after %d attempts)" % (last, ATTEMPTS), status=status)


# Code by Zapier: input_data holds the step's Input Data; whatever `output` is becomes its result.
try:
    input_data  # noqa: F821 (defined by Zapier, or absent)
except NameError:
    pass
else:
    try:
        output = send(input_data.get("webhook_url"), input_data.get("name"),  # noqa: F821
                      input_data.get("type"), **dict(  # noqa: F821
                          (k, input_data[k]) for k in FIELDS[2:]  # noqa: F821
                          if input_data.get(k) not in (None, "")))  # noqa: F821
    except HotpotError as e:
        output = {"error": str(e), "problems": e.problems}
