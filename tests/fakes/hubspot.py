#!/usr/bin/env python3
"""hubspot: fake of the HubSpot CRM API for the hubspot plugin's tests and
benchmark, on the shared base (fakebase.py: auth modes, faults, request log,
control API; see README.md in this directory).

    GET  /crm/v3/objects/{contacts|deals}?limit&after&properties&associations&archived
    GET  /crm/v3/objects/{contacts|deals}/{id}
    POST /crm/v3/objects/{contacts|deals}/search
    GET  /crm/v3/owners?limit&after&archived&email
    GET  /crm/v3/pipelines/deals
    POST /crm/v4/associations/deals/contacts/batch/read
    POST /oauth/v1/token                      (--auth oauth2)
and the same under the date-versioned paths /crm/objects/2026-03/...,
/crm/owners/2026-03, /crm/pipelines/2026-03/deals,
/crm/associations/2026-03/deals/contacts/batch/read (any YYYY-MM[-beta]).

Command line: the base's, plus --deals N (default records / 2), --owners N
(active owners, 1-6, default 4; one archived owner is added, and the last
active one is a deactivated user), --archived N (archived contacts among
--records, default records / 10, spread evenly), --archived-deals N
(default deals / 10). --page-size is the default list limit (HubSpot's: 10);
--expires-in defaults to 1800 (HubSpot's access tokens).

Data is generated lazily from --seed and the record index, so a million
contacts cost no memory until they change; changed records live in an
overlay. Contacts are 1001, 1002, ...; deals 9000001, ...; owners 41000001,
... Last-modified times lie in 2025-2026 (before "now"), in groups of equal
times (7 contacts, 5 deals), so ties straddle pages. Contacts include
missing and mixed-case emails, names in many scripts, a 65,547-character
property (notes_long of contact 1004) and custom properties
(industry_segment, nps_score); deals have null, empty, huge and JPY
amounts, stages of the default pipeline and of a custom one whose labels
contradict their metadata ("Lost" is open), zero, one or two associated
contacts (two: listed highest id first).

Fidelity: property values are strings or null; records have id,
properties, createdAt, updatedAt, archived (archivedAt); `paging` is absent
on the last page; list `after` is the id of the next record; `properties`
may be repeated or a comma list; list limit above 100 is capped to 100.
Search takes filterGroups (at most 5, 10 filters each, 25 in all; all
operators), one sort in the object form (a string or a second sort is a
400), limit at most 200, `after` as an offset, returns `total`, and answers
400 once the offset reaches the 10,000-result cap. Records that tie on the
sort property come in an order of the fake's own (a hash of the id), not by
id. Errors use HubSpot's body (status, message, correlationId, category);
401 says INVALID_AUTHENTICATION or, for an expired token,
EXPIRED_AUTHENTICATION; 429s carry policyName and the X-HubSpot-RateLimit-*
headers; injected 502/504 are HTML pages; the association batch read
answers 207 with errors for deals without contacts. The token endpoint
answers with token_type "bearer" and always returns the refresh token.

Control keys (POST /_fake/control), besides the base's:
  {"touch": [ids]} or {"touch": {"ids": [...], "at": MS}}
        new last-modified time (now, or MS epoch ms; the same for all the
        ids: a tie), contacts' hs_lead_status moves on, deals' amount +100
  {"touch_range": {"kind": "contacts", "from": I, "count": N, "at": MS,
                   "spread_ms": D}}
        touch N active records from index I, at MS + k * D (D 0: one tie)
  {"archive": [ids]}        archived now (leaves lists and search)
  {"add": N} or {"add": {"contacts": N, "deals": M}}   new records, now
  {"set": {"ID": {"property": value, "_contacts": [contact ids]}}}
        set properties (and a deal's contacts); last-modified becomes now
  {"add_stage": {"pipeline": "default", "id": "x", "label": "...",
                 "isClosed": "false", "probability": "0.5"}}
  {"search_cap": N}         the search's result cap (default 10000)
  {"search_per_second": N}  search limit: beyond N a second, 429 SECONDLY
  {"rolling_limit": {"limit": N, "window_ms": W}}   HubSpot's burst limit:
        a rolling window, X-HubSpot-RateLimit-Max/-Remaining/
        -Interval-Milliseconds on every answer, 429 TEN_SECONDLY_ROLLING
  {"daily_limit": N}        after N requests 429 DAILY (null: off), with
        X-HubSpot-RateLimit-Daily/-Daily-Remaining
  {"policy_name": "DAILY"}  the policyName of injected 429s
        (status_sequence, fail_rate; default TEN_SECONDLY_ROLLING)
GET /_fake/data: counts, contacts and deals (up to 20,000 each; a deal's
associated contact ids under "contacts"), owners.
"""

import bisect
import calendar
import collections
import json
import os
import re
import socket
import sys
import time
import uuid

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakebase import (FakeServer, HTTPError, Response, json_response,  # noqa: E402
                      route, text_response)

BASE_MS = calendar.timegm((2025, 1, 6, 9, 0, 0)) * 1000
STEP_MS = {"contacts": 360137, "deals": 1800211}   # between tie groups
GROUP = {"contacts": 7, "deals": 5}                # records per tie group
ID0 = {"contacts": 1001, "deals": 9000001}
LIST_MAX = 100
SEARCH_MAX = 200
OWNERS_MAX = 500
BATCH_MAX = 1000
VERSION = r"(?:v3|\d{4}-\d{2}(?:-beta)?)"

FIRST = ["Ana", "Zoë", "Łukasz", "José", "Søren", "Chloé", "Ævar", "Mei", "Ngozi",
         "Olivia", "Raj", "Yūki", "Ingrid", "Kwame", "Lucía", "Dmitri", "Fatima",
         "Hannah", "Björn", "Amélie", "Tomás", "Priya", "Omar", "Elif"]
