#!/usr/bin/env python3
"""Self-test of fakebase.py and acme.py (stdlib only, a few seconds).

    python3 tests/fakes/selftest.py [-v]

Prints one line per check and "N passed, M failed"; exits 0 only if all
passed.
"""

import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ACME = os.path.join(HERE, "acme.py")
VERBOSE = "-v" in sys.argv[1:]
TMP = tempfile.mkdtemp(prefix="fakes-selftest-")
RESULTS = [0, 0]
FAKES = []


LOCK = threading.Lock()
OUT = threading.local()


def check(name, ok, detail=""):
    line = "%s  %s" % ("ok  " if ok else "FAIL", name)
    if not ok and detail:
        line += "\n        " + str(detail)[:2000]
    with LOCK:
        RESULTS[0 if ok else 1] += 1
    OUT.lines.append(line)
    return ok


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Fake:
    """A fake server subprocess with stdin kept open."""

    def __init__(self, script, *args):
        self.errf = tempfile.TemporaryFile(dir=TMP)
        self.p = subprocess.Popen([sys.executable, script] + list(args),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.errf)
        FAKES.append(self)
        line = self.p.stdout.readline().decode()
        if not line.startswith("PORT="):
            raise RuntimeError("no PORT= line: %r, stderr: %s" % (line, self.stderr()))
        self.port = int(line[5:])
        self.url = "http://127.0.0.1:%d" % self.port

    def stderr(self):
        self.errf.seek(0)
        return self.errf.read().decode(errors="replace")

    def call(self, method, path, body=None, headers=None, follow=True,
             timeout=5):
        """-> (status, {lower-case header: value}, body bytes)."""
        data = None
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        elif body is not None:
            data = body
        req = urllib.request.Request(self.url + path, data=data, headers=h,
                                     method=method)
        opener = (urllib.request.build_opener() if follow
                  else urllib.request.build_opener(NoRedirect))
        try:
            with opener.open(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def get_json(self, path, headers=None):
        st, h, b = self.call("GET", path, headers=headers)
        return st, h, (json.loads(b) if b else None)

    def ctl(self, obj):
        st, _, b = self.call("POST", "/_fake/control", obj)
        if st != 200:
            raise RuntimeError("control %s -> %d %s" % (obj, st, b))
        return json.loads(b)

    def form(self, path, fields, headers=None):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        st, _, b = self.call("POST", path, urllib.parse.urlencode(fields), h)
        return st, json.loads(b) if b else None

    def stats(self):
        return self.get_json("/_fake/stats")[2]

    def stop(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def group(fn, lines):
    """Runs one group of checks (in its own thread, with its own fakes);
    an exception is one failed check. Output lines go to LINES."""
    OUT.lines = lines
    try:
        fn()
    except Exception:
        check(fn.__name__ + " (raised)", False, traceback.format_exc())


def page_all(f, query=None, headers=None, limit=None):
    """Follows next_cursor; QUERY is a dict. Returns (records, pages)."""
    recs, pages, cursor = [], [], None
    while True:
        q = dict(query or {})
        if cursor:
            q["cursor"] = cursor
        if limit:
            q["limit"] = str(limit)
        st, _, body = f.get_json("/api/v1/leads?" + urllib.parse.urlencode(q),
                                 headers)
        assert st == 200, (st, body)
        pages.append(body["data"])
        recs.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return recs, pages
        assert len(pages) < 1000


# ---------------------------------------------------------------------------

def t_data():
    a = Fake(ACME, "--records", "40", "--page-size", "10", "--seed", "3")
    b = Fake(ACME, "--records", "40", "--page-size", "10", "--seed", "3")
    c = Fake(ACME, "--records", "40", "--page-size", "10", "--seed", "4")
    da, db, dc = (x.get_json("/_fake/data")[2] for x in (a, b, c))
    check("PORT= line and /_fake/data answer", len(da["leads"]) == 40)
    check("same seed and size give identical data", da == db)
    check("another seed gives other data", da != dc)
    st, _, me = a.get_json("/api/v1/me")
    check("GET /api/v1/me", st == 200 and me == {"id": "u1", "name": "Test User"},
          (st, me))
    for x in (a, b, c):
        x.stop()


def t_paging():
    f = Fake(ACME, "--records", "50", "--page-size", "10")
    allrecs = f.get_json("/_fake/data")[2]["leads"]
    recs, pages = page_all(f)
    ids = [r["id"] for r in recs]
    check("paging: every record once, none skipped",
          sorted(ids) == sorted(r["id"] for r in allrecs) and len(ids) == len(set(ids)),
          ids)
    keys = [(r["updated_at"], r["id"]) for r in recs]
    check("paging: sorted by (updated_at, id)", keys == sorted(keys))
    straddle = [i for i in range(len(pages) - 1)
                if pages[i][-1]["updated_at"] == pages[i + 1][0]["updated_at"]]
    check("paging: ties straddle page boundaries", len(straddle) >= 2, straddle)
    st, _, body = f.get_json("/api/v1/leads")
    cur = body["next_cursor"]
    check("cursor needs percent-encoding ('+')", "+" in cur, cur)
    st, _, body = f.get_json("/api/v1/leads?cursor=" + cur)
    check("unencoded cursor -> 400 invalid_cursor",
          st == 400 and body["error"] == "invalid_cursor", (st, body))
    st, _, body = f.get_json("/api/v1/leads?limit=500")
    check("limit above 100 is capped at 100", st == 200 and len(body["data"]) == 50,
          (st, len(body["data"])))
    recs2, pages2 = page_all(f, limit=7)
    check("limit=7 pages (ties at every boundary) without dup/skip",
          [r["id"] for r in recs2] == ids and len(pages2) == 8)
    st, _, body = f.get_json("/api/v1/leads?limit=0")
    check("limit=0 -> 400", st == 400, (st, body))
    st, _, body = f.get_json("/api/v1/leads?updated_since=yesterday")
    check("bad updated_since -> 400", st == 400, (st, body))
    st, _, body = f.get_json("/api/v1/leads/A00002")
    check("GET /api/v1/leads/<id>", st == 200 and body["data"]["id"] == "A00002")
    st, _, body = f.get_json("/api/v1/leads/Z9")
    check("unknown lead -> 404 JSON", st == 404 and body["error"] == "not_found")
    st, _, body = f.get_json("/api/v1/nothing")
    check("unknown path -> 404 JSON", st == 404 and "error" in body, (st, body))
    st, h, body = f.call("POST", "/api/v1/me", {})
    check("wrong method -> 405 with Allow", st == 405 and h.get("allow") == "GET",
          (st, h))

    # incremental: touch, delete, add
    last = recs[-1]["updated_at"]
    tied = [r["id"] for r in recs if r["updated_at"] == last]
    f.ctl({"touch": ["A00003", "A00010"]})
    inc, _ = page_all(f, {"updated_since": last})
    got = [r["id"] for r in inc]
    check("updated_since is inclusive and returns touched records",
          got == tied + ["A00003", "A00010"], (got, tied))
    old3 = [r for r in recs if r["id"] == "A00003"][0]
    new3 = [r for r in inc if r["id"] == "A00003"][0]
    check("touch: later updated_at and a changed field",
          new3["updated_at"] > last and new3["status"] != old3["status"], new3)
    t2 = new3["updated_at"]
    inc, _ = page_all(f, {"updated_since": t2.replace("Z", "+00:00")})
    check("updated_since with +00:00 offset", [r["id"] for r in inc] == ["A00003", "A00010"])
    f.ctl({"delete": ["A00004"], "add": 2})
    inc, _ = page_all(f, {"updated_since": t2[:-1] + ".5Z"})
    got = [(r["id"], r["deleted"]) for r in inc]
    check("delete and add: tombstone and new records after the latest time",
          got == [("A00004", True), ("A00051", False), ("A00052", False)], got)
    st, _, body = f.call("POST", "/_fake/control", {"touch": ["NOPE"]})
    check("touch of an unknown id -> 400", st == 400, (st, body))
    st, _, body = f.call("POST", "/_fake/control", {"no_such_knob": 1})
    check("unknown control key -> 400", st == 400, (st, body))

    # a cursor stays valid while data changes: no record skipped
    st, _, p1 = f.get_json("/api/v1/leads?limit=10")
    seen = [r["id"] for r in p1["data"]]
    f.ctl({"touch": [seen[0], "A00030"]})
    rest, _ = page_all(f, {"cursor": p1["next_cursor"]}, limit=10)
    seen += [r["id"] for r in rest]
    now_ids = [r["id"] for r in f.get_json("/_fake/data")[2]["leads"]]
    check("cursor valid across changes: nothing skipped, touched ones at the end",
          set(now_ids) <= set(seen) and seen[-2:] == [seen[0], "A00030"], seen[-4:])
    f.stop()


def t_auth_simple():
    f = Fake(ACME, "--auth", "bearer", "--token", "s3cret")
    st, _, _ = f.get_json("/api/v1/me", {"Authorization": "Bearer s3cret"})
    check("bearer: good token -> 200", st == 200)
    st, h, body = f.get_json("/api/v1/me", {"Authorization": "Bearer wrong"})
    check("bearer: bad token -> 401 JSON error",
          st == 401 and body["error"] == "unauthorized" and "www-authenticate" in h,
          (st, body))
    st, _, body = f.get_json("/api/v1/me")
    check("bearer: no token -> 401", st == 401)
    st, _, body = f.get_json("/_fake/stats")
    check("control API needs no auth", st == 200 and body["unauthorized"] == 2, body)
    f.stop()

    f = Fake(ACME, "--auth", "apikey-header", "--key-header", "X-Acme-Key",
             "--token", "k1")
    st1 = f.get_json("/api/v1/me", {"X-Acme-Key": "k1"})[0]
    st2 = f.get_json("/api/v1/me", {"X-Acme-Key": "k2"})[0]
    check("apikey-header: good 200, bad 401", (st1, st2) == (200, 401), (st1, st2))
    f.stop()

    f = Fake(ACME, "--auth", "apikey-query", "--key-query", "api_token",
             "--token", "k1")
    st1 = f.get_json("/api/v1/leads?api_token=k1&limit=1")[0]
    st2 = f.get_json("/api/v1/leads?api_token=nope")[0]
    check("apikey-query: good 200, bad 401", (st1, st2) == (200, 401), (st1, st2))
    f.stop()

    f = Fake(ACME, "--auth", "basic", "--username", "ann", "--password", "p:w;#")
    good = base64.b64encode(b"ann:p:w;#").decode()
    bad = base64.b64encode(b"ann:nope").decode()
    st1 = f.get_json("/api/v1/me", {"Authorization": "Basic " + good})[0]
    st2 = f.get_json("/api/v1/me", {"Authorization": "Basic " + bad})[0]
    check("basic: good 200, bad 401", (st1, st2) == (200, 401), (st1, st2))
    f.stop()


def t_oauth2():
    f = Fake(ACME, "--auth", "oauth2", "--client-id", "cid", "--client-secret",
             "csec", "--refresh-token", "rt-0", "--rotate")
    st = f.get_json("/api/v1/me")[0]
    check("oauth2: API call before any token -> 401", st == 401)
    client = {"client_id": "cid", "client_secret": "csec"}
    st, tok = f.form("/oauth/token", dict(grant_type="refresh_token",
                                          refresh_token="rt-0", **client))
    check("oauth2: refresh -> at-1, rt-1, expires_in 3600",
          st == 200 and tok.get("access_token") == "at-1"
          and tok.get("refresh_token") == "rt-1" and tok.get("expires_in") == 3600
          and tok.get("token_type") == "Bearer", (st, tok))
    st = f.get_json("/api/v1/me", {"Authorization": "Bearer at-1"})[0]
    check("oauth2: access token works", st == 200)
    st, err = f.form("/oauth/token", dict(grant_type="refresh_token",
                                          refresh_token="rt-0", **client))
    check("oauth2: old refresh token refused after rotation (400 invalid_grant)",
          st == 400 and err["error"] == "invalid_grant" and "error_description" in err,
          (st, err))
    st, err = f.form("/oauth/token", dict(grant_type="refresh_token",
                                          refresh_token="rt-1", client_id="cid",
                                          client_secret="bad"))
    check("oauth2: bad client secret -> 400 invalid_client",
          st == 400 and err["error"] == "invalid_client", (st, err))
    st, _, b = f.call("POST", "/oauth/token", json.dumps(
        dict(grant_type="refresh_token", refresh_token="rt-1", **client)),
        {"Content-Type": "application/json"})
    check("oauth2: JSON body refused (must be form-encoded)", st == 400, (st, b))
    f.ctl({"expire_tokens": True})
    st, _, body = f.get_json("/api/v1/me", {"Authorization": "Bearer at-1"})
    check("expire_tokens: next API call -> 401", st == 401, (st, body))
    st, tok = f.form("/oauth/token", dict(grant_type="refresh_token",
                                          refresh_token="rt-1", **client))
    st2 = f.get_json("/api/v1/me", {"Authorization": "Bearer " + tok["access_token"]})[0]
    check("expire_tokens: refresh then works",
          st == 200 and tok["access_token"] == "at-2" and st2 == 200, (st, tok, st2))
    s = f.stats()
    check("stats count token requests and issues",
          s["token_requests"] == 5 and s["tokens_issued"] == 2
          and s["refresh_tokens_issued"] == 2 and s["token_errors"] == 3
          and s["token_uses"] == {"at-1": 1, "at-2": 1}
          and s["current_refresh_token"] == "rt-2", s)
    log = f.get_json("/_fake/log?kind=token")[2]
    check("log has token requests with their form body",
          len(log) == 5 and "grant_type=refresh_token" in log[0]["body"], log[:1])
    f.stop()

    f = Fake(ACME, "--auth", "oauth2", "--client-id", "cid", "--client-secret",
             "csec", "--refresh-token", "keep", "--expires-in", "1")
    basic = base64.b64encode(b"cid:csec").decode()
    st, tok = f.form("/oauth/token", {"grant_type": "refresh_token",
                                      "refresh_token": "keep"},
                     {"Authorization": "Basic " + basic})
    st2, tok2 = f.form("/oauth/token", {"grant_type": "refresh_token",
                                        "refresh_token": "keep",
                                        "client_id": "cid", "client_secret": "csec"})
    check("oauth2 without --rotate: no refresh_token returned, old one still works;"
          " client auth by Basic accepted",
          st == 200 and "refresh_token" not in tok and st2 == 200, (st, tok, st2, tok2))
    st = f.get_json("/api/v1/me", {"Authorization": "Bearer at-1"})[0]
    time.sleep(1.05)
    st2 = f.get_json("/api/v1/me", {"Authorization": "Bearer at-1"})[0]
    check("access token expires after expires_in", (st, st2) == (200, 401), (st, st2))
    f.stop()


def _sign(priv, signing_input):
    d = tempfile.mkdtemp(dir=TMP)
    df, sf = os.path.join(d, "in"), os.path.join(d, "sig")
    with open(df, "wb") as fh:
        fh.write(signing_input)
    subprocess.run(["openssl", "dgst", "-sha256", "-sign", priv, "-out", sf, df],
                   check=True)
    with open(sf, "rb") as fh:
        return fh.read()


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(priv, claims, header=None, tamper=None):
    h = _b64(json.dumps(header or {"alg": "RS256", "typ": "JWT"}).encode())
    c = _b64(json.dumps(claims).encode())
    sig = _sign(priv, (h + "." + c).encode())
    if tamper:
        c = _b64(json.dumps(tamper).encode())
    return h + "." + c + "." + _b64(sig)


def t_jwt():
    if not shutil.which("openssl"):
        check("jwt: openssl available", False)
        return
    priv, pub = os.path.join(TMP, "key.pem"), os.path.join(TMP, "pub.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", priv], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub],
                   check=True)
    email = "svc@proj.iam.gserviceaccount.com"
    f = Fake(ACME, "--auth", "jwt", "--client-email", email, "--public-key", pub)
    now = int(time.time())
    good = {"iss": email, "aud": f.url + "/oauth/token", "iat": now,
            "exp": now + 3600,
            "scope": "https://www.googleapis.com/auth/analytics.readonly"}
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    def token(assertion):
        return f.form("/oauth/token", {"grant_type": grant, "assertion": assertion})

    st, tok = token(make_jwt(priv, good))
    check("jwt: good assertion -> ya29.fake-1",
          st == 200 and tok["access_token"] == "ya29.fake-1"
          and tok["expires_in"] == 3600, (st, tok))
    st = f.get_json("/api/v1/me", {"Authorization": "Bearer ya29.fake-1"})[0]
    check("jwt: access token works", st == 200)
    bad_cases = [
        ("tampered claims (bad signature)", make_jwt(priv, good, tamper=dict(good, scope="x"))),
        ("wrong aud", make_jwt(priv, dict(good, aud="https://oauth2.googleapis.com/token"))),
        ("wrong iss", make_jwt(priv, dict(good, iss="other@x"))),
        ("exp - iat > 3600", make_jwt(priv, dict(good, exp=now + 3601))),
        ("expired", make_jwt(priv, dict(good, iat=now - 600, exp=now - 10))),
        ("no scope", make_jwt(priv, {k: v for k, v in good.items() if k != "scope"})),
        ("alg HS256", make_jwt(priv, good, header={"alg": "HS256", "typ": "JWT"})),
        ("padded base64", make_jwt(priv, good) + "=="),
    ]
    results = []
    for name, a in bad_cases:
        st, err = token(a)
        results.append((name, st, err.get("error")))
    check("jwt: bad assertions -> 400 invalid_grant (%d cases)" % len(bad_cases),
          all(st == 400 and e == "invalid_grant" for _, st, e in results), results)
    f.ctl({"expire_tokens": True})
    st = f.get_json("/api/v1/me", {"Authorization": "Bearer ya29.fake-1"})[0]
    st2, tok = token(make_jwt(priv, good))
    check("jwt: expire_tokens -> 401, a new assertion gets ya29.fake-2",
          st == 401 and st2 == 200 and tok["access_token"] == "ya29.fake-2")
    f.stop()


