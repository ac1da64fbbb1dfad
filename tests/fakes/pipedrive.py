#!/usr/bin/env python3
"""pipedrive: fake of the Pipedrive API (v2 lists, v1 users), per
/work/shared/tool-apis.md section 3.

    GET /api/v1/users/me
    GET /api/v1/users[?start=&limit=]              v1 offset paging
    GET /api/v2/persons|deals|organizations|stages  v2 cursor paging
        ?updated_since=&updated_until=&sort_by=&sort_direction=&limit=&cursor=
         &ids=&owner_id=  (deals: &status=&person_id=&stage_id=&pipeline_id=)
    GET /api/v2/persons|deals|organizations|stages/<id>
    POST /oauth/token                               refresh-token grant (client as HTTP Basic)

Envelopes: {"success": true, "data": ..., "additional_data": {...}};
errors {"success": false, "error": "...", "errorCode": N, "error_info": ...}.
Auth: --auth apikey-header takes the token in the x-api-token header (or
the old api_token query parameter); --auth oauth2 as on the base.

Control extensions (POST /_fake/control): {"patch": {"persons": {"ID":
{...}}, ...}}, {"delete": {"persons": [ids], "deals": [ids]}}, {"add":
{"persons": N, "deals": N}}, {"daily_budget": N|null}. See README.md.
"""

import base64
import binascii
import calendar
import json
import os
import random
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakebase import FakeServer, HTTPError, Response, json_response, route  # noqa: E402

BASE_TIME = calendar.timegm((2026, 10, 1, 9, 0, 0))
GROUP = 7            # records per shared update_time (ties on purpose)
BUMP = 60            # seconds between the latest time and a patch/delete/add
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
INFO = "Please check developers.pipedrive.com"

FIRST = ["Ana", "Sam", "Zoë", "Jürgen", "Łukasz", "Søren", "Amélie", "Kenji",
         "Priya", "Olu", "María José", "Chloé", "Björn", "Nadia", "Tomás"]
LAST = ["Ruiz", "Lee", "Müller", "Kowalski", "Ødegaard", "Dubois", "Tanaka",
        "Raman", "Adeyemi", "García-López", "O'Brien", "Nguyen", "Svensson"]
ORGS = ["Initech", "Globex", "Société Générale d'Études", "Müller & Söhne GmbH",
        "東京商事", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
        "Tyrell Corp"]
USERS = [("Sam Lee", "Sam.Lee@Example-Sales.com"),
         ("Priya Raman", "priya.raman@example-sales.com"),
         ("Jürgen Weiß", "Juergen.Weiss@Example-Sales.com"),
         ("Maya Chen", "maya.chen@example-sales.com"),
         ("Tom Becker", "tom.becker@example-sales.com"),
         ("Nina Novak", "nina.novak@example-sales.com")]
# pipeline id -> [(stage id, name, deal_probability)]
PIPELINES = {1: [(1, "Qualified", 10), (2, "Contact Made", 25),
                 (3, "Proposal Made", 50), (4, "Negotiations Started", 80)],
             2: [(5, "Discovery", 100), (6, "Demo", 40), (7, "Closing", 90)]}
VALUES = [1234.56, 0.1, 5000, 99999999.99, 19.99, None, 250000, 0, 4200.5,
          12345678901.23]
CURRENCIES = ["EUR", "USD", "GBP", "USD", "EUR", "JPY"]
# custom field keys are 40-character hashes
CF_TIER = "d4de1c1518b4531717c676029a45911c340390a6"
CF_SCORE = "9b3a1f0c2e4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b"
CF_BUDGET = "5f2e8a1b3c4d6e7f8091a2b3c4d5e6f708192a3b"
CF_NOTE = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                      r"(Z|[+-]\d{2}:\d{2})")
KINDS = ("persons", "deals", "organizations", "stages")
COST = {"list": 10, "get": 1, "users": 20, "me": 1}


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def v1_time(ts):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def parse_rfc3339(text):
    """RFC 3339 -> epoch seconds (a fraction counts as the next second
    for >= comparisons). ValueError if malformed."""
    m = _RFC3339.fullmatch(text or "")
    if not m:
        raise ValueError(text)
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    ts = calendar.timegm((y, mo, d, h, mi, s))
    if time.gmtime(ts)[:6] != (y, mo, d, h, mi, s):
        raise ValueError(text)
    z = m.group(8)
    if z != "Z":
        sign = 1 if z[0] == "+" else -1
        ts -= sign * (int(z[1:3]) * 3600 + int(z[4:6]) * 60)
    frac = float(m.group(7)) if m.group(7) else 0.0
    return ts + (1 if frac > 0 else 0)