LAST = ["Ruiz", "Müller", "Kowalski", "O'Brien", "Nakamura", "Dubois", "Okafor",
        "Svensson", "Rossi", "García", "Novak", "Çelik", "Andersen", "Schmidt",
        "Van der Berg", "Smith-Jones", "Ivanova", "Haddad", "Kim", "Moreau"]
COMPANIES = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Stark Industries",
             "Wayne Enterprises", "Tyrell", "Société Générale d'Études", "Müller & Söhne",
             "北京科技", "Soylent"]
TITLES = ["CEO", "CTO", "Head of Sales", "Buyer", "Office Manager", "VP Marketing",
          "Procurement Lead", None]
LEAD_STATUS = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED",
               "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING", None]
LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
             "opportunity", "customer", "evangelist", "other"]
SOURCES = ["ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA",
           "REFERRALS", "OTHER_CAMPAIGNS", "DIRECT_TRAFFIC", "OFFLINE", "PAID_SOCIAL", None]
SEGMENTS = ["SMB", "Mid-market", "Enterprise", None]
AMOUNTS = ["12500.00", "999.99", None, "", "50000", "1234567890123.45", "0", "7500.5",
           "320.10", "25000.00", "86000.00", "4999.99"]
CURRENCIES = ["USD", "USD", "EUR", "GBP", None, "USD", "JPY"]

# Pipelines: HubSpot's default one, and a custom one whose labels would
# mislead a plugin that guessed from names (metadata decides).
PIPELINES = [
    {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "stages": [
        ("appointmentscheduled", "Appointment Scheduled", "false", "0.2"),
        ("qualifiedtobuy", "Qualified To Buy", "false", "0.4"),
        ("presentationscheduled", "Presentation Scheduled", "false", "0.6"),
        ("decisionmakerboughtin", "Decision Maker Bought-In", "false", "0.8"),
        ("contractsent", "Contract Sent", "false", "0.9"),
        ("closedwon", "Closed Won", "true", "1.0"),
        ("closedlost", "Closed Lost", "true", "0.0")]},
    {"id": "764512", "label": "Renewals", "displayOrder": 1, "stages": [
        ("1011", "Closed - pending signature", "false", "0.7"),
        ("1012", "Signed", "true", "1.0"),
        ("1013", "Gone quiet", "true", "0.0"),
        ("1014", "Lost", "false", "0.1")]},
]
OPEN_STAGES = [("default", "appointmentscheduled"), ("default", "qualifiedtobuy"),
               ("default", "presentationscheduled"), ("default", "decisionmakerboughtin"),
               ("default", "contractsent"), ("764512", "1011"), ("764512", "1014")]
ALL_STAGES = OPEN_STAGES + [("default", "closedwon"), ("default", "closedlost"),
                            ("764512", "1012"), ("764512", "1013")]

OWNERS = [("Sam", "Lee", "East"), ("Priya", "Raman", "East"), ("Tom", "Becker", "West"),
          ("Zoë", "Åkesson", "West"), ("Daniel", "Okafor", "East"), ("Maya", "Chen", "West")]

DATE_PROPS = {"createdate", "lastmodifieddate", "hs_lastmodifieddate", "closedate",
              "notes_last_updated", "hs_lifecyclestage_customer_date"}
NUMBER_PROPS = {"hs_object_id", "amount", "hs_deal_stage_probability"}
CONTACT_PROPS = ["email", "firstname", "lastname", "company", "jobtitle", "phone",
                 "mobilephone", "hs_lead_status", "lifecyclestage", "hubspot_owner_id",
                 "createdate", "lastmodifieddate", "hs_object_id", "hs_analytics_source",
                 "notes_last_updated", "hs_lifecyclestage_customer_date", "industry_segment",
                 "nps_score", "notes_long"]
DEAL_PROPS = ["dealname", "amount", "deal_currency_code", "dealstage", "pipeline",
              "closedate", "hubspot_owner_id", "createdate", "hs_lastmodifieddate",
              "hs_object_id", "industry_segment", "hs_deal_stage_probability"]
KNOWN = {"contacts": set(CONTACT_PROPS), "deals": set(DEAL_PROPS)}
DEFAULT_PROPS = {
    "contacts": ["firstname", "lastname", "email", "createdate", "lastmodifieddate",
                 "hs_object_id"],
    "deals": ["dealname", "amount", "closedate", "pipeline", "dealstage", "createdate",
              "hs_lastmodifieddate", "hs_object_id"],
}
ALWAYS = {"contacts": ["hs_object_id", "createdate", "lastmodifieddate"],
          "deals": ["hs_object_id", "createdate", "hs_lastmodifieddate"]}
MODPROP = {"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
             "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
                  r"(Z|[+-]\d{2}:?\d{2})?)?$")


def iso_ms(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def parse_ms(text):
    """Epoch ms (digits, or a JSON number) or ISO 8601 -> ms; ValueError."""
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, (int, float)):
        return int(text)
    text = str(text).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    m = _ISO.match(text)
    if not m:
        raise ValueError(text)
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    h, mi, s = (int(m.group(i) or 0) for i in (4, 5, 6))
    ms = (m.group(7) or "0")[:3].ljust(3, "0")
    t = calendar.timegm((y, mo, d, h, mi, s)) * 1000 + int(ms)
    z = m.group(8)
    if z and z != "Z":
        sign = 1 if z[0] == "+" else -1
        z = z[1:].replace(":", "")
        t -= sign * (int(z[:2]) * 3600 + int(z[2:]) * 60) * 1000
    return t


def mix(i, salt, seed):
    """A deterministic 32-bit hash of (i, salt, seed): no Python hash()."""
    x = (i * 2654435761 + salt * 40503 + seed * 2246822519) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 2246822519) & 0xFFFFFFFF
    x ^= x >> 13
    return x


