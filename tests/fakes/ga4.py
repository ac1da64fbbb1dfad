#!/usr/bin/env python3
"""ga4: fake of the Google Analytics 4 Data API (v1beta), for the ga4 plugin.

    POST /v1beta/properties/<id>:runReport
    GET  /v1beta/properties/<id>/metadata
    POST /token            (the service-account JWT or OAuth2 token endpoint)

Data: --records N days of traffic ending today (UTC), deterministic for a
--seed: per day, channel group and device a row with sessions, newUsers,
totalUsers, activeUsers, keyEvents, screenPageViews, engagedSessions,
userEngagementDuration, purchaseRevenue; reports aggregate them by the
requested dimensions. Every value is a string, as in GA4; with no rows,
"rows" and "rowCount" are left out.

Errors are Google's: {"error": {"code", "message", "status"}}.

Control extensions (POST /_fake/control):
  {"revise": N}                 the last N days (today included) are revised:
                                their values grow, as GA4's do while it
                                processes recent data
  {"revise_days": ["YYYY-MM-DD", ...]}   the same for given days
  {"quota": {"tokens_per_day": N, "tokens_per_hour": M}}   new limits,
                                consumption reset; a report costs token_cost
  {"token_cost": N}             tokens per runReport (default 10)
  {"concurrent_busy": N}        the next N runReports get 429
                                RESOURCE_EXHAUSTED "concurrent requests"
"""

import datetime
import hashlib
import os
import re
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakebase import FakeServer, HTTPError, json_response, route  # noqa: E402

SCHEMA_URL = ("https://developers.google.com/analytics/devguides/reporting/"
              "data/v1/api-schema")
QUOTA_URL = ("https://developers.google.com/analytics/devguides/reporting/"
             "data/v1/quotas")

# channel group, source, medium, campaign, weight
CHANNELS = [
    ("Organic Search", "google", "organic", "(organic)", 1.0),
    ("Direct", "(direct)", "(none)", "(direct)", 0.6),
    ("Paid Search", "google", "cpc", "brand-search", 0.5),
    ("Email", "newsletter", "email", "monthly-news", 0.2),
    ("Referral", "partner.example", "referral", "(referral)", 0.25),
    ("Organic Social", "linkedin.com", "social", "(organic)", 0.3),
    ("Unassigned", "(not set)", "(not set)", "(not set)", 0.05),
]
DEVICES = [("desktop", 0.6), ("mobile", 0.35), ("tablet", 0.05)]
COUNTRIES = ["United States", "Germany", "France"]

DIMENSIONS = {
    "date": "Date",
    "sessionDefaultChannelGroup": "Session default channel group",
    "firstUserDefaultChannelGroup": "First user default channel group",
    "sessionSource": "Session source",
    "sessionMedium": "Session medium",
    "sessionCampaignName": "Session campaign",
    "deviceCategory": "Device category",
    "country": "Country",
}
# additive metrics: name -> type
BASE_METRICS = {
    "sessions": "TYPE_INTEGER",
    "newUsers": "TYPE_INTEGER",
    "totalUsers": "TYPE_INTEGER",
    "activeUsers": "TYPE_INTEGER",
    "keyEvents": "TYPE_INTEGER",
    "screenPageViews": "TYPE_INTEGER",
    "engagedSessions": "TYPE_INTEGER",
    "userEngagementDuration": "TYPE_SECONDS",
    "purchaseRevenue": "TYPE_CURRENCY",
}
DERIVED_METRICS = {
    "averageSessionDuration": "TYPE_SECONDS",
    "engagementRate": "TYPE_FLOAT",
}
METRICS = dict(BASE_METRICS, **DERIVED_METRICS)
TOP_LEVEL = {"dateRanges", "dimensions", "metrics", "dimensionFilter",
             "metricFilter", "offset", "limit", "metricAggregations",
             "orderBys", "currencyCode", "cohortSpec", "keepEmptyRows",
             "returnPropertyQuota", "comparisons", "property"}
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED",
                403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                405: "METHOD_NOT_ALLOWED", 409: "ABORTED",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                501: "NOT_IMPLEMENTED", 502: "UNAVAILABLE",
                503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
