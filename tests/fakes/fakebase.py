#!/usr/bin/env python3
"""fakebase: the shared base of salesync's local fake API servers.

Python 3 standard library only. A fake is a subclass of FakeServer that
registers routes with @route and generates its data in setup(); the base
gives it the HTTP server (127.0.0.1 only), the command line, the auth modes,
the token endpoint, the fault knobs, the request log and the control API.
See README.md in this directory.
"""

import argparse
import base64
import binascii
import email.utils
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "FakeServer", "HTTPError", "Request", "Response", "route",
    "json_response", "text_response", "b64url_decode", "b64url_encode",
]

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUTH_MODES = ("none", "bearer", "apikey-header", "apikey-query", "basic",
              "oauth2", "jwt")
LOG_BODY_MAX = 65536


# --------------------------------------------------------------------------
# Requests and responses

class HTTPError(Exception):
    """Raise from a handler to answer with this status and body."""

    def __init__(self, status, body=None, headers=None):
        super().__init__("HTTP %d" % status)
        self.status = status
        self.body = body if body is not None else {
            "error": "http_%d" % status, "message": "error %d" % status}
        self.headers = headers or {}


class Response:
    """A normalised response: status, list of (name, value), bytes."""

    def __init__(self, status, headers=None, body=b""):
        self.status = int(status)
        self.headers = []
        if isinstance(headers, dict):
            headers = list(headers.items())
        for k, v in headers or []:
            self.headers.append((str(k), str(v)))
        if body is None:
            body = b""
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
            ctype = "application/octet-stream"
        elif isinstance(body, str):
            data = body.encode("utf-8")
            ctype = "text/plain; charset=utf-8"
        else:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            ctype = "application/json"
        self.body = data
        if data and not self.header("Content-Type"):
            self.headers.append(("Content-Type", ctype))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name, value):
        self.headers = [(k, v) for k, v in self.headers
                        if k.lower() != name.lower()]
        self.headers.append((name, str(value)))

    @classmethod
    def of(cls, result):
        """Accepts what a handler may return: a Response, (status, headers,
        body), (status, body) or a body alone (status 200). A body is bytes,
        str (text/plain) or anything JSON-able (application/json)."""
        if isinstance(result, Response):
            return result
        if isinstance(result, tuple):
            if len(result) == 3:
                return cls(result[0], result[1], result[2])
            if len(result) == 2:
                return cls(result[0], None, result[1])
            raise TypeError("handler returned a tuple of %d" % len(result))
        return cls(200, None, result)


def json_response(obj, status=200, headers=None):
    h = dict(headers or {})
    h.setdefault("Content-Type", "application/json")
    return Response(status, h, json.dumps(obj, ensure_ascii=False))