def pick(seq, i, salt, seed):
    return seq[mix(i, salt, seed) % len(seq)]


def spread(n, k):
    """k of range(n), evenly spread: the last index of each k-th part."""
    if n <= 0 or k <= 0:
        return []
    k = min(k, n)
    return [(j + 1) * n // k - 1 for j in range(k)]


def hs_error(status, category, message, **extra):
    body = {"status": "error", "message": message,
            "correlationId": str(uuid.uuid4()), "category": category}
    body.update(extra)
    return HTTPError(status, body)


class HubSpot(FakeServer):
    name = "hubspot"
    token_path = "/oauth/v1/token"
    default_records = 30
    default_page_size = 10   # HubSpot's default limit

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--deals", type=int, default=None,
                            help="number of deals (default: records / 2)")
        parser.add_argument("--owners", type=int, default=4,
                            help="active owners (1-6); one archived owner is added")
        parser.add_argument("--archived", type=int, default=None,
                            help="archived contacts among --records (default records / 10)")
        parser.add_argument("--archived-deals", type=int, default=None,
                            help="archived deals among --deals (default deals / 10)")
        parser.set_defaults(expires_in=1800)   # HubSpot's access tokens: 30 min

    def dispatch(self, h):
        # The base writes the headers and the body in two sends: without
        # TCP_NODELAY each response waits for the client's delayed ACK
        # (~40 ms), which would make the fake, not the client, the
        # bottleneck of the benchmark.
        try:
            h.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().dispatch(h)

    # ---- data --------------------------------------------------------------

    def setup(self):
        a = self.args
        self.n = {"contacts": a.records,
                  "deals": a.deals if a.deals is not None else a.records // 2}
        narch = {"contacts": a.archived if a.archived is not None else a.records // 10,
                 "deals": (a.archived_deals if a.archived_deals is not None
                           else self.n["deals"] // 10)}
        self.base_archived = {k: set(spread(self.n[k], narch[k])) for k in self.n}
        self.count = dict(self.n)          # base + added
        self.over = {"contacts": {}, "deals": {}}   # index -> materialized record
        self.pipelines = json.loads(json.dumps(PIPELINES))
        self.owners = self._make_owners(max(1, min(a.owners, len(OWNERS))))
        self.search_cap = 10000
        self.search_per_second = None
        self.search_window = None
        self.rolling = None                # {"limit", "window_ms"}
        self.rolling_log = collections.deque()
        self.daily = None
        self.daily_used = 0
        self.policy = "TEN_SECONDLY_ROLLING"

    def _make_owners(self, n):
        out = []
        for k in range(n + 1):
            first, last, team = OWNERS[k % len(OWNERS)]
            archived = k == n
            inactive = k == n - 1 and n > 1
            oid = str(41000001 + k)
            created = BASE_MS - (400 - k) * 86400000
            out.append({
                "id": oid, "email": "%s.%s@Example-Sales.com" % (first, last.replace(" ", "")),
                "type": "PERSON", "firstName": first, "lastName": last,
                "userId": None if inactive or archived else 9586504 + k,
                "userIdIncludingInactive": 9586504 + k,
                "createdAt": iso_ms(created), "updatedAt": iso_ms(created + 86400000 * k),
                "archived": archived,
                "teams": [{"id": str(368380 + (0 if team == "East" else 1)), "name": team,
                           "primary": True}],
            })
        return out

    def owner_ids(self):
        return [o["id"] for o in self.owners]

    def mod_ms(self, kind, i):
        return BASE_MS + (i // GROUP[kind]) * STEP_MS[kind]

    def first_index_at_or_after(self, kind, ms):
        """Smallest base index whose base last-modified time is >= ms."""
        if ms <= BASE_MS:
            return 0
        g = -(-(ms - BASE_MS) // STEP_MS[kind])
        return min(self.n[kind], g * GROUP[kind])

    def _gen(self, kind, i):
        seed = self.args.seed
        mod = self.mod_ms(kind, i)
        created = mod - (mix(i, 1, seed) % (120 * 86400)) * 1000 - 137
        owners = self.owner_ids() + [None]
        if kind == "contacts":
            first, last = pick(FIRST, i, 2, seed), pick(LAST, i, 3, seed)
            company = pick(COMPANIES, i, 4, seed)
            email = "%s.%s%d@%s.example" % (first, last.replace(" ", "").replace("'", ""),
                                           i, company.split(" ")[0].replace("'", ""))
            if i % 13 == 5:
                email = None                    # contacts without email
            elif i % 11 == 3:
                email = "  " + email.upper() + " "
            life = pick(LIFECYCLE, i, 5, seed)
            props = {
                "email": email, "firstname": first if i % 17 != 9 else None,
                "lastname": last, "company": company, "jobtitle": pick(TITLES, i, 6, seed),
                "phone": "+1 555 %04d" % (i % 10000) if i % 4 else None,
                "mobilephone": "+44 7700 %06d" % i if i % 4 == 0 and i % 8 else None,
                "hs_lead_status": pick(LEAD_STATUS, i, 7, seed), "lifecyclestage": life,
                "hubspot_owner_id": pick(owners, i, 8, seed),
                "createdate": iso_ms(created), "lastmodifieddate": iso_ms(mod),
                "hs_object_id": str(ID0[kind] + i),
                "hs_analytics_source": pick(SOURCES, i, 9, seed),
                "notes_last_updated": iso_ms(mod - 3600000) if i % 3 == 0 else None,
                "hs_lifecyclestage_customer_date": iso_ms(mod - 7200000)
                if life in ("customer", "evangelist") else None,
                "industry_segment": pick(SEGMENTS, i, 10, seed),
                "nps_score": str(mix(i, 11, seed) % 11) if i % 2 else None,
                "notes_long": ("Très long: " + "0123456789abcdef" * 4096) if i == 3 else None,
            }
        else:
            pipe, stage = pick(ALL_STAGES, i, 12, seed)
            amount = pick(AMOUNTS, i, 13, seed)
            cur = pick(CURRENCIES, i, 14, seed)
            if cur == "JPY" and amount and "." in amount:
                amount = amount.split(".")[0]
            props = {
                "dealname": "%s — %s renewal %d" % (pick(COMPANIES, i, 15, seed),
                                                   pick(FIRST, i, 16, seed), i),
                "amount": amount, "deal_currency_code": cur,
                "dealstage": stage, "pipeline": pipe,
                "closedate": iso_ms((mod // 86400000 + 30) * 86400000),
                "hubspot_owner_id": pick(owners, i, 17, seed),
                "createdate": iso_ms(created), "hs_lastmodifieddate": iso_ms(mod),
                "hs_object_id": str(ID0[kind] + i),
                "industry_segment": pick(SEGMENTS, i, 18, seed),
                "hs_deal_stage_probability": None,
            }
        rec = {"id": str(ID0[kind] + i), "properties": props,
               "createdAt": iso_ms(created), "updatedAt": iso_ms(mod),
               "archived": i in self.base_archived.get(kind, ())}
        if rec["archived"]:
            rec["archivedAt"] = iso_ms(mod)
        if kind == "deals":
            rec["_contacts"] = self._deal_contacts(i)
        return rec

    def _deal_contacts(self, i):
        nc = self.n["contacts"]
        if nc == 0 or i % 5 == 4:
            return []
        a = ID0["contacts"] + (i * 3) % nc
        if i % 7 == 3 and nc > 1:
            b = ID0["contacts"] + (i * 3 + nc // 2 + 1) % nc
            return sorted({a, b}, reverse=True)    # not in ascending order
        return [a]

    def get(self, kind, i):
        r = self.over[kind].get(i)
        return r if r is not None else self._gen(kind, i)

    def index_of(self, kind, rid):
        try:
            i = int(rid) - ID0[kind]
        except (TypeError, ValueError):
            return None
        return i if 0 <= i < self.count[kind] else None

    def kind_of(self, rid):
        for kind in ("deals", "contacts"):
            if self.index_of(kind, rid) is not None:
                return kind
        return None

    def modify(self, kind, i, at):
        """Materializes record i into the overlay with last-modified = at."""
        r = json.loads(json.dumps(self.get(kind, i)))
        r["updatedAt"] = iso_ms(at)
        r["properties"][MODPROP[kind]] = iso_ms(at)
        self.over[kind][i] = r
        return r

    # ---- shaping records ---------------------------------------------------

    def public(self, kind, rec, props, assoc=False):
        out = {"id": rec["id"], "properties": {}, "createdAt": rec["createdAt"],
               "updatedAt": rec["updatedAt"], "archived": rec["archived"]}
        for p in list(ALWAYS[kind]) + list(props):
            if p in KNOWN[kind]:
                out["properties"][p] = rec["properties"].get(p)
        if rec["archived"]:
            out["archivedAt"] = rec.get("archivedAt", rec["updatedAt"])
        if assoc and kind == "deals" and rec.get("_contacts"):
            out["associations"] = {"contacts": {"results": [
                {"id": str(c), "type": "deal_to_contact"} for c in rec["_contacts"]]}}
        return out

    def requested_props(self, kind, req):
        props = req.qlist("properties")
        return props if props else DEFAULT_PROPS[kind]

    # ---- rate limits (HubSpot's headers and 429 bodies) --------------------

    def limit_body(self, policy):
        msg = {"DAILY": "You have reached your daily limit.",
               "SECONDLY": "You have reached your secondly limit.",
               "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit."}
        return {"status": "error", "message": msg.get(policy, "You have reached your limit."),
                "errorType": "RATE_LIMIT", "correlationId": str(uuid.uuid4()),
                "policyName": policy}

    def rate_limited(self, req, retry_after):
        return json_response(self.limit_body("TEN_SECONDLY_ROLLING"), 429)

    def rate_limit_headers(self, limit, remaining, reset_s):
        rl = self.faults.get("rate_limit") or {}
        return [("X-HubSpot-RateLimit-Max", str(limit)),
                ("X-HubSpot-RateLimit-Remaining", str(remaining)),
                ("X-HubSpot-RateLimit-Interval-Milliseconds",
                 str(int(rl.get("window_s", 10) * 1000)))]

    def _limits(self, req):
        """Under the lock: HubSpot's own limits (rolling, daily, search per
        second). Returns (429 Response or None, headers)."""
        now = time.monotonic()
        headers = []
        if self.daily is not None:
            if self.daily_used >= self.daily:
                r = json_response(self.limit_body("DAILY"), 429)
                r.set_header("X-HubSpot-RateLimit-Daily", self.daily)
                r.set_header("X-HubSpot-RateLimit-Daily-Remaining", 0)
                return r, headers
        if req.method == "POST" and req.path.endswith("/search") and self.search_per_second:
            w = self.search_window
            if w is None or now >= w[0] + 1:
                w = self.search_window = [now, 0]
            if w[1] >= self.search_per_second:
                return json_response(self.limit_body("SECONDLY"), 429), headers
            w[1] += 1
        if self.rolling:
            lim, win = self.rolling["limit"], self.rolling["window_ms"] / 1000.0
            log = self.rolling_log
            while log and log[0] <= now - win:
                log.popleft()
            base = [("X-HubSpot-RateLimit-Max", str(lim)),
                    ("X-HubSpot-RateLimit-Interval-Milliseconds", str(self.rolling["window_ms"]))]
            if len(log) >= lim:
                r = json_response(self.limit_body("TEN_SECONDLY_ROLLING"), 429)
                for k, v in base + [("X-HubSpot-RateLimit-Remaining", "0")]:
                    r.set_header(k, v)
                return r, headers
            log.append(now)
            headers += base + [("X-HubSpot-RateLimit-Remaining", str(lim - len(log)))]
        if self.daily is not None:
            self.daily_used += 1
            headers += [("X-HubSpot-RateLimit-Daily", str(self.daily)),
                        ("X-HubSpot-RateLimit-Daily-Remaining",
                         str(self.daily - self.daily_used))]
        return None, headers

    def handle_route(self, req):
        with self.lock:
            limited, headers = self._limits(req)
        if limited is not None:
            self._count_limit()
            return limited
        resp = Response.of(super().handle_route(req))
        for k, v in headers:
            resp.set_header(k, v)
        resp.set_header("x-hubspot-correlation-id", str(uuid.uuid4()))
        return resp

    def _count_limit(self):
        with self.lock:
            f = self.stats["faults"]
            f["hubspot_limit"] = f.get("hubspot_limit", 0) + 1

    # ---- errors and auth in HubSpot's shapes -------------------------------

    def unauthorized(self, req, reason):
        if "expired" in reason:
            body = {"status": "error",
                    "message": "The OAuth token used to make this call expired 75 second(s) ago.",
                    "correlationId": str(uuid.uuid4()), "category": "EXPIRED_AUTHENTICATION",
                    "context": {"expire time": [iso_ms(int(time.time() * 1000) - 75000)]}}
        else:
            body = {"status": "error",
                    "message": "Authentication credentials not found. This API supports OAuth "
                               "2.0 authentication and you can find more details at "
                               "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                    "correlationId": str(uuid.uuid4()), "category": "INVALID_AUTHENTICATION"}
        return json_response(body, 401, {"x-hubspot-auth-failure": "401 Unauthorized"})

    def error_response(self, req, status, message):
        if status == 429:
            return json_response(self.limit_body(self.policy), 429)
        if status in (502, 504):
            return text_response("<html><head><title>%d</title></head><body><h1>%d %s</h1>"
                                 "</body></html>" % (status, status,
                                                     "Bad Gateway" if status == 502
                                                     else "Gateway Timeout"),
                                 status, "text/html; charset=utf-8")
        if status >= 500:
            return json_response({"status": "error", "message": "internal error",
                                  "correlationId": str(uuid.uuid4())}, status)
        category = {400: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION",
                    403: "MISSING_SCOPES", 404: "OBJECT_NOT_FOUND",
                    405: "VALIDATION_ERROR"}.get(status, "VALIDATION_ERROR")
        return json_response({"status": "error", "message": message,
                              "correlationId": str(uuid.uuid4()), "category": category},
                             status)

    def token_body(self, req, access_token, expires_in, refresh_token):
        # HubSpot returns the refresh token on every refresh (the same one
        # unless it was rotated) and a lower-case token type.
        return {"token_type": "bearer",
                "refresh_token": refresh_token or self.auth["refresh_token"],
                "access_token": access_token, "expires_in": expires_in}

    def token_error(self, error, description):
        status = {"invalid_grant": "BAD_REFRESH_TOKEN", "invalid_client": "BAD_CLIENT_ID"}
        return json_response({"status": status.get(error, "BAD_REQUEST"),
                              "message": description, "error": error,
                              "error_description": description,
                              "correlationId": str(uuid.uuid4())}, 400)

    # ---- list ----------------------------------------------------------------

    def _limit(self, req, cap):
        v = req.q("limit")
        if v is None or v == "":
            return self.args.page_size
        try:
            n = int(v, 10)
        except ValueError:
            raise hs_error(400, "VALIDATION_ERROR", "limit must be an integer")
        if n < 1:
            raise hs_error(400, "VALIDATION_ERROR", "limit must be at least 1")
        return min(n, cap)

    def _bool(self, req, name):
        v = (req.q(name) or "false").lower()
        if v not in ("true", "false"):
            raise hs_error(400, "VALIDATION_ERROR", "%s must be true or false" % name)
        return v == "true"

    def _archived_indices(self, kind):
        """Sorted indices of archived records (base and overlay)."""
        s = set(i for i in self.base_archived[kind] if i not in self.over[kind])
        s.update(i for i, r in self.over[kind].items() if r["archived"])
        return sorted(s)

    @route("GET", r"/crm/(?:v3/objects|objects/" + VERSION + r")/(?P<kind>contacts|deals)")
    def list_objects(self, req):
        kind = req.params["kind"]
        limit = self._limit(req, LIST_MAX)
        archived = self._bool(req, "archived")
        props = self.requested_props(kind, req)
        assoc = "contacts" in req.qlist("associations")
        after = req.q("after")
        start = 0
        if after:
            if not re.fullmatch(r"\d+", after):
                raise hs_error(400, "VALIDATION_ERROR", "after must be a paging cursor")
            start = max(0, int(after) - ID0[kind])
        out, nxt = [], None
        if archived:
            idx = self._archived_indices(kind)
            pos = bisect.bisect_left(idx, start)
            for i in idx[pos:pos + limit]:
                out.append(self.public(kind, self.get(kind, i), props, assoc))
            if pos + limit < len(idx):
                nxt = str(ID0[kind] + idx[pos + limit])
        else:
            i = start
            while i < self.count[kind]:
                r = self.get(kind, i)
                if not r["archived"]:
                    if len(out) == limit:
                        nxt = str(ID0[kind] + i)
                        break
                    out.append(self.public(kind, r, props, assoc))
                i += 1
        body = {"results": out}
        if nxt:
            body["paging"] = {"next": {"after": nxt, "link": "%s%s?after=%s" % (
                "https://api.hubapi.com", req.path, nxt)}}
        return body

    @route("GET", r"/crm/(?:v3/objects|objects/" + VERSION + r")/(?P<kind>contacts|deals)/"
                  r"(?P<id>\d+)")
    def get_object(self, req):
        kind = req.params["kind"]
        i = self.index_of(kind, req.params["id"])
        r = self.get(kind, i) if i is not None else None
        if r is None or (r["archived"] and not self._bool(req, "archived")):
            raise hs_error(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually "
                           "numeric.", context={"id": [req.params["id"]]})
        return self.public(kind, r, self.requested_props(kind, req),
                           "contacts" in req.qlist("associations"))

    # ---- search --------------------------------------------------------------

    def _value(self, kind, rec, prop):
        if prop == "hs_object_id":
            return int(rec["id"])
        v = rec["properties"].get(prop)
        if v is None or v == "":
            return None
        if prop in DATE_PROPS:
            try:
                return parse_ms(v)
            except ValueError:
                return None
        if prop in NUMBER_PROPS:
            try:
                return float(v)
            except ValueError:
                return None
        return str(v).lower()

    def _operand(self, prop, v):
        if prop in DATE_PROPS:
            return parse_ms(v)
        if prop in NUMBER_PROPS:
            return float(v)
        return str(v).lower()

    def _compile(self, kind, groups):
        if not isinstance(groups, list):
            raise hs_error(400, "VALIDATION_ERROR", "filterGroups must be a list")
        if len(groups) > 5:
            raise hs_error(400, "VALIDATION_ERROR", "Too many filter groups: at most 5 are "
                           "allowed")
        total = 0
        out = []
        for g in groups:
            filters = g.get("filters") if isinstance(g, dict) else None
            if not isinstance(filters, list):
                raise hs_error(400, "VALIDATION_ERROR", "each filter group needs filters")
            if len(filters) > 10:
                raise hs_error(400, "VALIDATION_ERROR", "Too many filters in a group: at "
                               "most 10 are allowed")
            total += len(filters)
            cg = []
            for f in filters:
                if not isinstance(f, dict) or not isinstance(f.get("propertyName"), str):
                    raise hs_error(400, "VALIDATION_ERROR", "a filter needs a propertyName")
                op = f.get("operator")
                if op not in OPERATORS:
                    raise hs_error(400, "VALIDATION_ERROR", "unknown operator %r" % op)
                prop = f["propertyName"]
                try:
                    if op in ("IN", "NOT_IN"):
                        vals = f.get("values")
                        if not isinstance(vals, list):
                            raise ValueError("values")
                        arg = [self._operand(prop, x) for x in vals]
                    elif op == "BETWEEN":
                        arg = (self._operand(prop, f["value"]),
                               self._operand(prop, f["highValue"]))
                    elif op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
                        arg = None
                    else:
                        if "value" not in f:
                            raise ValueError("value")
                        arg = self._operand(prop, f["value"])
                except (ValueError, KeyError, TypeError):
                    raise hs_error(400, "VALIDATION_ERROR", "There was a problem with the "
                                   "request.", errors=[{"message": "invalid value for %s %s"
                                                        % (prop, op)}])
                cg.append((prop, op, arg))
            out.append(cg)
        if total > 25:
            raise hs_error(400, "VALIDATION_ERROR", "Too many filters: at most 25 are allowed")
        return out

    def _match(self, kind, rec, groups):
        if not groups:
            return True
        for g in groups:
            ok = True
            for prop, op, arg in g:
                v = self._value(kind, rec, prop)
                if op == "HAS_PROPERTY":
                    ok = v is not None
                elif op == "NOT_HAS_PROPERTY":
                    ok = v is None
                elif v is None:
                    ok = op in ("NEQ", "NOT_IN")
                elif op == "EQ":
                    ok = v == arg
                elif op == "NEQ":
                    ok = v != arg
                elif op == "LT":
                    ok = v < arg
                elif op == "LTE":
                    ok = v <= arg
                elif op == "GT":
                    ok = v > arg
                elif op == "GTE":
                    ok = v >= arg
                elif op == "BETWEEN":
                    ok = arg[0] <= v <= arg[1]
                elif op == "IN":
                    ok = v in arg
                elif op == "NOT_IN":
                    ok = v not in arg
                elif op == "CONTAINS_TOKEN":
                    ok = str(arg).strip("*") in str(v)
                elif op == "NOT_CONTAINS_TOKEN":
                    ok = str(arg).strip("*") not in str(v)
                if not ok:
                    break
            if ok:
                return True
        return False

    def _mod_range(self, kind, groups):
        """(lo, hi) ms bounds on the modified-date property that every
        group implies (hi None: unbounded), or None when some group does not
        bound it from below."""
        mp = MODPROP[kind]
        los, his = [], []
        for g in groups:
            lo, hi = None, None
            for prop, op, arg in g:
                if prop != mp:
                    continue
                if op in ("GT", "GTE", "EQ"):
                    lo = arg if lo is None else max(lo, arg)
                if op in ("LT", "LTE", "EQ"):
                    hi = arg if hi is None else min(hi, arg)
                if op == "BETWEEN":
                    lo = arg[0] if lo is None else max(lo, arg[0])
                    hi = arg[1] if hi is None else min(hi, arg[1])
            if lo is None:
                return None
            los.append(lo)
            his.append(hi)
        return min(los), (None if None in his else max(his))

    def _candidates(self, kind, groups):
        """Active records that may match: base records in the modified-date
        range when the filters bound it (else all), plus the overlay."""
        rng = self._mod_range(kind, groups) if groups else None
        n = self.n[kind]
        if rng is None:
            lo_i, hi_i = 0, n
        else:
            lo_i = self.first_index_at_or_after(kind, rng[0])
            hi_i = n if rng[1] is None else self.first_index_at_or_after(kind, rng[1] + 1)
        for i in range(lo_i, hi_i):
            if i in self.over[kind] or i in self.base_archived[kind]:
                continue
            yield self._gen(kind, i)
        for i, r in self.over[kind].items():
            if not r["archived"]:
                yield r

    @route("POST", r"/crm/(?:v3/objects|objects/" + VERSION + r")/(?P<kind>contacts|deals)/search")
    def search(self, req):
        kind = req.params["kind"]
        body = req.json()
        if not isinstance(body, dict):
            raise hs_error(400, "VALIDATION_ERROR", "the body must be a JSON object")
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise hs_error(400, "VALIDATION_ERROR", "limit must be a non-negative integer")
        if limit > SEARCH_MAX:
            raise hs_error(400, "VALIDATION_ERROR", "limit must be at most %d" % SEARCH_MAX)
        after = body.get("after", "0")
        try:
            offset = int(after) if after not in (None, "") else 0
        except (TypeError, ValueError):
            raise hs_error(400, "VALIDATION_ERROR", "after must be a paging offset")
        if offset >= self.search_cap:
            raise hs_error(400, "VALIDATION_ERROR",
                           "There was a problem with the request.",
                           errors=[{"message": "The maximum number of results for a search "
                                               "query is %d. Narrow the query's filters to page "
                                               "further." % self.search_cap}])
        groups = self._compile(kind, body.get("filterGroups", []))
        sorts = body.get("sorts", [])
        if not isinstance(sorts, list) or len(sorts) > 1:
            raise hs_error(400, "VALIDATION_ERROR", "only one sort is allowed")
        sort_prop, desc = MODPROP[kind], False
        for s in sorts:
            if not isinstance(s, dict) or not isinstance(s.get("propertyName"), str):
                raise hs_error(400, "VALIDATION_ERROR", "sorts must be objects with "
                               "propertyName and direction")
            sort_prop = s["propertyName"]
            d = s.get("direction", "ASCENDING")
            if d not in ("ASCENDING", "DESCENDING"):
                raise hs_error(400, "VALIDATION_ERROR", "direction must be ASCENDING or "
                               "DESCENDING")
            desc = d == "DESCENDING"
        props = body.get("properties") or DEFAULT_PROPS[kind]
        if not isinstance(props, list) or not all(isinstance(p, str) for p in props):
            raise hs_error(400, "VALIDATION_ERROR", "properties must be a list of names")
        hits = [r for r in self._candidates(kind, groups) if self._match(kind, r, groups)]

        # Sorted on the property; records that tie on it come in an order of
        # the fake's own (a hash of the id), not by id: clients must not
        # rely on any tie order.
        def key(r):
            v = self._value(kind, r, sort_prop)
            return (v is None, v if v is not None else 0, mix(int(r["id"]), 99, 0))
        hits.sort(key=key, reverse=desc)
        end = min(offset + limit, self.search_cap)
        page = hits[offset:end]
        out = {"total": len(hits), "results": [self.public(kind, r, props) for r in page]}
        if offset + limit < len(hits):
            out["paging"] = {"next": {"after": str(offset + limit)}}
        return out

    # ---- owners, pipelines, associations --------------------------------------

    @route("GET", r"/crm/(?:v3/owners|owners/" + VERSION + r")/?")
    def list_owners(self, req):
        limit = self._limit(req, OWNERS_MAX)
        archived = self._bool(req, "archived")
        email = req.q("email")
        rows = [o for o in self.owners if o["archived"] == archived
                and (email is None or o["email"].lower() == email.lower())]
        start = 0
        after = req.q("after")
        if after:
            start = next((k for k, o in enumerate(rows) if o["id"] == after), None)
            if start is None:
                raise hs_error(400, "VALIDATION_ERROR", "after must be a paging cursor")
        page = rows[start:start + limit]
        body = {"results": page}
        if start + limit < len(rows):
            body["paging"] = {"next": {"after": rows[start + limit]["id"]}}
        return body

    @route("GET", r"/crm/(?:v3/pipelines|pipelines/" + VERSION + r")/(?P<kind>\w+)")
    def list_pipelines(self, req):
        if req.params["kind"] != "deals":
            raise hs_error(404, "OBJECT_NOT_FOUND", "Unable to find object type %s"
                           % req.params["kind"])
        out = []
        for p in self.pipelines:
            stages = []
            for k, (sid, label, closed, prob) in enumerate(p["stages"]):
                stages.append({"id": sid, "label": label, "displayOrder": k,
                               "metadata": {"isClosed": closed, "probability": prob},
                               "createdAt": iso_ms(BASE_MS - 86400000 * 500),
                               "updatedAt": iso_ms(BASE_MS - 86400000 * 500),
                               "archived": False, "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"})
            out.append({"id": p["id"], "label": p["label"], "displayOrder": p["displayOrder"],
                        "archived": False, "createdAt": iso_ms(BASE_MS - 86400000 * 500),
                        "updatedAt": iso_ms(BASE_MS - 86400000 * 500), "stages": stages})
        return {"results": out}

    @route("POST", r"/crm/(?:v4/associations|associations/" + VERSION + r")/deals/contacts/"
                   r"batch/read")
    def assoc_batch(self, req):
        body = req.json()
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list):
            raise hs_error(400, "VALIDATION_ERROR", "inputs must be a list")
        if len(inputs) > BATCH_MAX:
            raise hs_error(400, "VALIDATION_ERROR", "at most %d inputs" % BATCH_MAX)
        started = iso_ms(int(time.time() * 1000))
        results, errors = [], []
        for it in inputs:
            rid = it.get("id") if isinstance(it, dict) else None
            i = self.index_of("deals", rid)
            cs = self.get("deals", i).get("_contacts", []) if i is not None else []
            if not cs:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "message": "No contacts is associated with deal %s." % rid,
                               "context": {"fromObjectId": [str(rid)]}})
                continue
            results.append({"from": {"id": str(rid)}, "to": [
                {"toObjectId": c, "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]}
                for c in cs]})
        out = {"status": "COMPLETE", "results": results, "startedAt": started,
               "completedAt": iso_ms(int(time.time() * 1000))}
        if errors:
            out["numErrors"] = len(errors)
            out["errors"] = errors
            return 207, out
        return out

    # ---- control -------------------------------------------------------------

    def _resolve(self, key, ids):
        if not isinstance(ids, list) or not all(isinstance(x, (str, int)) for x in ids):
            raise HTTPError(400, {"error": "bad_control",
                                  "message": "%s: must be a list of ids" % key})
        out = []
        for x in ids:
            kind = self.kind_of(str(x))
            if kind is None:
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "%s: no such id %s" % (key, x)})
            out.append((kind, self.index_of(kind, str(x))))
        return out

    def _now_ms(self):
        return int(time.time() * 1000)

    def _touch(self, kind, i, at):
        r = self.modify(kind, i, at)
        p = r["properties"]
        if kind == "contacts":
            cur = p.get("hs_lead_status")
            nxt = LEAD_STATUS[(LEAD_STATUS.index(cur) + 1) % (len(LEAD_STATUS) - 1)] \
                if cur in LEAD_STATUS[:-1] else "NEW"
            p["hs_lead_status"] = nxt
        else:
            try:
                p["amount"] = "%.2f" % (float(p.get("amount") or 0) + 100)
            except ValueError:
                p["amount"] = "100.00"

    def _add(self, kind, n, at):
        for _ in range(n):
            i = self.count[kind]
            self.count[kind] += 1
            r = self._gen(kind, i % max(1, self.n[kind])) if self.n[kind] else \
                self._gen(kind, 0)
            r = json.loads(json.dumps(r))
            r["id"] = str(ID0[kind] + i)
            r["properties"]["hs_object_id"] = r["id"]
            r["archived"] = False
            r.pop("archivedAt", None)
            r["createdAt"] = r["updatedAt"] = iso_ms(at)
            r["properties"]["createdate"] = iso_ms(at)
            r["properties"][MODPROP[kind]] = iso_ms(at)
            if kind == "contacts" and r["properties"].get("email"):
                r["properties"]["email"] = "new%d@added.example" % i
            self.over[kind][i] = r

    def control(self, key, value):
        at = self._now_ms()
        if key in ("touch", "archive"):
            ids = value.get("ids") if isinstance(value, dict) else value
            if isinstance(value, dict) and value.get("at") is not None:
                at = parse_ms(value["at"])
            for kind, i in self._resolve(key, ids):
                if key == "touch":
                    self._touch(kind, i, at)
                else:
                    r = self.modify(kind, i, at)
                    r["archived"] = True
                    r["archivedAt"] = iso_ms(at)
            return True
        if key == "touch_range":
            if not isinstance(value, dict) or value.get("kind") not in ("contacts", "deals"):
                raise HTTPError(400, {"error": "bad_control", "message":
                                      'touch_range: {"kind", "from", "count", "at"?, '
                                      '"spread_ms"?}'})
            kind = value["kind"]
            start, count = int(value.get("from", 0)), int(value.get("count", 0))
            if value.get("at") is not None:
                at = parse_ms(value["at"])
            spread_ms = int(value.get("spread_ms", 0))
            done = 0
            for i in range(start, self.count[kind]):
                if done >= count:
                    break
                if self.get(kind, i)["archived"]:
                    continue
                self._touch(kind, i, at + (done * spread_ms))
                done += 1
            return True
        if key == "add":
            if isinstance(value, int) and not isinstance(value, bool):
                value = {"contacts": value}
            if not isinstance(value, dict):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": 'add: N or {"contacts": N, "deals": M}'})
            for kind in ("contacts", "deals"):
                self._add(kind, int(value.get(kind, 0)), at)
            return True
        if key == "set":
            if not isinstance(value, dict):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": 'set: {"ID": {"property": value}}'})
            for rid, props in value.items():
                for kind, i in self._resolve(key, [rid]):
                    r = self.modify(kind, i, at)
                    for p, v in props.items():
                        if p == "_contacts":
                            r["_contacts"] = [int(c) for c in v]
                        else:
                            r["properties"][p] = v
            return True
        if key == "add_stage":
            if not isinstance(value, dict):
                raise HTTPError(400, {"error": "bad_control", "message": "add_stage: object"})
            for p in self.pipelines:
                if p["id"] == value.get("pipeline", "default"):
                    p["stages"].append((str(value["id"]), value.get("label", value["id"]),
                                        str(value.get("isClosed", "false")),
                                        str(value.get("probability", "0.5"))))
                    return True
            raise HTTPError(400, {"error": "bad_control", "message": "add_stage: no pipeline"})
        if key == "search_cap":
            self.search_cap = int(value)
            return True
        if key == "search_per_second":
            self.search_per_second = value
            self.search_window = None
            return True
        if key == "rolling_limit":
            if value is not None and (not isinstance(value, dict) or "limit" not in value):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": 'rolling_limit: {"limit": N, "window_ms": W}'})
            self.rolling = None if value is None else {
                "limit": int(value["limit"]), "window_ms": int(value.get("window_ms", 10000))}
            self.rolling_log.clear()
            return True
        if key == "daily_limit":
            self.daily = value
            self.daily_used = 0
            return True
        if key == "policy_name":
            self.policy = str(value)
            return True
        return False

    def dump(self):
        out = {"counts": dict(self.count)}
        for kind in ("contacts", "deals"):
            if self.count[kind] > 20000:
                continue
            out[kind] = []
            for i in range(self.count[kind]):
                r = dict(self.get(kind, i))
                cs = r.pop("_contacts", None)
                if cs is not None:
                    r["contacts"] = [str(c) for c in cs]
                out[kind].append(r)
        out["owners"] = self.owners
        return out


if __name__ == "__main__":
    HubSpot.main()