_DAYS_AGO = re.compile(r"(\d+)daysAgo")


def google_error(status, message, code_name=None):
    return {"error": {"code": status, "message": message,
                      "status": code_name or STATUS_NAMES.get(status, "UNKNOWN")}}


def bad_request(message):
    raise HTTPError(400, google_error(400, message))


def utc_today():
    return datetime.datetime.now(datetime.timezone.utc).date()


class GA4(FakeServer):
    name = "ga4"
    token_path = "/token"
    default_records = 45      # days of history, today included
    default_page_size = 10000

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--property", default="123456789",
                            help="the one property id the credentials may read")
        parser.add_argument("--tokens-per-day", type=int, default=200000)
        parser.add_argument("--tokens-per-hour", type=int, default=40000)
        parser.add_argument("--currency", default="USD")

    def setup(self):
        self.revisions = {}          # "YYYY-MM-DD" -> count
        self.first_day = utc_today() - datetime.timedelta(days=self.args.records - 1)
        self.quota = {"tokens_per_day": self.args.tokens_per_day,
                      "tokens_per_hour": self.args.tokens_per_hour,
                      "day_used": 0, "hour_used": 0}
        self.token_cost = 10
        self.concurrent_busy = 0
        self.reports = 0

    def dispatch(self, h):
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle
        # and the client's delayed ACK cost ~40 ms per keep-alive request.
        try:
            h.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().dispatch(h)

    # ---- data ----------------------------------------------------------------

    def _hash(self, *parts):
        text = "|".join(str(p) for p in (self.args.seed,) + parts)
        return int(hashlib.sha256(text.encode()).hexdigest()[:16], 16)

    def base_rows(self, day):
        """The finest grain of one day: (dims dict, metrics dict)."""
        if day < self.first_day or self.args.records <= 0:
            return []
        ds = day.isoformat()
        rev = self.revisions.get(ds, 0)
        out = []
        for ci, (ch, src, med, camp, cw) in enumerate(CHANNELS):
            for di, (dev, dw) in enumerate(DEVICES):
                h = self._hash(ds, ch, dev)
                if h % 100 >= 85:
                    continue
                s = max(1, int(cw * dw * (40 + h % 160)))
                new = s * (30 + (h >> 8) % 40) // 100
                total = new + s * (20 + (h >> 16) % 30) // 100
                active = max(0, total - (h >> 20) % 3)
                key = s * (1 + (h >> 24) % 8) // 100
                m = {
                    "sessions": s + rev * (1 + h % 7),
                    "newUsers": new + rev,
                    "totalUsers": total + 2 * rev,
                    "activeUsers": active + 2 * rev,
                    "keyEvents": key + rev,
                    "screenPageViews": s * (2 + (h >> 28) % 3) + 3 * rev,
                    "engagedSessions": s * (40 + (h >> 32) % 40) // 100 + rev,
                    "userEngagementDuration": s * (30 + (h >> 36) % 120) + 60 * rev,
                    "purchaseRevenue": key * (1999 + (h >> 40) % 5000),  # cents
                }
                d = {
                    "date": day.strftime("%Y%m%d"),
                    "sessionDefaultChannelGroup": ch,
                    "firstUserDefaultChannelGroup": ch,
                    "sessionSource": src,
                    "sessionMedium": med,
                    "sessionCampaignName": camp,
                    "deviceCategory": dev,
                    "country": COUNTRIES[(ci + di) % len(COUNTRIES)],
                }
                out.append((d, m))
        return out

    @staticmethod
    def metric_text(name, agg):
        if name == "purchaseRevenue":
            return "%d.%02d" % divmod(agg["purchaseRevenue"], 100)
        if name == "averageSessionDuration":
            s = agg["sessions"]
            return repr(agg["userEngagementDuration"] / s) if s else "0"
        if name == "engagementRate":
            s = agg["sessions"]
            return repr(agg["engagedSessions"] / s) if s else "0"
        return str(agg[name])

    # ---- request parsing -----------------------------------------------------

    def resolve_date(self, text, what):
        today = utc_today()
        if not isinstance(text, str) or not text:
            bad_request("%s is required in every date range." % what)
        if text == "today":
            return today
        if text == "yesterday":
            return today - datetime.timedelta(days=1)
        m = _DAYS_AGO.fullmatch(text)
        if m:
            return today - datetime.timedelta(days=int(m.group(1)))
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            return datetime.date.fromisoformat(text)
        except ValueError:
            bad_request("Invalid %s: %s. Dates must be YYYY-MM-DD, NdaysAgo, "
                        "yesterday or today." % (what, text))

    @staticmethod
    def int64(value, what, default):
        if value is None:
            return default
        if isinstance(value, bool):
            bad_request("Invalid value at '%s' (TYPE_INT64), %s" % (what, value))
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        bad_request("Invalid value at '%s' (TYPE_INT64), \"%s\"" % (what, value))

    def names(self, body, key, known, kind, lo, hi):
        items = body.get(key) or []
        if not isinstance(items, list):
            bad_request("Invalid JSON payload received. '%s' must be a list." % key)
        out = []
        for it in items:
            n = it.get("name") if isinstance(it, dict) else None
            if not isinstance(n, str) or not n:
                bad_request("Every %s needs a name." % kind)
            if n not in known:
                bad_request("Field %s is not a valid %s. For a list of valid "
                            "dimensions and metrics, see %s" % (n, kind, SCHEMA_URL))
            if n in out:
                bad_request("Duplicate %s: %s." % (kind, n))
            out.append(n)
        if not lo <= len(out) <= hi:
            bad_request("Requests can have between %d and %d %ss; this one has %d."
                        % (lo, hi, kind, len(out)))
        return out

    def check_property(self, pid):
        if pid != self.args.property:
            raise HTTPError(403, google_error(
                403, "User does not have sufficient permissions for this "
                     "property. To learn more about Property ID, see https://"
                     "developers.google.com/analytics/devguides/reporting/"
                     "data/v1/property-id."))

    def charge(self):
        q = self.quota
        if self.concurrent_busy > 0:
            self.concurrent_busy -= 1
            raise HTTPError(429, google_error(
                429, "Exhausted concurrent requests quota. To learn more, see %s"
                % QUOTA_URL))
        if q["day_used"] + self.token_cost > q["tokens_per_day"]:
            raise HTTPError(429, google_error(
                429, "Exhausted property tokens per day quota. Consider waiting "
                     "until tomorrow. To learn more, see %s" % QUOTA_URL))
        if q["hour_used"] + self.token_cost > q["tokens_per_hour"]:
            raise HTTPError(429, google_error(
                429, "Exhausted property tokens per hour quota. These quota tokens "
                     "will return in under an hour. To learn more, see %s" % QUOTA_URL))
        q["day_used"] += self.token_cost
        q["hour_used"] += self.token_cost

    def property_quota(self):
        q = self.quota

        def st(used, limit):
            return {"consumed": self.token_cost if used else 0,
                    "remaining": max(0, limit - used)}
        return {"tokensPerDay": st(q["day_used"], q["tokens_per_day"]),
                "tokensPerHour": st(q["hour_used"], q["tokens_per_hour"]),
                "concurrentRequests": {"consumed": 0, "remaining": 10},
                "serverErrorsPerProjectPerHour": {"consumed": 0, "remaining": 10},
                "potentiallyThresholdedRequestsPerHour": {"consumed": 0, "remaining": 120},
                "tokensPerProjectPerHour": st(q["hour_used"], q["tokens_per_hour"] * 35 // 100)}

    # ---- API ---------------------------------------------------------------------

    @route("GET", r"/v1beta/properties/(?P<pid>[^/:]+)/metadata")
    def metadata(self, req):
        self.check_property(req.params["pid"])
        return {"name": "properties/%s/metadata" % req.params["pid"],
                "dimensions": [{"apiName": k, "uiName": v, "description": v + ".",
                                "category": "Traffic source"}
                               for k, v in DIMENSIONS.items()],
                "metrics": [{"apiName": k, "uiName": k, "description": k + ".",
                             "type": t, "category": "Session"}
                            for k, t in METRICS.items()]}

    @route("POST", r"/v1beta/properties/(?P<pid>[^/:]+):runReport")
    def run_report(self, req):
        self.check_property(req.params["pid"])
        try:
            body = req.json()
        except HTTPError:
            bad_request("Invalid JSON payload received. Unexpected token.")
        if not isinstance(body, dict):
            bad_request("Invalid JSON payload received. Expected an object.")
        for k in body:
            if k not in TOP_LEVEL:
                bad_request('Invalid JSON payload received. Unknown name "%s": '
                            'Cannot find field.' % k)
        ranges = body.get("dateRanges")
        if not isinstance(ranges, list) or not 1 <= len(ranges) <= 4:
            bad_request("A request must have 1 to 4 dateRanges.")
        spans = []
        for i, r in enumerate(ranges):
            if not isinstance(r, dict):
                bad_request("Invalid dateRanges[%d]." % i)
            s = self.resolve_date(r.get("startDate"), "startDate")
            e = self.resolve_date(r.get("endDate"), "endDate")
            if s > e:
                bad_request("Invalid date range: startDate %s is after endDate %s."
                            % (s.isoformat(), e.isoformat()))
            spans.append((r.get("name") or "date_range_%d" % i, s, e))
        dims = self.names(body, "dimensions", DIMENSIONS, "dimension", 0, 9)
        mets = self.names(body, "metrics", METRICS, "metric", 1, 10)
        limit = self.int64(body.get("limit"), "limit", 0)
        offset = self.int64(body.get("offset"), "offset", 0)
        if limit < 0 or offset < 0:
            bad_request("limit and offset must not be negative.")
        if limit == 0:
            limit = 10000
        limit = min(limit, 250000)
        order = body.get("orderBys") or []
        if not isinstance(order, list):
            bad_request("orderBys must be a list.")
        self.charge()
        self.reports += 1

        out_dims = dims + (["dateRange"] if len(spans) > 1 else [])
        groups = {}
        for name, s, e in spans:
            day = s
            while day <= e:
                for d, m in self.base_rows(day):
                    key = tuple(d[k] for k in dims) + ((name,) if len(spans) > 1 else ())
                    agg = groups.setdefault(key, dict.fromkeys(BASE_METRICS, 0))
                    for k in BASE_METRICS:
                        agg[k] += m[k]
                day += datetime.timedelta(days=1)
        rows = [(k, {n: self.metric_text(n, agg) for n in mets}) for k, agg in groups.items()]
        rows.sort(key=lambda r: r[0])          # a stable base order
        if not order and mets:                 # GA's usual: first metric, largest first
            rows.sort(key=lambda r: -float(r[1][mets[0]]))
        for ob in reversed(order):
            if not isinstance(ob, dict):
                bad_request("Invalid orderBys item.")
            desc = bool(ob.get("desc"))
            if "dimension" in ob:
                n = (ob["dimension"] or {}).get("dimensionName")
                if n not in out_dims:
                    bad_request("orderBys: dimension %s is not in the request." % n)
                i = out_dims.index(n)
                rows.sort(key=lambda r: r[0][i], reverse=desc)
            elif "metric" in ob:
                n = (ob["metric"] or {}).get("metricName")
                if n not in mets:
                    bad_request("orderBys: metric %s is not in the request." % n)
                rows.sort(key=lambda r: float(r[1][n]), reverse=desc)
            else:
                bad_request("orderBys items need a dimension or a metric.")
        total = len(rows)
        page = rows[offset:offset + limit]
        resp = {
            "dimensionHeaders": [{"name": n} for n in out_dims],
            "metricHeaders": [{"name": n, "type": METRICS[n]} for n in mets],
        }
        if page:
            resp["rows"] = [{"dimensionValues": [{"value": v} for v in k],
                             "metricValues": [{"value": m[n]} for n in mets]}
                            for k, m in page]
        if total:
            resp["rowCount"] = total
        resp["metadata"] = {"currencyCode": self.args.currency, "timeZone": "Etc/UTC"}
        if body.get("returnPropertyQuota"):
            resp["propertyQuota"] = self.property_quota()
        resp["kind"] = "analyticsData#runReport"
        return resp

    # ---- Google's bodies -------------------------------------------------------

    def error_response(self, req, status, message):
        return json_response(google_error(status, message), status)

    def unauthorized(self, req, reason):
        return json_response(google_error(
            401, "Request had invalid authentication credentials. Expected OAuth 2 "
                 "access token, login cookie or other valid authentication credential. "
                 "See https://developers.google.com/identity/sign-in/web/devconsole-"
                 "project. (%s)" % reason), 401,
            {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                                 'error="invalid_token"'})

    def rate_limited(self, req, retry_after):
        return json_response(google_error(
            429, "Exhausted concurrent requests quota. To learn more, see %s"
            % QUOTA_URL), 429)

    # ---- control -----------------------------------------------------------------

    @staticmethod
    def _count(key, value):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise HTTPError(400, {"error": "bad_control",
                                  "message": "%s: must be an integer >= 0" % key})
        return value

    def control(self, key, value):
        if key == "revise":
            today = utc_today()
            for i in range(self._count(key, value)):
                ds = (today - datetime.timedelta(days=i)).isoformat()
                self.revisions[ds] = self.revisions.get(ds, 0) + 1
            return True
        if key == "revise_days":
            if not isinstance(value, list):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "revise_days: a list of YYYY-MM-DD"})
            for ds in value:
                try:
                    datetime.date.fromisoformat(ds)
                except (TypeError, ValueError):
                    raise HTTPError(400, {"error": "bad_control",
                                          "message": "revise_days: bad day %r" % ds})
                self.revisions[ds] = self.revisions.get(ds, 0) + 1
            return True
        if key == "quota":
            if not isinstance(value, dict):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "quota: an object"})
            for k in ("tokens_per_day", "tokens_per_hour"):
                if k in value:
                    self.quota[k] = self._count("quota." + k, value[k])
            self.quota["day_used"] = self.quota["hour_used"] = 0
            return True
        if key == "token_cost":
            self.token_cost = self._count(key, value)
            return True
        if key == "concurrent_busy":
            self.concurrent_busy = self._count(key, value)
            return True
        return False

    def dump(self):
        """Per day and channel group, every metric (as the default report
        would give it), plus the revisions and the quota."""
        out = []
        day = self.first_day
        today = utc_today()
        while day <= today and self.args.records > 0:
            by = {}
            for d, m in self.base_rows(day):
                agg = by.setdefault(d["sessionDefaultChannelGroup"],
                                    dict.fromkeys(BASE_METRICS, 0))
                for k in BASE_METRICS:
                    agg[k] += m[k]
            for ch in sorted(by):
                row = {"date": day.isoformat(), "channel": ch}
                row.update({n: self.metric_text(n, by[ch]) for n in METRICS})
                out.append(row)
            day += datetime.timedelta(days=1)
        return {"property": self.args.property, "first_day": self.first_day.isoformat(),
                "rows": out, "revisions": self.revisions, "quota": self.quota,
                "reports": self.reports}


if __name__ == "__main__":
    GA4.main()