def envelope_error(status, error, **extra):
    body = {"success": False, "error": error, "errorCode": status,
            "error_info": INFO, "data": None, "additional_data": None}
    body.update(extra)
    return body


def bad_request(message):
    return HTTPError(400, envelope_error(400, message))


class Pipedrive(FakeServer):
    name = "pipedrive"
    default_records = 50
    default_page_size = DEFAULT_LIMIT
    token_path = "/oauth/token"
    client_auth = "basic"  # as Pipedrive's SDK sends them
    default_key_header = "x-api-token"
    default_key_query = "api_token"

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--deals", type=int, default=None,
                            help="number of deals (default: --records)")
        parser.add_argument("--users", type=int, default=5,
                            help="number of users (1..6, default 5)")
        parser.add_argument("--orgs", type=int, default=None,
                            help="number of organizations (default: records/3, at least 1)")

    # ---- data --------------------------------------------------------------

    def setup(self):
        a = self.args
        rng = random.Random("pipedrive:%d" % a.seed)
        self.rng = rng
        self.budget = None           # daily token budget: {"limit", "left"}
        self.users = {}
        for i in range(max(1, min(a.users, len(USERS)))):
            name, email = USERS[i]
            uid = 7 + i
            created = BASE_TIME - 86400 * (400 - 30 * i)
            self.users[uid] = {
                "id": uid, "name": name, "email": email, "phone": None,
                "active_flag": i != 3, "activated": True, "is_deleted": False,
                "role_id": 1, "is_you": i == 0, "is_admin": 1 if i == 0 else 0,
                "timezone_name": "Europe/Berlin", "timezone_offset": "+01:00",
                "default_currency": "EUR", "locale": "en_US", "lang": 1,
                "icon_url": None, "access": [{"app": "sales", "admin": i == 0}],
                "has_created_company": i == 0,
                "created": v1_time(created), "modified": v1_time(created + 3600),
                "last_login": v1_time(BASE_TIME - 3600 * i),
            }
        self.user_ids = sorted(self.users)
        self.stages = {}
        for pid, stages in PIPELINES.items():
            for order, (sid, sname, prob) in enumerate(stages, 1):
                self.stages[sid] = {
                    "id": sid, "order_nr": order, "name": sname,
                    "is_deleted": False, "deal_probability": prob,
                    "pipeline_id": pid, "is_deal_rot_enabled": False,
                    "days_to_rotten": None,
                    "add_time": BASE_TIME - 86400 * 500,
                    "update_time": BASE_TIME - 86400 * 500 + sid,
                }
        norgs = a.orgs if a.orgs is not None else max(1, a.records // 3)
        self.organizations = {}
        for i in range(1, norgs + 1):
            name = ORGS[(i - 1) % len(ORGS)]
            if i > len(ORGS):
                name = "%s %d" % (name, i)
            t = BASE_TIME - 86400 * 100 + i * 60
            self.organizations[i] = {
                "id": i, "name": name, "owner_id": rng.choice(self.user_ids),
                "add_time": t, "update_time": t, "is_deleted": False,
                "visible_to": 3, "label_ids": [], "address": None,
                "custom_fields": {},
            }
        self.persons = {}
        self.deals = {}
        self.next_id = {"persons": 1, "deals": 1}
        t = BASE_TIME
        for i in range(a.records):
            if i and i % GROUP == 0:
                t += 60 * rng.randint(1, 180)
            self._new_person(t)
        ndeals = a.deals if a.deals is not None else a.records
        t = BASE_TIME + 1800
        for i in range(ndeals):
            if i and i % GROUP == 0:
                t += 60 * rng.randint(1, 180)
            self._new_deal(t)

    def _new_person(self, t):
        rng = self.rng
        n = self.next_id["persons"]
        self.next_id["persons"] += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        ascii_ = lambda x: x.encode("ascii", "ignore").decode().replace("'", "").replace(" ", "")
        local = "%s.%s%d" % (ascii_(first) or "p", ascii_(last) or "x", n)
        dom = "example-%d.com" % (n % 7)
        emails = [{"value": local + "@" + dom.upper(), "primary": True, "label": "work"}]
        if n % 10 == 3:   # the primary one second
            emails = [{"value": "old.%d@legacy.example" % n, "primary": False, "label": "other"},
                      {"value": "Main.%d@%s" % (n, dom), "primary": True, "label": "work"}]
        elif n % 10 == 5:  # no primary flag: the first counts
            emails = [{"value": "first.%d@%s" % (n, dom), "primary": False, "label": "work"},
                      {"value": "second.%d@%s" % (n, dom), "primary": False, "label": "home"}]
        elif n % 10 == 7:
            emails = []
        phones = [{"value": "+1555%07d" % n, "primary": True, "label": "mobile"}]
        if n % 11 == 4:
            phones = []
        elif n % 4 == 1:
            phones = [{"value": "+4930%07d" % n, "primary": False, "label": "work"},
                      {"value": "+1555%07d" % n, "primary": True, "label": "mobile"}]
        org = None if n % 6 == 0 or not self.organizations else rng.choice(sorted(self.organizations))
        p = {
            "id": n, "name": "%s %s" % (first, last), "first_name": first,
            "last_name": last, "owner_id": rng.choice(self.user_ids),
            "org_id": org, "add_time": t - 86400 * rng.randint(0, 30),
            "update_time": t, "emails": emails, "phones": phones,
            "is_deleted": False, "visible_to": 3, "label_ids": [] if n % 3 else [5],
            "picture_id": None,
            "custom_fields": {CF_TIER: rng.choice(["Enterprise", "SMB", None]),
                              CF_SCORE: rng.choice([12.5, 0.1, 88, None])},
        }
        if n % 13 == 6:    # only a full name
            p["first_name"] = None
            p["last_name"] = None
        if n % 5 == 2:     # contact sync on: job title
            p["job_title"] = rng.choice(["Head of Sales", "CTO", "Einkäufer"])
        self.persons[n] = p
        return p

    def _new_deal(self, t):
        rng = self.rng
        n = self.next_id["deals"]
        self.next_id["deals"] += 1
        pid = 1 if n % 3 else 2
        stage = rng.choice(PIPELINES[pid])[0]
        status = rng.choice(["open", "open", "open", "won", "lost"])
        value = VALUES[n % len(VALUES)]
        cur = CURRENCIES[n % len(CURRENCIES)]
        if cur == "JPY" and value is not None:
            value = 150000
        add = t - 86400 * rng.randint(1, 90)
        d = {
            "id": n, "title": "Deal %d – %s" % (n, rng.choice(ORGS)),
            "owner_id": rng.choice(self.user_ids),
            "person_id": rng.choice(sorted(self.persons)) if self.persons and n % 8 else None,
            "org_id": rng.choice(sorted(self.organizations)) if self.organizations else None,
            "pipeline_id": pid, "stage_id": stage, "value": value, "currency": cur,
            "add_time": add, "update_time": t, "stage_change_time": add + 3600,
            "is_deleted": False, "is_archived": False, "status": status,
            "probability": rng.choice([None, None, None, 35, 70]),
            "lost_reason": "Too expensive" if status == "lost" else None,
            "visible_to": 3, "close_time": None, "won_time": None, "lost_time": None,
            "expected_close_date": time.strftime("%Y-%m-%d", time.gmtime(t + 86400 * rng.randint(5, 120))),
            "label_ids": [], "origin": "ManuallyCreated", "origin_id": None,
            "channel": rng.choice([None, 12]), "channel_id": None,
            "arr": None, "mrr": None, "acv": None,
            "custom_fields": {CF_BUDGET: {"value": 1500.75, "currency": cur} if n % 2 else None,
                              CF_NOTE: "note %d" % n if n % 3 == 0 else None},
        }
        if status in ("won", "lost"):
            d["close_time"] = t - 7200
            d[status + "_time"] = t - 7200
        self.deals[n] = d
        return d

    def _later(self):
        ts = [r["update_time"] for r in self.persons.values()]
        ts += [r["update_time"] for r in self.deals.values()]
        return (max(ts) if ts else BASE_TIME) + BUMP

    def table(self, kind):
        return {"persons": self.persons, "deals": self.deals,
                "organizations": self.organizations, "stages": self.stages}[kind]

    @staticmethod
    def public(rec):
        r = dict(rec)
        for k in ("add_time", "update_time", "stage_change_time", "close_time",
                  "won_time", "lost_time"):
            if isinstance(r.get(k), int):
                r[k] = iso(r[k])
        return r

    # ---- tool-specific bodies ------------------------------------------------

    def unauthorized(self, req, reason):
        return json_response(envelope_error(401, "unauthorized access"), 401,
                             {"x-401-by-gw": "true"})

    def error_response(self, req, status, message):
        return json_response(envelope_error(status, message), status)

    def rate_limited(self, req, retry_after):
        return json_response(envelope_error(429, "Request over limit"), 429)

    def rate_limit_headers(self, limit, remaining, reset_s):
        return [("x-ratelimit-limit", str(limit)),
                ("x-ratelimit-remaining", str(remaining)),
                ("x-ratelimit-reset", str(reset_s))]

    def token_body(self, req, access_token, expires_in, refresh_token):
        return {"access_token": access_token, "token_type": "Bearer",
                "refresh_token": refresh_token or self.auth["refresh_token"],
                "scope": "base,deals:read,contacts:read,users:read",
                "expires_in": expires_in, "api_domain": self.base_url()}

    def check_auth(self, req):
        a = self.auth
        if a["mode"] == "apikey-header":
            v = req.header(a["key_header"])
            if v is None:
                v = req.q(a["key_query"])   # the old way, still accepted here
            if v is None:
                return "missing x-api-token header"
            return None if v == a["token"] else "invalid API token"
        return super().check_auth(req)

    # ---- the daily token budget -----------------------------------------------

    def handle_route(self, req):
        cost = self.cost(req)
        with self.lock:
            b = self.budget
            if b is not None and b["left"] < cost:
                b["left"] = 0
                self._count_fault("daily_budget")
                resp = json_response(envelope_error(
                    429, "Daily rate limit exceeded: the company's API token budget "
                         "is spent until midnight server time"), 429)
                self.budget_headers(resp)
                return resp
            if b is not None:
                b["left"] -= cost
        resp = Response.of(super().handle_route(req))
        with self.lock:
            self.budget_headers(resp)
        return resp

    def budget_headers(self, resp):
        if self.budget is not None:
            resp.set_header("x-daily-ratelimit-token-limit", self.budget["limit"])
            resp.set_header("x-daily-ratelimit-token-remaining", self.budget["left"])

    @staticmethod
    def cost(req):
        p = req.path
        if p == "/api/v1/users/me":
            return COST["me"]
        if p.startswith("/api/v1/users"):
            return COST["users"]
        if re.fullmatch(r"/api/v2/\w+", p):
            return COST["list"]
        return COST["get"]

    # ---- v1 ------------------------------------------------------------------

    @route("GET", r"/api/v1/users/me")
    def me(self, req):
        u = dict(self.users[self.user_ids[0]])
        u.update({"company_id": 4242, "company_name": "Example Sales GmbH",
                  "company_domain": "examplesales", "company_country": "DE"})
        return {"success": True, "data": u}

    @route("GET", r"/api/v1/users")
    def list_users(self, req):
        users = [self.users[i] for i in self.user_ids]
        if req.q("limit") is None and req.q("start") is None:
            return {"success": True, "data": users}   # the whole list, no paging
        start = req.qint("start", 0, lo=0)
        limit = req.qint("limit", DEFAULT_LIMIT, lo=1, hi=MAX_LIMIT)
        page = users[start:start + limit]
        more = start + limit < len(users)
        pg = {"start": start, "limit": limit, "more_items_in_collection": more}
        if more:
            pg["next_start"] = start + limit
        return {"success": True, "data": page, "additional_data": {"pagination": pg}}

    # ---- v2 ------------------------------------------------------------------

    @staticmethod
    def encode_cursor(sort_by, direction, key):
        raw = json.dumps({"s": sort_by, "d": direction, "k": list(key)},
                         separators=(",", ":")).encode("utf-8")
        return base64.b64encode(raw).decode("ascii")

    @staticmethod
    def decode_cursor(text, sort_by, direction):
        try:
            obj = json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
            key = (obj["k"][0], int(obj["k"][1]))
            ok = obj["s"] == sort_by and obj["d"] == direction
        except (binascii.Error, ValueError, KeyError, TypeError, IndexError,
                UnicodeDecodeError):
            ok = False
        if not ok:
            raise bad_request("Invalid cursor")
        return key

    @staticmethod
    def _qids(req, name):
        out = []
        for x in req.qlist(name):
            try:
                out.append(int(x))
            except ValueError:
                raise bad_request("%s must be integers" % name)
        return out

    @route("GET", r"/api/v2/(?P<kind>persons|deals|organizations|stages)")
    def list_v2(self, req):
        kind = req.params["kind"]
        sorts = ("id", "update_time", "add_time") + (("order_nr",) if kind == "stages" else ())
        sort_by = req.q("sort_by", "id")
        direction = req.q("sort_direction", "asc")
        if sort_by not in sorts:
            raise bad_request("sort_by must be one of " + ", ".join(sorts))
        if direction not in ("asc", "desc"):
            raise bad_request("sort_direction must be asc or desc")
        try:
            limit = int(req.q("limit", str(self.args.page_size)))
        except ValueError:
            raise bad_request("limit must be an integer")
        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request("Validation failed: limit: Must be between 1 and %d" % MAX_LIMIT)
        since = until = None
        try:
            if req.q("updated_since"):
                since = parse_rfc3339(req.q("updated_since"))
            if req.q("updated_until"):
                until = parse_rfc3339(req.q("updated_until"))
        except ValueError:
            raise bad_request("updated_since and updated_until must be RFC 3339, "
                              "e.g. 2025-01-01T10:20:00Z")
        statuses = None
        if kind == "deals":
            statuses = req.qlist("status") or ["open", "won", "lost"]
            for s in statuses:
                if s not in ("open", "won", "lost", "deleted"):
                    raise bad_request("status must be open, won, lost or deleted")
        ids = self._qids(req, "ids")[:100] if req.q("ids") else None
        filters = {}
        for f in ("owner_id", "person_id", "stage_id", "pipeline_id", "org_id"):
            if req.q(f) is not None:
                filters[f] = req.qint(f)
        rows = []
        for r in self.table(kind).values():
            if kind == "deals":
                if ("deleted" if r["is_deleted"] else r["status"]) not in statuses:
                    continue
            elif r.get("is_deleted"):
                continue    # deleted persons and organizations are not listed
            if since is not None and r["update_time"] < since:
                continue
            if until is not None and r["update_time"] >= until:
                continue
            if ids is not None and r["id"] not in ids:
                continue
            if any(r.get(f) != v for f, v in filters.items()):
                continue
            rows.append(r)
        rev = direction == "desc"
        rows.sort(key=lambda r: (r[sort_by], r["id"]), reverse=rev)
        keys = [(r[sort_by], r["id"]) for r in rows]
        start = 0
        if req.q("cursor"):
            ck = tuple(self.decode_cursor(req.q("cursor"), sort_by, direction))
            while start < len(keys) and (keys[start] <= ck if not rev else keys[start] >= ck):
                start += 1
        page = rows[start:start + limit]
        nxt = None
        if start + limit < len(rows):
            nxt = self.encode_cursor(sort_by, direction, keys[start + limit - 1])
        return {"success": True, "data": [self.public(r) for r in page],
                "additional_data": {"next_cursor": nxt}}

    @route("GET", r"/api/v2/(?P<kind>persons|deals|organizations|stages)/(?P<id>[^/]+)")
    def get_v2(self, req):
        kind = req.params["kind"]
        try:
            r = self.table(kind).get(int(req.params["id"]))
        except ValueError:
            r = None
        if r is None or (kind != "deals" and r.get("is_deleted")):
            what = {"persons": "Person", "deals": "Deal", "organizations": "Organization",
                    "stages": "Stage"}[kind]
            raise HTTPError(404, envelope_error(404, "%s not found" % what))
        return {"success": True, "data": self.public(r)}

    # ---- control -------------------------------------------------------------

    def _bad(self, key, why):
        raise HTTPError(400, {"error": "bad_control", "message": "%s: %s" % (key, why)})

    def _ids(self, key, kind, value):
        if kind not in ("persons", "deals", "users", "organizations", "stages"):
            self._bad(key, "unknown kind %s" % kind)
        tab = self.users if kind == "users" else self.table(kind)
        out = []
        for x in value:
            try:
                i = int(x)
            except (TypeError, ValueError):
                self._bad(key, "ids must be integers")
            if i not in tab:
                self._bad(key, "no %s %s" % (kind, x))
            out.append(i)
        return tab, out

    def control(self, key, value):
        if key == "patch":
            if not isinstance(value, dict):
                self._bad(key, 'must be {"persons": {"ID": {fields}}, ...}')
            t = self._later()
            for kind, recs in value.items():
                if not isinstance(recs, dict):
                    self._bad(key, "%s: must map ids to field objects" % kind)
                tab, ids = self._ids(key, kind, list(recs))
                for i, fields in zip(ids, recs.values()):
                    if not isinstance(fields, dict):
                        self._bad(key, "fields must be an object")
                    rec = tab[i]
                    for k, v in fields.items():
                        if k in ("update_time", "add_time", "close_time", "won_time",
                                 "lost_time", "stage_change_time") and isinstance(v, str):
                            try:
                                v = parse_rfc3339(v)
                            except ValueError:
                                self._bad(key, "%s: not RFC 3339" % k)
                        rec[k] = v
                    if kind == "users":
                        if "modified" not in fields:
                            rec["modified"] = v1_time(t)
                    elif "update_time" not in fields:
                        rec["update_time"] = t
            return True
        if key == "delete":
            if not isinstance(value, dict):
                self._bad(key, 'must be {"persons": [ids], "deals": [ids]}')
            t = self._later()
            for kind, ids in value.items():
                if not isinstance(ids, list):
                    self._bad(key, "%s: must be a list of ids" % kind)
                tab, ids = self._ids(key, kind, ids)
                for i in ids:
                    tab[i]["is_deleted"] = True
                    if "update_time" in tab[i]:
                        tab[i]["update_time"] = t
                    else:
                        tab[i]["modified"] = v1_time(t)
            return True
        if key == "add":
            if not isinstance(value, dict):
                self._bad(key, 'must be {"persons": N, "deals": N}')
            t = self._later()
            for kind, n in value.items():
                if kind not in ("persons", "deals") or not isinstance(n, int) or n < 0:
                    self._bad(key, "persons or deals: an integer >= 0")
                for _ in range(n):
                    (self._new_person if kind == "persons" else self._new_deal)(t)
            return True
        if key == "daily_budget":
            if value is None:
                self.budget = None
            elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                self.budget = {"limit": value, "left": value}
            else:
                self._bad(key, "must be an integer >= 0 or null")
            return True
        return False

    def dump(self):
        out = {k: [self.public(r) for _, r in sorted(self.table(k).items())] for k in KINDS}
        out["users"] = [self.users[i] for i in self.user_ids]
        return out


if __name__ == "__main__":
    Pipedrive.main()