def t_faults():
    f = Fake(ACME, "--records", "20", "--log", os.path.join(TMP, "acme.log"))
    f.ctl({"status_sequence": [503, 429], "retry_after": "7"})
    r = [f.call("GET", "/api/v1/me") for _ in range(3)]
    check("status_sequence [503, 429] with retry_after, then normal",
          [x[0] for x in r] == [503, 429, 200]
          and r[0][1].get("retry-after") == "7" and r[1][1].get("retry-after") == "7"
          and json.loads(r[0][2]).get("error"), [(x[0], x[1].get("retry-after")) for x in r])
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    f.ctl({"status_sequence": [{"status": 503, "retry_after": date}, 500]})
    r = [f.call("GET", "/api/v1/me") for _ in range(3)]
    check("status_sequence items with HTTP-date Retry-After; 500 gets none",
          [x[0] for x in r] == [503, 500, 200] and r[0][1].get("retry-after") == date
          and "retry-after" not in r[1][1], [(x[0], x[1]) for x in r[:2]])
    f.ctl({"retry_after": None, "fail_rate": 1.0, "fail_status": 502})
    st1 = f.call("GET", "/api/v1/me")[0]
    f.ctl({"fail_rate": 0})
    st2 = f.call("GET", "/api/v1/me")[0]
    check("fail_rate 1.0 with fail_status 502, then 0", (st1, st2) == (502, 200))

    f.ctl({"rate_limit": {"limit": 3, "window_s": 0.5}})
    r = [f.call("GET", "/api/v1/me") for _ in range(4)]
    rem = [x[1].get("x-ratelimit-remaining") for x in r]
    check("rate_limit: X-RateLimit-* on every response, 429 beyond the limit",
          [x[0] for x in r] == [200, 200, 200, 429] and rem == ["2", "1", "0", "0"]
          and all(x[1].get("x-ratelimit-limit") == "3" and "x-ratelimit-reset" in x[1]
                  for x in r)
          and r[3][1].get("retry-after", "").isdigit(),
          [(x[0], x[1]) for x in r])
    st = f.call("GET", "/_fake/stats")[0]
    check("rate_limit: control API is exempt", st == 200)
    time.sleep(0.55)
    st = f.call("GET", "/api/v1/me")[0]
    f.ctl({"rate_limit": None})
    check("rate_limit: next window allowed again", st == 200)

    f.ctl({"truncate_next": 1})
    try:
        f.call("GET", "/api/v1/leads")
        got = "no error"
    except http.client.IncompleteRead as e:
        got = "IncompleteRead"
    except Exception as e:
        got = repr(e)
    st = f.call("GET", "/api/v1/leads")[0]
    check("truncate_next: IncompleteRead, then normal",
          got == "IncompleteRead" and st == 200, got)

    for mode in ("close", "rst"):
        f.ctl({"reset_next": 1, "reset_mode": mode})
        try:
            f.call("GET", "/api/v1/me")
            got = "no error"
        except (ConnectionError, urllib.error.URLError, http.client.HTTPException) as e:
            got = "conn error"
            detail = repr(e)
        st = f.call("GET", "/api/v1/me")[0]
        check("reset_next (%s): connection error without response (%s), then normal"
              % (mode, detail if got == "conn error" else got),
              got == "conn error" and st == 200, got)

    f.ctl({"redirect_next": {"count": 1, "location": f.url + "/api/v1/me"}})
    st, h, _ = f.call("GET", "/api/v1/leads", follow=False)
    check("redirect_next: 302 with Location", st == 302
          and h.get("location") == f.url + "/api/v1/me", (st, h))
    f.ctl({"redirect_next": {"count": 2}})
    st, _, body = f.call("GET", "/api/v1/me")
    log = f.get_json("/_fake/log")[2]
    check("redirect_next without location: same URL, followed until count runs out",
          st == 200 and [e["status"] for e in log[-3:]] == [302, 302, 200],
          [e["status"] for e in log[-3:]])

    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    f.ctl({"body_override": {"count": 1, "status": 502,
                             "content_type": "text/html", "body": html}})
    st, h, body = f.call("GET", "/api/v1/me")
    st2 = f.call("GET", "/api/v1/me")[0]
    check("body_override: HTML 502 once",
          st == 502 and h.get("content-type") == "text/html"
          and body.decode() == html and st2 == 200, (st, h))

    f.ctl({"latency_ms": 200})
    t0 = time.monotonic()
    f.call("GET", "/api/v1/me")
    dt = time.monotonic() - t0
    f.ctl({"latency_ms": 0})
    check("latency_ms 200", dt >= 0.2, dt)

    f.ctl({"status_sequence": [503]})
    st = f.call("GET", "/_fake/log")[0]
    st2 = f.call("GET", "/api/v1/me")[0]
    check("faults never hit the control API", (st, st2) == (200, 503))

    log = f.get_json("/_fake/log")[2]
    e = log[0]
    with open(os.path.join(TMP, "acme.log")) as fh:
        lines = [json.loads(x) for x in fh]
    check("log: method, path, query, headers, status, in memory and --log file",
          {"method", "path", "query", "headers", "status", "kind", "seq", "t"} <= set(e)
          and lines == log and any(x["fault"] == "reset" and x["status"] == 0 for x in log)
          and all(not x["path"].startswith("/_fake") for x in log), e)
    st = f.get_json("/_fake/stats")[2]
    check("stats: per-status and per-fault counts",
          st["429"] == 2 and st["faults"].get("rate_limit") == 1
          and st["faults"].get("truncate") == 1 and st["faults"].get("reset") == 2, st)
    f.call("POST", "/_fake/reset-log")
    check("reset-log empties the log", f.get_json("/_fake/log")[2] == [])

    # keep-alive: two requests on one connection; keepalive false closes
    c = http.client.HTTPConnection("127.0.0.1", f.port, timeout=5)
    c.request("GET", "/api/v1/me")
    r1 = c.getresponse()
    r1.read()
    s1 = c.sock
    c.request("GET", "/api/v1/me")
    r2 = c.getresponse()
    r2.read()
    check("HTTP/1.1 keep-alive", r1.status == r2.status == 200 and c.sock is s1
          and r1.version == 11)
    c.close()
    f.ctl({"keepalive": False})
    st, h, _ = f.call("GET", "/api/v1/me")
    check("keepalive false -> Connection: close", h.get("connection") == "close", h)
    f.stop()