def text_response(text, status=200, content_type="text/plain; charset=utf-8",
                  headers=None):
    h = dict(headers or {})
    h["Content-Type"] = content_type
    return Response(status, h, text)


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(text):
    """Strict base64url without padding (as JWT requires)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Request:
    """One request as a handler sees it."""

    def __init__(self, fake, method, target, headers, body, client):
        self.fake = fake
        self.method = method
        self.target = target
        parts = urlsplit(target)
        self.raw_path = parts.path
        self.path = unquote(parts.path)
        self.raw_query = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self._headers = headers          # email.message.Message
        self.body = body
        self.client = client
        self.match = None                # re.Match of the route
        self.params = {}                 # named groups of the route

    # headers
    def header(self, name, default=None):
        v = self._headers.get(name)
        return default if v is None else v

    def headers_dict(self):
        d = {}
        for k, v in self._headers.items():
            k = k.lower()
            d[k] = d[k] + ", " + v if k in d else v
        return d

    # query
    def q(self, name, default=None):
        """First value of query parameter NAME."""
        v = self.query.get(name)
        return v[0] if v else default

    def qlist(self, name):
        """Every value of NAME: repeated parameters and comma lists both
        count (a=1&a=2,3 -> ["1", "2", "3"]); empty items are dropped."""
        out = []
        for v in self.query.get(name, []):
            out.extend(x for x in v.split(",") if x != "")
        return out

    def qint(self, name, default=None, lo=None, hi=None, clamp=False):
        """Integer query parameter; 400 if malformed or out of range
        (or clamped to [lo, hi] with clamp=True)."""
        v = self.q(name)
        if v is None or v == "":
            return default
        try:
            n = int(v, 10)
        except ValueError:
            raise HTTPError(400, {"error": "invalid_parameter",
                                  "message": "%s must be an integer" % name})
        if lo is not None and n < lo:
            if not clamp:
                raise HTTPError(400, {"error": "invalid_parameter",
                                      "message": "%s must be >= %d" % (name, lo)})
            n = lo
        if hi is not None and n > hi:
            if not clamp:
                raise HTTPError(400, {"error": "invalid_parameter",
                                      "message": "%s must be <= %d" % (name, hi)})
            n = hi
        return n

    # bodies
    def content_type(self):
        return (self.header("Content-Type", "") or "").split(";")[0].strip().lower()

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON; 400 if it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise HTTPError(400, {"error": "invalid_json",
                                  "message": "body is not JSON: %s" % e})

    def form_multi(self):
        return parse_qs(self.body.decode("utf-8", "replace"),
                        keep_blank_values=True)

    def form(self):
        """A form-encoded body as {name: first value}."""
        return {k: v[0] for k, v in self.form_multi().items()}

    def params_any(self):
        """Parameters from a JSON object body, a form body or the query,
        whichever the client sent (for APIs that accept several)."""
        ct = self.content_type()
        if ct == "application/json" and self.body:
            obj = self.json()
            if isinstance(obj, dict):
                return obj
            raise HTTPError(400, {"error": "invalid_json",
                                  "message": "body must be a JSON object"})
        if ct == "application/x-www-form-urlencoded" and self.body:
            return self.form()
        return {k: v[0] for k, v in self.query.items()}


def route(method, pattern):
    """Decorator for FakeServer methods: handle METHOD requests whose
    decoded path fully matches the regex PATTERN. Named groups go to
    req.params. The method gets (self, req) and returns a response."""
    def deco(fn):
        fn._fake_routes = getattr(fn, "_fake_routes", []) + [(method, pattern)]
        return fn
    return deco


# --------------------------------------------------------------------------
# The server

FAULT_DEFAULTS = {
    "status_sequence": [],
    "retry_after": None,
    "fail_rate": 0.0,
    "fail_status": 500,
    "rate_limit": None,
    "truncate_next": 0,
    "reset_next": 0,
    "reset_mode": "close",
    "latency_ms": 0,
    "redirect_next": None,
    "body_override": None,
    "fault_scope": "api",
    "keepalive": True,
}

RESET = object()


class FakeServer:
    """Base of every fake. Subclass it, set the class attributes, add
    @route methods, and call YourFake.main() from __main__."""

    name = "fake"
    default_records = 50
    default_page_size = 25
    token_path = "/oauth/token"
    # How the token endpoint takes the OAuth2 client credentials: "any"
    # (form body or HTTP Basic), or "basic" only (RFC 6749 2.3.1).
    client_auth = "any"
    default_key_header = "X-API-Key"
    default_key_query = "api_key"

    # ---- hooks for subclasses -------------------------------------------

    @classmethod
    def add_arguments(cls, parser):
        """Add the fake's own command-line options."""

    def setup(self):
        """Generate the data (self.args.seed, self.args.records)."""

    def control(self, key, value):
        """Handle a control key the base does not know; return True if
        handled. Raise HTTPError(400, ...) for a bad value."""
        return False

    def dump(self):
        """What GET /_fake/data returns (the fake's current data)."""
        return None

    def unauthorized(self, req, reason):
        return json_response({"error": "unauthorized", "message": reason}, 401,
                             {"WWW-Authenticate": self.www_authenticate()})

    def www_authenticate(self):
        mode = self.auth["mode"]
        if mode == "basic":
            return 'Basic realm="%s"' % self.name
        if mode in ("apikey-header", "apikey-query"):
            return 'ApiKey realm="%s"' % self.name
        return 'Bearer realm="%s", error="invalid_token"' % self.name

    def error_response(self, req, status, message):
        """The body of an injected error status (status_sequence,
        fail_rate) and of 404/405/500."""
        return json_response({"error": _reason(status).lower().replace(" ", "_"),
                              "message": message}, status)

    def rate_limited(self, req, retry_after):
        return json_response({"error": "rate_limited",
                              "message": "too many requests, retry in %s s"
                                         % retry_after}, 429)

    def rate_limit_headers(self, limit, remaining, reset_s):
        return [("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(remaining)),
                ("X-RateLimit-Reset", str(reset_s))]

    def token_error(self, error, description):
        return json_response({"error": error, "error_description": description},
                             400, {"Cache-Control": "no-store"})

    def token_body(self, req, access_token, expires_in, refresh_token):
        """The JSON of a successful token response."""
        body = {"access_token": access_token, "token_type": "Bearer",
                "expires_in": expires_in}
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        return body

    def is_token_request(self, req):
        return req.method == "POST" and req.path in self.token_paths

    # ---- construction ----------------------------------------------------

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.port = 0
        self.started = time.monotonic()
        self.fault_rng = random.Random("faults:%d" % args.seed)
        self.faults = self.default_faults()
        self.rl_state = None
        self.log = []
        self.seq = 0
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None
        self.stats = {}
        self.reset_stats()
        self.token_paths = [args.token_path]
        self.auth = {
            "mode": args.auth,
            "token": args.token,
            "key_header": args.key_header,
            "key_query": args.key_query,
            "username": args.username,
            "password": args.password,
            "client_id": args.client_id,
            "client_secret": args.client_secret,
            "refresh_token": args.refresh_token,
            "rotate": args.rotate,
            "expires_in": args.expires_in,
            "client_email": args.client_email,
            "public_key": args.public_key,
            "audience": list(args.audience or []),
        }
        # access token -> {"expires_at": monotonic or None, "valid": bool}
        self.tokens = {}
        self.n_access = 0
        self.n_refresh = 0
        if args.auth in ("oauth2", "jwt") and args.token:
            self.tokens[args.token] = {"expires_at": None, "valid": True}
        self.routes = []
        for attr in sorted(dir(type(self))):
            fn = getattr(type(self), attr, None)
            for method, pattern in getattr(fn, "_fake_routes", []):
                self.add_route(method, pattern, getattr(self, attr))
        self.setup()

    def default_faults(self):
        f = json.loads(json.dumps(FAULT_DEFAULTS))
        f["keepalive"] = not self.args.no_keepalive
        return f

    def add_route(self, method, pattern, handler):
        self.routes.append((method.upper(), re.compile(pattern), handler))

    def reset_stats(self):
        self.stats = {
            "requests": 0, "api_requests": 0, "token_requests": 0,
            "control_requests": 0, "tokens_issued": 0,
            "refresh_tokens_issued": 0, "token_errors": 0, "unauthorized": 0,
            "faults": {}, "token_uses": {},
        }

    def now(self):
        return time.monotonic()

    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    # ---- request handling ------------------------------------------------

    def dispatch(self, h):
        """Called by the HTTP handler thread for every request."""
        try:
            body = _read_body(h)
        except Exception as e:  # malformed framing: answer and close
            h.close_connection = True
            self._send(h, Response.of(
                self.error_response(None, 400, "bad request body: %s" % e)))
            return
        req = Request(self, h.command, h.path, h.headers, body,
                      h.client_address)
        if req.path.startswith("/_fake/") or req.path == "/_fake":
            with self.lock:
                self.stats["control_requests"] += 1
            self._send(h, self._safe(self.handle_control, req))
            return

        kind = "token" if self.is_token_request(req) else "api"
        entry = {
            "method": req.method, "path": req.path,
            "query": {k: v for k, v in req.query.items()},
            "headers": req.headers_dict(), "kind": kind,
        }
        if body:
            entry["body"] = body[:LOG_BODY_MAX].decode("utf-8", "replace")
        with self.lock:
            self.stats["requests"] += 1
            self.stats["api_requests" if kind == "api" else "token_requests"] += 1
            scope = self.faults["fault_scope"]
        faulty = scope == "all" or scope == kind

        result = self._process(h, req, kind, faulty)
        if result is RESET:
            entry["status"] = 0
            entry["fault"] = "reset"
            self._log(entry)
            self._reset(h)
            return
        resp, extra, fault = result
        for k, v in extra:
            resp.set_header(k, v)
        truncate = False
        keepalive = True
        with self.lock:
            keepalive = self.faults["keepalive"]
            if faulty and self.faults["truncate_next"] > 0:
                self.faults["truncate_next"] -= 1
                truncate = True
                fault = fault or "truncate"
                self._count_fault("truncate")
        entry["status"] = resp.status
        entry["fault"] = fault
        with self.lock:
            key = str(resp.status)
            self.stats[key] = self.stats.get(key, 0) + 1
        self._log(entry)
        self._send(h, resp, truncate=truncate, close=not keepalive)

    def _count_fault(self, name):
        f = self.stats["faults"]
        f[name] = f.get(name, 0) + 1

    def _process(self, h, req, kind, faulty):
        """Faults, then auth, then the handler. Returns RESET or
        (Response, extra headers, fault name or None)."""
        extra = []
        if faulty:
            with self.lock:
                if self.faults["reset_next"] > 0:
                    self.faults["reset_next"] -= 1
                    self._count_fault("reset")
                    return RESET
                latency = self.faults["latency_ms"]
            if latency:
                time.sleep(latency / 1000.0)
            with self.lock:
                r = self._fault_response(req, extra)
            if r is not None:
                return r[0], extra, r[1]
        if kind == "token":
            return self._safe(self.handle_token, req), extra, None
        with self.lock:
            reason = self.check_auth(req)
            if reason is not None:
                self.stats["unauthorized"] += 1
        if reason is not None:
            return Response.of(self.unauthorized(req, reason)), extra, None
        return self._safe(self.handle_route, req), extra, None

    def _fault_response(self, req, extra):
        """Under the lock. Appends rate-limit headers to EXTRA; returns
        (Response, fault name) when a fault answers instead of the API."""
        f = self.faults
        rl = f["rate_limit"]
        if rl:
            now = self.now()
            st = self.rl_state
            if st is None or now >= st["start"] + rl["window_s"]:
                st = self.rl_state = {"start": now, "count": 0}
            reset_s = max(1, int(math.ceil(st["start"] + rl["window_s"] - now)))
            if st["count"] >= rl["limit"]:
                extra.extend(self.rate_limit_headers(rl["limit"], 0, reset_s))
                ra = rl.get("retry_after", str(reset_s))
                resp = Response.of(self.rate_limited(req, ra if ra is not None else reset_s))
                if ra is not None:
                    resp.set_header("Retry-After", ra)
                self._count_fault("rate_limit")
                return resp, "rate_limit"
            st["count"] += 1
            extra.extend(self.rate_limit_headers(rl["limit"],
                                                 rl["limit"] - st["count"], reset_s))
        if f["status_sequence"]:
            item = f["status_sequence"].pop(0)
            if isinstance(item, dict):
                status = int(item.get("status", 200))
                ra = item.get("retry_after", f["retry_after"])
            else:
                status = int(item)
                ra = f["retry_after"]
            if status not in (0, 200):
                self._count_fault("status_sequence")
                return self._injected(req, status, ra), "status_sequence"
        if f["fail_rate"] > 0 and self.fault_rng.random() < f["fail_rate"]:
            self._count_fault("fail_rate")
            return self._injected(req, f["fail_status"], f["retry_after"]), "fail_rate"
        rd = f["redirect_next"]
        if rd and rd.get("count", 0) > 0:
            rd["count"] -= 1
            if rd["count"] <= 0:
                f["redirect_next"] = None
            loc = rd.get("location") or (self.base_url() + req.target)
            self._count_fault("redirect")
            resp = json_response({"redirect": loc}, int(rd.get("status", 302)),
                                 {"Location": loc})
            return resp, "redirect"
        bo = f["body_override"]
        if bo and bo.get("count", 0) > 0:
            bo["count"] -= 1
            if bo["count"] <= 0:
                f["body_override"] = None
            body = bo.get("body", "")
            if not isinstance(body, str):
                body = json.dumps(body)
            resp = Response(int(bo.get("status", 200)),
                            {"Content-Type": bo.get("content_type",
                                                    "text/html; charset=utf-8")},
                            body.encode("utf-8"))
            for k, v in (bo.get("headers") or {}).items():
                resp.set_header(k, v)
            self._count_fault("body_override")
            return resp, "body_override"
        return None

    def _injected(self, req, status, retry_after):
        resp = Response.of(self.error_response(req, status,
                                                "injected status %d" % status))
        if retry_after is not None and status in (429, 503):
            resp.set_header("Retry-After", str(retry_after))
        return resp

    def _safe(self, fn, req):
        try:
            return Response.of(fn(req))
        except HTTPError as e:
            resp = Response.of((e.status, e.headers, e.body))
            return resp
        except Exception as e:
            sys.stderr.write("%s: handler error on %s %s\n"
                             % (self.name, req.method, req.target))
            traceback.print_exc()
            sys.stderr.flush()
            return Response.of(self.error_response(
                req, 500, "fake handler raised %s: %s" % (type(e).__name__, e)))

    def handle_route(self, req):
        allowed = []
        for method, rx, handler in self.routes:
            m = rx.fullmatch(req.path)
            if not m:
                continue
            if method != req.method:
                allowed.append(method)
                continue
            req.match = m
            req.params = m.groupdict()
            with self.lock:
                return handler(req)
        if allowed:
            r = Response.of(self.error_response(req, 405, "method not allowed"))
            r.set_header("Allow", ", ".join(sorted(set(allowed))))
            return r
        return self.error_response(req, 404, "no such resource: %s" % req.path)

    # ---- auth --------------------------------------------------------------

    def check_auth(self, req):
        """Under the lock: None if REQ is authorised, else the reason."""
        a = self.auth
        mode = a["mode"]
        if mode == "none":
            return None
        if mode == "apikey-header":
            v = req.header(a["key_header"])
            if v is None:
                return "missing %s header" % a["key_header"]
            return None if v == a["token"] else "invalid API key"
        if mode == "apikey-query":
            v = req.q(a["key_query"])
            if v is None:
                return "missing %s query parameter" % a["key_query"]
            return None if v == a["token"] else "invalid API key"
        authz = req.header("Authorization")
        if not authz:
            return "missing Authorization header"
        scheme, _, cred = authz.strip().partition(" ")
        cred = cred.strip()
        if mode == "basic":
            if scheme.lower() != "basic":
                return "Authorization is not Basic"
            try:
                user, sep, pw = base64.b64decode(cred, validate=True).decode(
                    "utf-8").partition(":")
            except (binascii.Error, ValueError):
                return "malformed Basic credentials"
            if not sep or user != a["username"] or pw != a["password"]:
                return "invalid username or password"
            return None
        if scheme.lower() != "bearer" or not cred:
            return "Authorization is not Bearer"
        if mode == "bearer":
            return None if cred == a["token"] else "invalid token"
        t = self.tokens.get(cred)
        if t is None:
            return "unknown access token"
        if not t["valid"]:
            return "access token expired"
        if t["expires_at"] is not None and self.now() >= t["expires_at"]:
            return "access token expired"
        uses = self.stats["token_uses"]
        uses[cred] = uses.get(cred, 0) + 1
        return None

    def issue_access_token(self, prefix):
        self.n_access += 1
        tok = "%s%d" % (prefix, self.n_access)
        ei = self.auth["expires_in"]
        self.tokens[tok] = {"expires_at": self.now() + ei if ei > 0 else None,
                            "valid": True}
        self.stats["tokens_issued"] += 1
        return tok

    def handle_token(self, req):
        with self.lock:
            r = self._token(req)
            if r.status != 200:
                self.stats["token_errors"] += 1
            return r

    def _token(self, req):
        a = self.auth
        if a["mode"] not in ("oauth2", "jwt"):
            return Response.of(self.token_error(
                "unsupported_grant_type", "this fake runs with --auth %s" % a["mode"]))
        if req.content_type() != "application/x-www-form-urlencoded":
            return Response.of(self.token_error(
                "invalid_request",
                "token request must be application/x-www-form-urlencoded"))
        form = req.form()
        gt = form.get("grant_type")
        if a["mode"] == "oauth2":
            if gt != "refresh_token":
                return Response.of(self.token_error(
                    "unsupported_grant_type", "grant_type must be refresh_token"))
            cid, secret = form.get("client_id"), form.get("client_secret")
            authz = req.header("Authorization", "")
            if self.client_auth == "basic" and (
                    cid is not None or secret is not None
                    or not authz.lower().startswith("basic ")):
                return Response.of(self.token_error(
                    "invalid_client", "this token endpoint takes the client "
                    "credentials as HTTP Basic, not in the form body"))
            if cid is None and authz.lower().startswith("basic "):
                try:
                    cid, _, secret = base64.b64decode(authz[6:].strip()).decode(
                        "utf-8").partition(":")
                except (binascii.Error, ValueError):
                    pass
            if cid != a["client_id"] or secret != a["client_secret"]:
                return Response.of(self.token_error(
                    "invalid_client", "unknown client_id or bad client_secret"))
            rt = form.get("refresh_token")
            if not rt:
                return Response.of(self.token_error(
                    "invalid_request", "refresh_token missing"))
            if rt != a["refresh_token"]:
                return Response.of(self.token_error(
                    "invalid_grant", "refresh token is invalid, expired or revoked"))
            new_rt = None
            if a["rotate"]:
                self.n_refresh += 1
                new_rt = "rt-%d" % self.n_refresh
                a["refresh_token"] = new_rt
                self.stats["refresh_tokens_issued"] += 1
            at = self.issue_access_token("at-")
            return Response.of(json_response(
                self.token_body(req, at, a["expires_in"], new_rt), 200,
                {"Cache-Control": "no-store", "Pragma": "no-cache"}))
        # jwt
        if gt != JWT_GRANT:
            return Response.of(self.token_error(
                "unsupported_grant_type", "grant_type must be " + JWT_GRANT))
        assertion = form.get("assertion")
        if not assertion:
            return Response.of(self.token_error("invalid_request", "assertion missing"))
        err = self.verify_jwt(req, assertion)
        if err:
            return Response.of(self.token_error("invalid_grant", err))
        at = self.issue_access_token("ya29.fake-")
        return Response.of(json_response(
            self.token_body(req, at, a["expires_in"], None), 200,
            {"Cache-Control": "no-store", "Pragma": "no-cache"}))

    def jwt_audiences(self, req):
        p = self.token_path_used(req)
        auds = ["http://127.0.0.1:%d%s" % (self.port, p),
                "http://localhost:%d%s" % (self.port, p)]
        host = req.header("Host")
        if host:
            auds.append("http://%s%s" % (host, p))
        return auds + self.auth["audience"]

    def token_path_used(self, req):
        return req.path

    def verify_jwt(self, req, assertion):
        """None if ASSERTION is acceptable, else why not."""
        a = self.auth
        parts = assertion.split(".")
        if len(parts) != 3:
            return "assertion is not a JWS compact serialization (3 parts)"
        try:
            header = json.loads(b64url_decode(parts[0]).decode("utf-8"))
            claims = json.loads(b64url_decode(parts[1]).decode("utf-8"))
            sig = b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError) as e:
            return "malformed JWT (base64url without padding, JSON): %s" % e
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return "JWT header and claims must be JSON objects"
        if header.get("alg") != "RS256":
            return "JWT alg must be RS256"
        if "typ" in header and header["typ"] != "JWT":
            return "JWT typ must be JWT"
        if claims.get("iss") != a["client_email"]:
            return "iss must be the service account email"
        aud = claims.get("aud")
        if aud not in self.jwt_audiences(req):
            return "aud must be the token URL (%s)" % self.jwt_audiences(req)[0]
        scope = claims.get("scope")
        if not isinstance(scope, str) or not scope.strip():
            return "scope missing"
        iat, exp = claims.get("iat"), claims.get("exp")
        if not _is_int(iat) or not _is_int(exp):
            return "iat and exp must be integers"
        now = time.time()
        if exp <= iat:
            return "exp must be after iat"
        if exp - iat > 3600:
            return "exp - iat must be at most 3600"
        if exp <= now:
            return "JWT has expired"
        if iat > now + 300:
            return "iat is in the future"
        if iat < now - 3600:
            return "iat is too old"
        signing_input = (parts[0] + "." + parts[1]).encode("ascii")
        if not verify_rs256(a["public_key"], signing_input, sig):
            return "invalid JWT signature"
        return None

    # ---- control API -------------------------------------------------------

    def handle_control(self, req):
        p, m = req.path, req.method
        if p == "/_fake/log" and m == "GET":
            with self.lock:
                entries = list(self.log)
            kind = req.q("kind")
            if kind:
                entries = [e for e in entries if e.get("kind") == kind]
            return json_response(entries)
        if p == "/_fake/stats" and m == "GET":
            with self.lock:
                return json_response(self.stats_snapshot())
        if p == "/_fake/reset-log" and m == "POST":
            with self.lock:
                self.log = []
                self.reset_stats()
            return json_response({"ok": True})
        if p == "/_fake/control" and m == "GET":
            with self.lock:
                return json_response(self.settings_snapshot())
        if p == "/_fake/control" and m == "POST":
            obj = req.json() if req.body.strip() else {}
            if not isinstance(obj, dict):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "control body must be a JSON object"})
            with self.lock:
                self.apply_control(obj)
                return json_response(dict(ok=True, **self.settings_snapshot()))
        if p == "/_fake/data" and m == "GET":
            with self.lock:
                return json_response(self.dump())
        if p == "/_fake/health" and m == "GET":
            return json_response({"ok": True, "name": self.name, "port": self.port})
        raise HTTPError(404, {"error": "not_found",
                              "message": "no control endpoint %s %s" % (m, p)})

    def stats_snapshot(self):
        s = json.loads(json.dumps(self.stats))
        s["current_refresh_token"] = self.auth["refresh_token"]
        s["valid_tokens"] = sorted(t for t, v in self.tokens.items() if v["valid"])
        return s

    def settings_snapshot(self):
        a = dict(self.auth)
        return {"faults": json.loads(json.dumps(self.faults)), "auth": a,
                "port": self.port, "name": self.name}

    def apply_control(self, obj):
        """Under the lock. Validates base keys into a copy first, so a bad
        value changes nothing."""
        f = json.loads(json.dumps(self.faults))
        auth = dict(self.auth)
        actions = []
        rest = []
        if obj.get("clear_faults"):
            f = self.default_faults()
            actions.append("clear_rl")

        def bad(key, why):
            raise HTTPError(400, {"error": "bad_control",
                                  "message": "%s: %s" % (key, why)})

        def nonneg_int(key, v):
            if not _is_int(v) or v < 0:
                bad(key, "must be an integer >= 0")
            return v

        for key, v in obj.items():
            if key == "clear_faults":
                continue
            if key == "status_sequence":
                if v is None:
                    v = []
                if not isinstance(v, list):
                    bad(key, "must be a list")
                for it in v:
                    st = it.get("status") if isinstance(it, dict) else it
                    if not _is_int(st) or not (0 <= st <= 599):
                        bad(key, "items must be statuses or {status, retry_after}")
                f[key] = v
            elif key == "retry_after":
                f[key] = None if v is None else str(v)
            elif key == "fail_rate":
                if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                    bad(key, "must be a number in 0..1")
                f[key] = float(v)
            elif key == "fail_status":
                if not _is_int(v) or not 100 <= v <= 599:
                    bad(key, "must be an HTTP status")
                f[key] = v
            elif key == "rate_limit":
                if v is not None:
                    if (not isinstance(v, dict) or not _is_int(v.get("limit"))
                            or v["limit"] < 0
                            or not isinstance(v.get("window_s"), (int, float))
                            or v["window_s"] <= 0):
                        bad(key, 'must be {"limit": N, "window_s": S} or null')
                    v = dict(v)
                    if "retry_after" in v and v["retry_after"] is not None:
                        v["retry_after"] = str(v["retry_after"])
                f[key] = v
                actions.append("clear_rl")
            elif key in ("truncate_next", "reset_next", "latency_ms"):
                f[key] = nonneg_int(key, v)
            elif key == "reset_mode":
                if v not in ("close", "rst"):
                    bad(key, 'must be "close" or "rst"')
                f[key] = v
            elif key == "redirect_next":
                if v is not None:
                    if not isinstance(v, dict):
                        bad(key, 'must be {"count": N, "location": URL}')
                    v = dict(v)
                    v["count"] = nonneg_int(key + ".count", v.get("count", 1))
                f[key] = v
            elif key == "body_override":
                if v is not None:
                    if not isinstance(v, dict):
                        bad(key, 'must be {"count", "status", "content_type", "body"}')
                    v = dict(v)
                    v["count"] = nonneg_int(key + ".count", v.get("count", 1))
                    if not _is_int(v.get("status", 200)):
                        bad(key, "status must be an integer")
                f[key] = v
            elif key == "fault_scope":
                if v not in ("api", "token", "all"):
                    bad(key, 'must be "api", "token" or "all"')
                f[key] = v
            elif key == "keepalive":
                f[key] = bool(v)
            elif key == "expire_tokens":
                if v:
                    actions.append("expire")
            elif key == "auth":
                if v not in AUTH_MODES:
                    bad(key, "must be one of " + ", ".join(AUTH_MODES))
                auth["mode"] = v
            elif key in ("token", "username", "password", "client_id",
                         "client_secret", "refresh_token", "client_email",
                         "key_header", "key_query"):
                if v is not None and not isinstance(v, str):
                    bad(key, "must be a string")
                auth[key] = v
            elif key == "rotate":
                auth[key] = bool(v)
            elif key == "expires_in":
                auth[key] = nonneg_int(key, v)
            else:
                rest.append((key, v))
        for key, v in rest:
            if not self.control(key, v):
                bad(key, "unknown control key")
        self.faults = f
        self.auth = auth
        if "clear_rl" in actions:
            self.rl_state = None
        if "expire" in actions:
            for t in self.tokens.values():
                t["valid"] = False

    # ---- log, send, reset --------------------------------------------------

    def _log(self, entry):
        with self.lock:
            self.seq += 1
            entry = dict(seq=self.seq, t=round(self.now() - self.started, 3), **entry)
            self.log.append(entry)
            if self.log_file:
                self.log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log_file.flush()

    def _send(self, h, resp, truncate=False, close=False):
        try:
            # Headers and body leave in two writes: without TCP_NODELAY,
            # Nagle holds the body for the client's delayed ACK (~40 ms a
            # request on keep-alive connections).
            try:
                h.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            h.send_response(resp.status, _reason(resp.status))
            for k, v in resp.headers:
                if k.lower() not in ("content-length", "connection"):
                    h.send_header(k, v)
            n = len(resp.body)
            h.send_header("Content-Length", str(n + 1024 if truncate else n))
            if close or truncate:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            if truncate:
                h.wfile.write(resp.body[:n // 2])
                h.wfile.flush()
                h.close_connection = True
            elif h.command != "HEAD":
                h.wfile.write(resp.body)
                h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def _reset(self, h):
        h.close_connection = True
        with self.lock:
            mode = self.faults["reset_mode"]
        if mode == "rst":
            try:
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                h.rfile.close()
                h.wfile.close()
                h.connection.close()
            except OSError:
                pass

    # ---- running -----------------------------------------------------------

    @classmethod
    def build_parser(cls):
        p = argparse.ArgumentParser(
            prog=cls.name,
            description="salesync fake %s server (127.0.0.1 only). Prints "
                        "PORT=<n> first; exits on stdin EOF, SIGTERM, SIGINT."
                        % cls.name)
        p.add_argument("--port", type=int, default=0,
                       help="port on 127.0.0.1 (default 0: a free one)")
        p.add_argument("--port-file", help="also write the port to this file")
        p.add_argument("--no-stdin", action="store_true",
                       help="do not exit on stdin EOF (for manual runs "
                            "with </dev/null)")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--records", type=int, default=cls.default_records)
        p.add_argument("--page-size", type=int, default=cls.default_page_size)
        p.add_argument("--log", help="append one JSON line per request here")
        p.add_argument("--no-keepalive", action="store_true",
                       help="close the connection after every response "
                            "(same as control keepalive: false)")
        p.add_argument("--verbose", action="store_true",
                       help="log each request on stderr")
        p.add_argument("--auth", choices=AUTH_MODES, default="none")
        p.add_argument("--token", help="bearer token / API key; with "
                                       "oauth2/jwt an extra valid access token")
        p.add_argument("--key-header", default=cls.default_key_header)
        p.add_argument("--key-query", default=cls.default_key_query)
        p.add_argument("--username")
        p.add_argument("--password")
        p.add_argument("--client-id")
        p.add_argument("--client-secret")
        p.add_argument("--refresh-token")
        p.add_argument("--rotate", action="store_true",
                       help="oauth2: issue a new refresh token on each "
                            "refresh; the previous one stops working")
        p.add_argument("--expires-in", type=int, default=3600,
                       help="access token lifetime in seconds (0: never)")
        p.add_argument("--token-path", default=cls.token_path)
        p.add_argument("--client-email", help="jwt: the expected iss")
        p.add_argument("--public-key", help="jwt: PEM public key file")
        p.add_argument("--audience", action="append",
                       help="jwt: another accepted aud (repeatable)")
        cls.add_arguments(p)
        return p

    @classmethod
    def main(cls, argv=None):
        parser = cls.build_parser()
        args = parser.parse_args(argv)
        if args.auth in ("bearer", "apikey-header", "apikey-query") and not args.token:
            parser.error("--auth %s needs --token" % args.auth)
        if args.auth == "basic" and (args.username is None or args.password is None):
            parser.error("--auth basic needs --username and --password")
        if args.auth == "oauth2" and not (args.client_id and args.client_secret
                                          and args.refresh_token):
            parser.error("--auth oauth2 needs --client-id, --client-secret, "
                         "--refresh-token")
        if args.auth == "jwt":
            if not args.client_email or not args.public_key:
                parser.error("--auth jwt needs --client-email and --public-key")
            if not shutil.which("openssl"):
                parser.error("--auth jwt needs the openssl command")
            chk = subprocess.run(["openssl", "pkey", "-pubin", "-in",
                                  args.public_key, "-noout"],
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
            if chk.returncode != 0:
                parser.error("--public-key %s is not a PEM public key: %s"
                             % (args.public_key, chk.stderr.decode(errors="replace")))
        if args.records < 0 or args.page_size < 1:
            parser.error("--records must be >= 0 and --page-size >= 1")

        stop = threading.Event()

        def on_signal(signum, frame):
            stop.set()
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

        fake = cls(args)
        handler = type("Handler", (_Handler,), {"fake": fake,
                                                "verbose": args.verbose})
        httpd = _Server(("127.0.0.1", args.port), handler)
        fake.port = httpd.server_address[1]
        sys.stdout.write("PORT=%d\n" % fake.port)
        sys.stdout.flush()
        if args.port_file:
            tmp = args.port_file + ".tmp"
            with open(tmp, "w") as fh:
                fh.write("%d\n" % fake.port)
            os.replace(tmp, args.port_file)

        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        if not args.no_stdin:
            threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
        while not stop.wait(0.2):
            pass
        httpd.shutdown()
        httpd.server_close()
        with fake.lock:
            if fake.log_file:
                fake.log_file.close()
                fake.log_file = None
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "salesync-fake/1"
    sys_version = ""
    fake = None
    verbose = False

    def _dispatch(self):
        try:
            self.fake.dispatch(self)
        except Exception:
            traceback.print_exc()
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("%s: %s\n" % (self.fake.name, fmt % args))


def _read_body(h):
    te = (h.headers.get("Transfer-Encoding") or "").lower()
    if "chunked" in te:
        out = []
        while True:
            line = h.rfile.readline(65537)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while h.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                break
            out.append(h.rfile.read(size))
            h.rfile.readline(65537)
        return b"".join(out)
    n = h.headers.get("Content-Length")
    if n is None:
        return b""
    n = int(n)
    if n < 0:
        raise ValueError("negative Content-Length")
    return h.rfile.read(n) if n else b""


def _watch_stdin(stop):
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    stop.set()


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _reason(status):
    return BaseHTTPRequestHandler.responses.get(status, ("Status",))[0]


def verify_rs256(public_key_file, data, signature):
    """RS256 (RSASSA-PKCS1-v1_5 with SHA-256) check with the openssl CLI."""
    with tempfile.TemporaryDirectory(prefix="fake-jwt-") as d:
        df, sf = os.path.join(d, "data"), os.path.join(d, "sig")
        with open(df, "wb") as fh:
            fh.write(data)
        with open(sf, "wb") as fh:
            fh.write(signature)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify",
                            public_key_file, "-signature", sf, df],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0


def http_date(epoch):
    """An HTTP-date, e.g. for a Retry-After value."""
    return email.utils.formatdate(epoch, usegmt=True)


if __name__ == "__main__":
    # The base alone: a fake with no routes (auth, faults, control API).
    FakeServer.main()
