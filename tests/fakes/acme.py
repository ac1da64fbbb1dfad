#!/usr/bin/env python3
"""acme: fake of the generic test CRM "acme" (the host's test HTTP plugin).

    GET /api/v1/me
    GET /api/v1/leads?updated_since=<ISO 8601>&cursor=<opaque>&limit=<n>
    GET /api/v1/leads/<id>

Control extensions (POST /_fake/control): {"touch": [ids]}, {"delete": [ids]},
{"add": N}. See README.md.
"""

import base64
import binascii
import bisect
import calendar
import json
import os
import random
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakebase import FakeServer, HTTPError, route  # noqa: E402

BASE_TIME = calendar.timegm((2026, 11, 1, 10, 0, 0))
GROUP = 7            # records per shared updated_at (ties on purpose)
BUMP = 60            # seconds between the latest time and a touch/delete/add
MAX_LIMIT = 100
STATUSES = ["Open", "Working", "Won", "Lost"]
FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis",
         "Edsger", "Frances", "Guido", "Hedy", "Ivan", "Joan", "Ken", "Lynn",
         "Niklaus", "Radia", "Sophie", "Tim", "Yukihiro"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov",
        "Ritchie", "Dijkstra", "Allen", "van Rossum", "Lamarr", "Sutherland",
        "Clarke", "Thompson", "Conway", "Wirth", "Perlman", "Wilson",
        "Berners-Lee", "Matsumoto"]
COMPANIES = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Stark",
             "Wayne", "Tyrell", "Cyberdyne", "Soylent"]
# The cursor ends in bytes that encode as "++++": a client that does not
# percent-encode it sends spaces and gets 400.
CURSOR_TAIL = b"\xfb\xef\xbe"
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                  r"(Z|[+-]\d{2}:?\d{2})")


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_iso(text):
    """ISO 8601 with Z or an offset, optional fraction -> (seconds, frac)."""
    m = _ISO.fullmatch(text)
    if not m:
        raise ValueError(text)
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    ts = calendar.timegm((y, mo, d, h, mi, s))
    if time.gmtime(ts)[:6] != (y, mo, d, h, mi, s):
        raise ValueError(text)
    z = m.group(8)
    if z != "Z":
        sign = 1 if z[0] == "+" else -1
        z = z[1:].replace(":", "")
        ts -= sign * (int(z[:2]) * 3600 + int(z[2:]) * 60)
    frac = float(m.group(7)) if m.group(7) else 0.0
    return ts, frac


class Acme(FakeServer):
    name = "acme"
    default_records = 50
    default_page_size = 10

    def setup(self):
        rng = random.Random("acme:%d" % self.args.seed)
        self.leads = {}
        self.next_num = 1
        t = BASE_TIME
        for i in range(self.args.records):
            if i and i % GROUP == 0:
                t += 60 * rng.randint(1, 180)
            self._new_lead(rng, t)
        self.rng = rng
        self._resort()

    def _new_lead(self, rng, ts):
        n = self.next_num
        self.next_num += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        lead = {
            "id": "A%05d" % n,
            "email": "%s.%s%d@%s.example" % (first, last.replace(" ", ""), n,
                                             company),
            "first_name": first,
            "last_name": last,
            "company": company + " Corp",
            "status": rng.choice(STATUSES),
            "updated_at": ts,
            "deleted": False,
        }
        self.leads[lead["id"]] = lead
        return lead

    def _resort(self):
        self.order = sorted(self.leads.values(),
                            key=lambda r: (r["updated_at"], r["id"]))
        self.keys = [(r["updated_at"], r["id"]) for r in self.order]

    def _later(self):
        return (self.keys[-1][0] if self.keys else BASE_TIME) + BUMP

    @staticmethod
    def public(lead):
        r = dict(lead)
        r["updated_at"] = iso(lead["updated_at"])
        return r

    # ---- cursor ------------------------------------------------------------

    @staticmethod
    def encode_cursor(key):
        raw = json.dumps({"t": key[0], "id": key[1]}, separators=(",", ":"))
        raw = raw.encode("ascii")
        raw += b" " * (-len(raw) % 3)
        return base64.b64encode(raw + CURSOR_TAIL).decode("ascii")

    @staticmethod
    def decode_cursor(text):
        try:
            raw = base64.b64decode(text, validate=True)
            if not raw.endswith(CURSOR_TAIL):
                raise ValueError("tail")
            obj = json.loads(raw[:-len(CURSOR_TAIL)].decode("ascii"))
            key = (int(obj["t"]), str(obj["id"]))
        except (binascii.Error, ValueError, KeyError, TypeError,
                UnicodeDecodeError):
            raise HTTPError(400, {"error": "invalid_cursor",
                                  "message": "cursor is not valid (was it "
                                             "percent-encoded?)"})
        return key

    # ---- API -----------------------------------------------------------------

    @route("GET", r"/api/v1/me")
    def me(self, req):
        return {"id": "u1", "name": "Test User"}

    @route("GET", r"/api/v1/leads")
    def list_leads(self, req):
        limit = min(req.qint("limit", self.args.page_size, lo=1), MAX_LIMIT)
        start = 0
        since = req.q("updated_since")
        if since:
            try:
                ts, frac = parse_iso(since)
            except ValueError:
                raise HTTPError(400, {"error": "invalid_parameter",
                                      "message": "updated_since must be ISO "
                                                 "8601, e.g. 2026-11-01T10:00:00Z"})
            if frac > 0:
                ts += 1   # >= a fractional time: whole seconds after it
            start = bisect.bisect_left(self.keys, (ts, ""))
        cursor = req.q("cursor")
        if cursor:
            start = max(start, bisect.bisect_right(self.keys,
                                                   self.decode_cursor(cursor)))
        page = self.order[start:start + limit]
        more = start + limit < len(self.order)
        nxt = self.encode_cursor(self.keys[start + limit - 1]) if more else None
        return {"data": [self.public(r) for r in page], "next_cursor": nxt}

    @route("GET", r"/api/v1/leads/(?P<id>[^/]+)")
    def get_lead(self, req):
        lead = self.leads.get(req.params["id"])
        if lead is None:
            raise HTTPError(404, {"error": "not_found",
                                  "message": "no lead %s" % req.params["id"]})
        return {"data": self.public(lead)}

    # ---- control -------------------------------------------------------------

    def _ids(self, key, value):
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise HTTPError(400, {"error": "bad_control",
                                  "message": "%s: must be a list of ids" % key})
        missing = [x for x in value if x not in self.leads]
        if missing:
            raise HTTPError(400, {"error": "bad_control",
                                  "message": "%s: no such ids %s" % (key, missing)})
        return value

    def control(self, key, value):
        if key == "touch":
            ids = self._ids(key, value)
            t = self._later()
            for i in ids:
                lead = self.leads[i]
                lead["updated_at"] = t
                lead["status"] = STATUSES[(STATUSES.index(lead["status"]) + 1)
                                          % len(STATUSES)]
            self._resort()
            return True
        if key == "delete":
            ids = self._ids(key, value)
            t = self._later()
            for i in ids:
                self.leads[i]["deleted"] = True
                self.leads[i]["updated_at"] = t
            self._resort()
            return True
        if key == "add":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "add: must be an integer >= 0"})
            t = self._later()
            for _ in range(value):
                self._new_lead(self.rng, t)
            self._resort()
            return True
        return False

    def dump(self):
        return {"leads": [self.public(r) for r in self.order]}


if __name__ == "__main__":
    Acme.main()