TEST_FAKE = """
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, %r)
from fakebase import FakeServer, route

class T(FakeServer):
    name = "t"

    @route("GET", r"/boom")
    def boom(self, req):
        raise RuntimeError("boom")

    @route("GET", r"/echo")
    def echo(self, req):
        return {"x": req.qlist("x"), "q": req.q("q"), "n": req.qint("n", 5)}

    @route("POST", r"/echo")
    def echo_post(self, req):
        return {"params": req.params_any()}

    @route("GET", r"/items/(?P<id>\\w+)")
    def item(self, req):
        return 201, {"X-Item": req.params["id"]}, "text " + req.params["id"]

T.main()
"""


def t_base():
    path = os.path.join(TMP, "tfake.py")
    with open(path, "w") as fh:
        fh.write(textwrap.dedent(TEST_FAKE % HERE))
    f = Fake(path)
    st, _, body = f.get_json("/boom")
    st2 = f.get_json("/echo?x=1&x=2,3&q=a+b%20c")
    check("handler exception -> 500 JSON, server keeps running",
          st == 500 and "boom" in body["message"] and st2[0] == 200
          and "RuntimeError: boom" in f.stderr(), (st, body))
    check("query: repeated params and comma lists, + and %20 as space",
          st2[2] == {"x": ["1", "2", "3"], "q": "a b c", "n": 5}, st2)
    st, _, body = f.get_json("/echo?n=x")
    check("qint: malformed -> 400", st == 400, body)
    st, _, b1 = f.call("POST", "/echo", {"a": 1})
    st, _, b2 = f.call("POST", "/echo", "a=1&b=x+y",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    check("JSON and form bodies",
          json.loads(b1) == {"params": {"a": 1}}
          and json.loads(b2) == {"params": {"a": "1", "b": "x y"}}, (b1, b2))
    st, h, b = f.call("GET", "/items/abc")
    check("(status, headers, text) responses and route groups",
          st == 201 and h.get("x-item") == "abc" and b == b"text abc"
          and h.get("content-type", "").startswith("text/plain"), (st, h, b))
    # chunked request body (as some clients send)
    c = http.client.HTTPConnection("127.0.0.1", f.port, timeout=5)
    c.request("POST", "/echo", body=iter([b'{"a"', b':2}']),
              headers={"Content-Type": "application/json"}, encode_chunked=True)
    r = c.getresponse()
    check("chunked request body", json.loads(r.read()) == {"params": {"a": 2}})
    c.close()
    st, _, body = f.call("POST", "/_fake/control", {"auth": "bearer", "token": "t2"})
    st2 = f.get_json("/echo")[0]
    st3 = f.get_json("/echo", {"Authorization": "Bearer t2"})[0]
    check("auth mode and credentials can change at run time", (st, st2, st3) == (200, 401, 200))
    f.stop()


def t_exit():
    f = Fake(ACME)
    t0 = time.monotonic()
    f.p.stdin.close()
    try:
        rc = f.p.wait(2)
    except subprocess.TimeoutExpired:
        rc = None
    check("stdin EOF: exits (rc 0) within 2 s", rc == 0,
          "rc=%s after %.2fs" % (rc, time.monotonic() - t0))
    f = Fake(ACME)
    f.p.send_signal(signal.SIGTERM)
    try:
        rc = f.p.wait(2)
    except subprocess.TimeoutExpired:
        rc = None
    check("SIGTERM: exits (rc 0) within 2 s", rc == 0, rc)
    st = subprocess.run([sys.executable, ACME, "--auth", "bearer"],
                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
    check("--auth bearer without --token: usage error (rc 2)", st.returncode == 2,
          st.stderr)


SHELL_TEST = r"""
set -eu
. "$TOP/tests/fakes/fake.sh"
fake_stop
fake_start acme --records 12 --auth bearer --token t1
first_pid=$FAKE_PID
fake_start acme --records 3
[ "$FAKE_URL_acme" = "$FAKE_URL" ]
fake_ctl control '{"status_sequence": [429], "retry_after": 2}' >/dev/null
fake_ctl get /api/v1/me 2>"$T/err" && exit 11
grep -q ' 429 ' "$T/err" || exit 12
fake_ctl get /api/v1/me >/dev/null
[ "$(fake_ctl stats 429)" = 1 ] || exit 13
[ "$(fake_ctl stats 503)" = 0 ] || exit 14
[ "$(fake_ctl log api | wc -l)" -eq 2 ] || exit 15
[ -s "$FAKE_LOG" ] || exit 16
echo "PID=$FAKE_PID"
echo "PID=$first_pid"
i=0
while [ $i -lt 8 ]; do fake_start acme --records 1; fake_stop; i=$((i + 1)); done
fake_start acme --records 2
p3=$FAKE_PID
fake_stop
kill -0 $p3 2>/dev/null && exit 17
kill -0 $first_pid || exit 18
"""


def t_shell():
    if not shutil.which("sh") or not shutil.which("mkfifo"):
        check("fake.sh: sh and mkfifo available", False)
        return
    d = tempfile.mkdtemp(dir=TMP)
    env = dict(os.environ, T=d, TOP=os.path.dirname(os.path.dirname(HERE)),
               PYTHON=sys.executable)
    r = subprocess.run(["sh", "-c", SHELL_TEST], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    out = r.stdout.decode()
    check("fake.sh: fake_start (two fakes), fake_ctl, fake_stop from sh",
          r.returncode == 0 and "PID=" in out, (r.returncode, out, r.stderr))
    if "PID=" not in out:
        return
    pids = [int(x.split()[0]) for x in out.split("PID=")[1:]]

    def alive(pid):
        try:
            with open("/proc/%d/stat" % pid) as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False
        except OSError:
            return True
    deadline = time.monotonic() + 2
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    check("fake.sh: both fakes exit within 2 s when the test shell exits",
          not any(alive(p) for p in pids), pids)


def main():
    t0 = time.monotonic()
    try:
        groups = (t_data, t_paging, t_auth_simple, t_oauth2, t_jwt, t_faults,
                  t_base, t_shell, t_exit)
        outs = [[] for _ in groups]
        threads = [threading.Thread(target=group, args=(g, o), daemon=True)
                   for g, o in zip(groups, outs)]
        for t in threads:
            t.start()
        for t, g, o in zip(threads, groups, outs):
            t.join(60)
            if t.is_alive():
                o.append("FAIL  %s: still running after 60 s" % g.__name__)
                RESULTS[1] += 1
            for line in o:
                print(line, flush=True)
    finally:
        for f in FAKES:
            try:
                f.stop()
            except Exception:
                pass
        shutil.rmtree(TMP, ignore_errors=True)
    if VERBOSE:
        print("%.1f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % tuple(RESULTS))
    return 0 if RESULTS[1] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
