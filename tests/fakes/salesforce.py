#!/usr/bin/env python3
"""salesforce: fake of the Salesforce REST API (the parts salesync uses).

    POST /services/oauth2/token                   refresh-token grant (--auth oauth2)
    GET  /services/data/                          the API versions
    GET  /services/data/vNN.N/query?q=<SOQL>      live records
    GET  /services/data/vNN.N/queryAll?q=<SOQL>   live and deleted records
    GET  /services/data/vNN.N/query/<locator>-<n> the next batch (nextRecordsUrl)
    GET  /services/data/vNN.N/limits              DailyApiRequests

SOQL: SELECT <fields> FROM <object> [WHERE <condition>] [ORDER BY <field>
[ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n]. Fields are case-insensitive,
relationship fields (Account.Name, Owner.Email) come back nested; the
condition has AND, OR, NOT, parentheses, = != <> < <= > >=, IN (...),
NOT IN (...), LIKE, and typed literals: 'strings', numbers, true/false,
null, unquoted datetimes (2026-11-01T10:00:00Z, ...+01:00, fractions) and
dates (2026-11-01). A datetime in quotes, an unknown field or object gives
400 INVALID_FIELD / INVALID_TYPE, like Salesforce; bad syntax
MALFORMED_QUERY. Objects: User, Lead, Contact, Account, Opportunity,
Organization.

Data (--seed, --records N): N leads, N/2 contacts, N/2 opportunities,
--users users (one inactive, one automated) and 4 accounts. Every object's
SystemModstamp comes in groups of 7 equal values (ties straddle pages);
ids are real-looking 18-character ids (case-sensitive, with the checksum
suffix) in no particular order of creation. Some leads are converted
(ConvertedOpportunityId points at an opportunity), some have no email,
unicode names, a 255-character company, a queue owner (00G...). With
--single-currency CODE the org has one currency: CurrencyIsoCode does not
exist (INVALID_FIELD) and Organization.DefaultCurrencyIsoCode is CODE;
otherwise opportunities carry CurrencyIsoCode (USD, EUR, GBP, JPY, KWD).
Amounts are JSON numbers, some null. Custom fields: Lead.Region__c,
Opportunity.Discount__c (a number).

Batches: --page-size (default 2000) rows, or the request header
Sforce-Query-Options: batchSize=N (200..2000). Every API response carries
Sforce-Limit-Info: api-usage=USED/LIMIT; past the limit (--api-limit,
default 15000) the answer is 403 REQUEST_LIMIT_EXCEEDED. Errors are
Salesforce's JSON array [{"message": ..., "errorCode": ...}]; an expired
token is 401 INVALID_SESSION_ID; the token response has instance_url and
no expires_in (the fake still expires tokens after --expires-in).

Control extensions (POST /_fake/control):
  {"touch": [ids]}      new SystemModstamp/LastModifiedDate (one shared
                        value, 60 s after the latest) and a changed field
  {"delete": [ids]}     IsDeleted = true (queryAll only), SystemModstamp bumped
  {"undelete": [ids]}   back from the recycle bin, SystemModstamp bumped
  {"add": {"Lead": N, "Contact": N, "Opportunity": N, "User": N}}
  {"set": {"<id>": {"Field": value, ...}}}  set fields (SystemModstamp bumped)
  {"expire_locators": true}  every open query locator becomes invalid
  {"expire_locators_after": N}  ... just before the Nth API request from now
  {"api_usage": N}, {"api_limit": N}  the 24-hour API counter and allowance
  {"concurrent_limit_next": N}  next N API requests: 403
                        REQUEST_LIMIT_EXCEEDED "ConcurrentPerOrgLongTxn ..."
Injected statuses (status_sequence, fail_rate) get Salesforce error bodies:
400 MALFORMED_QUERY, 401 INVALID_SESSION_ID, 403 REQUEST_LIMIT_EXCEEDED,
404 NOT_FOUND, 500 UNKNOWN_EXCEPTION, 503 SERVER_UNAVAILABLE.
GET /_fake/data: {"User": [...], "Lead": [...], ...} as the API renders
them (all fields, deleted included), plus "Organization".
"""

import base64
import calendar
import hashlib
import os
import random
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakebase import FakeServer, HTTPError, Response, json_response, route  # noqa: E402

BASE_TIME = calendar.timegm((2026, 11, 1, 10, 0, 0))
GROUP = 7
BUMP = 60
VERSIONS = ["%d.0" % v for v in range(20, 67)]
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ORG_ID = "00D5g000004XyZwEAK"

FIRST = ["Ana", "Zoë", "José", "Łukasz", "Saoirse", "Mei", "Ngozi", "Olaf",
         "Priya", "Tomás", "Yuki", "Ahmed", "Chloé", "Dmitri", "Ines"]
LAST = ["Ruiz", "Müller", "O'Brien", "García", "Nguyễn", "Kowalski", "Tanaka",
        "Okafor", "Svensson", "Haddad", "Dubois", "Ivanova", "Rossi"]
COMPANIES = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Stark",
             "Wayne", "Tyrell", "Cyberdyne", "Soylent"]
LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted",
                 "Closed - Not Converted"]
SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List",
           "Other", None]
STAGES = [  # name, probability, closed, won, forecast category name
    ("Prospecting", 10.0, False, False, "Pipeline"),
    ("Qualification", 10.0, False, False, "Pipeline"),
    ("Needs Analysis", 20.0, False, False, "Pipeline"),
    ("Value Proposition", 50.0, False, False, "Pipeline"),
    ("Id. Decision Makers", 60.0, False, False, "Pipeline"),
    ("Perception Analysis", 70.0, False, False, "Pipeline"),
    ("Proposal/Price Quote", 75.0, False, False, "Best Case"),
    ("Negotiation/Review", 90.0, False, False, "Commit"),
    ("Closed Won", 100.0, True, True, "Closed"),
    ("Closed Lost", 0.0, True, False, "Omitted"),
]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "KWD"]
REGIONS = ["EMEA", "AMER", "APAC", None]

# Field types: id, string, bool, datetime, date, number, ref:<Object>.
SCHEMA = {
    "User": {
        "Id": "id", "Username": "string", "FirstName": "string",
        "LastName": "string", "Name": "string", "Email": "string",
        "IsActive": "bool", "Title": "string", "Department": "string",
        "UserType": "string", "ManagerId": "ref:User",
        "CreatedDate": "datetime", "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime", "LastLoginDate": "datetime",
    },
    "Account": {
        "Id": "id", "Name": "string", "Industry": "string",
        "OwnerId": "ref:User", "IsDeleted": "bool",
        "CreatedDate": "datetime", "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "Lead": {
        "Id": "id", "FirstName": "string", "LastName": "string",
        "Name": "string", "Email": "string", "Company": "string",
        "Title": "string", "Phone": "string", "MobilePhone": "string",
        "Status": "string", "LeadSource": "string", "Rating": "string",
        "Industry": "string", "OwnerId": "ref:User", "IsConverted": "bool",
        "ConvertedDate": "date", "ConvertedOpportunityId": "ref:Opportunity",
        "ConvertedContactId": "ref:Contact", "ConvertedAccountId": "ref:Account",
        "MasterRecordId": "ref:Lead", "IsDeleted": "bool",
        "CreatedDate": "datetime", "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime", "LastActivityDate": "date",
        "Region__c": "string",
    },
    "Contact": {
        "Id": "id", "FirstName": "string", "LastName": "string",
        "Name": "string", "Email": "string", "Title": "string",
        "Phone": "string", "MobilePhone": "string", "Department": "string",
        "LeadSource": "string", "OwnerId": "ref:User",
        "AccountId": "ref:Account", "MasterRecordId": "ref:Contact",
        "IsDeleted": "bool", "CreatedDate": "datetime",
        "LastModifiedDate": "datetime", "SystemModstamp": "datetime",
        "LastActivityDate": "date",
    },
    "Opportunity": {
        "Id": "id", "Name": "string", "AccountId": "ref:Account",
        "Amount": "number", "StageName": "string", "Probability": "number",
        "CloseDate": "date", "IsClosed": "bool", "IsWon": "bool",
        "Type": "string", "LeadSource": "string", "OwnerId": "ref:User",
        "ForecastCategory": "string", "ForecastCategoryName": "string",
        "CurrencyIsoCode": "string", "IsDeleted": "bool",
        "CreatedDate": "datetime", "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime", "Discount__c": "number",
    },
    "Organization": {
        "Id": "id", "Name": "string", "DefaultCurrencyIsoCode": "string",
        "IsSandbox": "bool", "OrganizationType": "string",
        "CreatedDate": "datetime", "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
}
PREFIX = {"User": "005", "Account": "001", "Lead": "00Q", "Contact": "003",
          "Opportunity": "006", "Organization": "00D", "Group": "00G"}


def sf_error(status, code, message):
    return HTTPError(status, [{"message": message, "errorCode": code}])


def malformed(msg):
    return sf_error(400, "MALFORMED_QUERY", msg)


def sf18(id15):
    """The case-safe 18-character form of a 15-character id."""
    suffix = ""
    for i in range(3):
        flags = 0
        for j in range(5):
            c = id15[i * 5 + j]
            if "A" <= c <= "Z":
                flags |= 1 << j
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[flags]
    return id15 + suffix


def b62(n, width):
    out = ""
    for _ in range(width):
        out = B62[n % 62] + out
        n //= 62
    return out


def make_id(kind, n):
    # Hashed, so that the Id order differs from the creation order.
    h = int(hashlib.sha256(("%s:%d" % (kind, n)).encode()).hexdigest(), 16)
    return sf18(PREFIX[kind] + "5g0" + b62(h % 62 ** 9, 9))


def fmt_dt(ts):
    """Salesforce's datetime: 2024-01-15T10:30:00.000+0000."""
    ms = int(round((ts - int(ts)) * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(ts))) + \
        ".%03d+0000" % ms


def fmt_date(ts):
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


_DT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?"
                 r"(Z|[+-]\d{2}:\d{2})")
_D = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_dt_literal(text):
    m = _DT.fullmatch(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    try:
        ts = calendar.timegm((y, mo, d, h, mi, s))
    except (ValueError, OverflowError):
        return None
    if time.gmtime(ts)[:6] != (y, mo, d, h, mi, s):
        return None
    z = m.group(8)
    if z != "Z":
        sign = 1 if z[0] == "+" else -1
        ts -= sign * (int(z[1:3]) * 3600 + int(z[4:6]) * 60)
    if m.group(7):
        ts += float(m.group(7))
    return ts


# ---- SOQL -------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\d:T]))
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
""", re.X)
KEYWORDS = {"select", "from", "where", "order", "by", "limit", "and", "or",
            "not", "in", "like", "asc", "desc", "nulls", "first", "last",
            "true", "false", "null", "offset"}


def tokenize(q):
    out = []
    pos = 0
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if not m:
            raise malformed("unexpected token: %s" % q[pos:pos + 20].split()[0]
                            if q[pos:pos + 20].split() else q[pos:])
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        text = m.group(kind)
        if kind == "name" and text.lower() in KEYWORDS:
            out.append(("kw", text.lower()))
        else:
            out.append((kind, text))
    return out


class Soql:
    """A parsed query: object, fields, where (a tree), order, limit."""

    def __init__(self, fake, text):
        self.fake = fake
        self.toks = tokenize(text)
        self.i = 0
        self.parse()

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def expect_kw(self, kw):
        t = self.take()
        if t != ("kw", kw):
            raise malformed("unexpected token: '%s' (expected %s)"
                            % (t[1] or "end of query", kw.upper()))

    def parse(self):
        self.expect_kw("select")
        raw = []
        while True:
            t = self.take()
            if t[0] != "name":
                raise malformed("unexpected token: '%s'" % (t[1] or "end of query"))
            raw.append(t[1])
            if self.peek() == ("punct", ","):
                self.take()
                continue
            break
        self.expect_kw("from")
        t = self.take()
        if t[0] != "name":
            raise malformed("unexpected token: '%s'" % (t[1] or "end of query"))
        obj = self.fake.object_name(t[1])
        if obj is None:
            raise sf_error(400, "INVALID_TYPE",
                           "sObject type '%s' is not supported. If you are attempting "
                           "to use a custom object, be sure to append the '__c' after "
                           "the entity name." % t[1])
        self.obj = obj
        self.fields = [self.fake.resolve_field(obj, f) for f in raw]
        self.where = None
        self.order = []
        self.limit = None
        if self.peek() == ("kw", "where"):
            self.take()
            self.where = self.p_or()
        if self.peek() == ("kw", "order"):
            self.take()
            self.expect_kw("by")
            while True:
                t = self.take()
                if t[0] != "name":
                    raise malformed("unexpected token: '%s'" % (t[1] or "end of query"))
                f = self.fake.resolve_field(self.obj, t[1])
                desc = False
                nulls_first = True
                if self.peek() in (("kw", "asc"), ("kw", "desc")):
                    desc = self.take()[1] == "desc"
                    nulls_first = not desc
                if self.peek() == ("kw", "nulls"):
                    self.take()
                    w = self.take()
                    if w not in (("kw", "first"), ("kw", "last")):
                        raise malformed("unexpected token: '%s'" % w[1])
                    nulls_first = w[1] == "first"
                self.order.append((f, desc, nulls_first))
                if self.peek() == ("punct", ","):
                    self.take()
                    continue
                break
        if self.peek() == ("kw", "limit"):
            self.take()
            t = self.take()
            if t[0] != "num" or "." in t[1] or int(t[1]) < 0:
                raise malformed("unexpected token: '%s'" % t[1])
            self.limit = int(t[1])
        if self.peek()[0] != "eof":
            raise malformed("unexpected token: '%s'" % self.peek()[1])

    # condition grammar
    def p_or(self):
        left = self.p_and()
        while self.peek() == ("kw", "or"):
            self.take()
            left = ("or", left, self.p_and())
        return left

    def p_and(self):
        left = self.p_not()
        while self.peek() == ("kw", "and"):
            self.take()
            left = ("and", left, self.p_not())
        return left

    def p_not(self):
        if self.peek() == ("kw", "not"):
            self.take()
            return ("not", self.p_not())
        return self.p_atom()

    def p_atom(self):
        t = self.take()
        if t == ("punct", "("):
            e = self.p_or()
            if self.take() != ("punct", ")"):
                raise malformed("unexpected token: expected ')'")
            return e
        if t[0] != "name":
            raise malformed("unexpected token: '%s'" % (t[1] or "end of query"))
        field = self.fake.resolve_field(self.obj, t[1])
        ftype = self.fake.field_type(self.obj, field)
        op = self.take()
        if op == ("kw", "not") and self.peek() == ("kw", "in"):
            self.take()
            return ("not", ("in", field, self.p_list(field, ftype)))
        if op == ("kw", "in"):
            return ("in", field, self.p_list(field, ftype))
        if op == ("kw", "like"):
            v = self.take()
            if v[0] != "str":
                raise malformed("LIKE needs a string")
            return ("like", field, unquote(v[1]))
        if op[0] != "op":
            raise malformed("unexpected token: '%s'" % (op[1] or "end of query"))
        val = self.p_value(field, ftype)
        return ("cmp", field, "!=" if op[1] == "<>" else op[1], val)

    def p_list(self, field, ftype):
        if self.take() != ("punct", "("):
            raise malformed("unexpected token: expected '('")
        vals = []
        while True:
            vals.append(self.p_value(field, ftype))
            t = self.take()
            if t == ("punct", ")"):
                return vals
            if t != ("punct", ","):
                raise malformed("unexpected token: '%s'" % (t[1] or "end of query"))

    def p_value(self, field, ftype):
        kind, text = self.take()
        if (kind, text) == ("kw", "null"):
            return None
        if ftype == "datetime":
            if kind == "dt":
                return parse_dt_literal(text)
            if kind == "str":
                raise sf_error(400, "INVALID_FIELD",
                               "value of filter criterion for field '%s' must be of "
                               "type dateTime and should not be enclosed in quotes"
                               % field)
            raise malformed("unexpected token: '%s'" % text)
        if ftype == "date":
            if kind == "date":
                return text
            raise sf_error(400, "INVALID_FIELD",
                           "value of filter criterion for field '%s' must be of type "
                           "date and should not be enclosed in quotes" % field)
        if ftype == "bool":
            if (kind, text) in (("kw", "true"), ("kw", "false")):
                return text == "true"
            raise sf_error(400, "INVALID_FIELD",
                           "value of filter criterion for field '%s' must be of type "
                           "boolean and should not be enclosed in quotes" % field)
        if ftype == "number":
            if kind == "num":
                return float(text)
            raise sf_error(400, "INVALID_FIELD",
                           "value of filter criterion for field '%s' must be of type "
                           "double and should not be enclosed in quotes" % field)
        if kind != "str":
            raise sf_error(400, "INVALID_FIELD",
                           "value of filter criterion for field '%s' must be of type "
                           "string and should be enclosed in quotes" % field)
        return unquote(text)


def unquote(lit):
    body = lit[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  body)


def like_match(pattern, value):
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c)
                 for c in pattern)
    return re.fullmatch(rx, value or "", re.I | re.S) is not None


# ---- the fake ------------------------------------------------------------------

class Salesforce(FakeServer):
    name = "salesforce"
    token_path = "/services/oauth2/token"
    default_records = 40
    default_page_size = 2000

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--users", type=int, default=6,
                            help="number of users (default 6: the 4th is "
                                 "inactive, the 6th the automated process)")
        parser.add_argument("--single-currency", metavar="CODE",
                            help="a single-currency org with this currency "
                                 "(default: multi-currency, corporate USD)")
        parser.add_argument("--api-limit", type=int, default=15000,
                            help="the org's 24-hour API request allowance")

    def setup(self):
        rng = random.Random("salesforce:%d" % self.args.seed)
        self.rng = rng
        self.multi = not self.args.single_currency
        self.corporate = self.args.single_currency or "USD"
        self.api_usage = 0
        self.api_limit = self.args.api_limit
        self.concurrent_next = 0
        self.locator_countdown = 0
        self.locators = {}
        self.n_locator = 0
        self.counter = {k: 0 for k in PREFIX}
        self.data = {k: {} for k in SCHEMA}
        self.clock = {}
        self.data["Organization"][ORG_ID] = {
            "Id": ORG_ID, "Name": "Fake Org %d" % self.args.seed,
            "DefaultCurrencyIsoCode": self.corporate, "IsSandbox": False,
            "OrganizationType": "Enterprise Edition",
            "CreatedDate": BASE_TIME - 400 * 86400,
            "LastModifiedDate": BASE_TIME - 400 * 86400,
            "SystemModstamp": BASE_TIME - 400 * 86400, "IsDeleted": False,
        }
        self.queue_id = sf18("00G5g00000" + "Queue")
        n = self.args.records
        for _ in range(max(self.args.users, 0)):
            self._new("User")
        for _ in range(4):
            self._new("Account")
        for _ in range(n // 2):
            self._new("Opportunity")
        for _ in range(n // 2):
            self._new("Contact")
        for _ in range(n):
            self._new("Lead")

    # ---- records ---------------------------------------------------------------

    def _stamp(self, kind):
        """The next SystemModstamp of KIND: groups of GROUP equal values."""
        c = self.clock.setdefault(kind, {"t": BASE_TIME, "n": 0})
        if c["n"] and c["n"] % GROUP == 0:
            c["t"] += 60 * self.rng.randint(1, 180)
        c["n"] += 1
        return c["t"]

    def _later(self):
        latest = BASE_TIME
        for kind in ("User", "Account", "Lead", "Contact", "Opportunity"):
            for r in self.data[kind].values():
                latest = max(latest, r["SystemModstamp"])
        return latest + BUMP

    def _pick(self, kind):
        ids = sorted(self.data[kind])
        return self.rng.choice(ids) if ids else None

    def _owners(self):
        return sorted(i for i, u in self.data["User"].items()
                      if u["UserType"] == "Standard")

    def _new(self, kind, stamp=None):
        self.counter[kind] += 1
        n = self.counter[kind]
        rng = self.rng
        rid = make_id(kind, n)
        ts = self._stamp(kind) if stamp is None else stamp
        created = ts - 86400 * rng.randint(1, 300)
        r = {"Id": rid, "CreatedDate": created, "LastModifiedDate": ts,
             "SystemModstamp": ts, "IsDeleted": False}
        first, last = rng.choice(FIRST), rng.choice(LAST)
        owners = self._owners()
        if kind == "User":
            automated = n == 6
            r.update({
                "FirstName": None if automated else first,
                "LastName": "Automated Process" if automated else last,
                "Username": "user%d@fake-org.example" % n,
                "Email": None if automated else "%s.%s%d@Fake-Org.example" % (
                    re.sub(r"[^a-z]", "", first.lower()),
                    re.sub(r"[^a-z]", "", last.lower()), n),
                "IsActive": n != 4,
                "Title": rng.choice(["Account Executive", "SDR", "Sales Manager"]),
                "Department": rng.choice(["East", "West", "Inside Sales", None]),
                "UserType": "AutomatedProcess" if automated else "Standard",
                "ManagerId": None, "LastLoginDate": ts,
            })
            r["Name"] = " ".join(x for x in (r["FirstName"], r["LastName"]) if x)
        elif kind == "Account":
            r.update({"Name": "%s %s" % (COMPANIES[(n - 1) % len(COMPANIES)],
                                         "Corp" if n % 2 else "Ltd."),
                      "Industry": rng.choice(["Technology", "Retail", None]),
                      "OwnerId": rng.choice(owners) if owners else None})
        elif kind == "Lead":
            company = rng.choice(COMPANIES) + " " + rng.choice(["Inc.", "GmbH", "S.A."])
            if n == 3:
                company = ("Very Long Company Name " * 12)[:255]
            email = "%s.%s%d@%s.example" % (first, re.sub(r"[^A-Za-z]", "", last), n,
                                          company.split()[0])
            r.update({
                "FirstName": first, "LastName": last,
                "Email": None if n % 9 == 0 else email,
                "Company": company, "Title": rng.choice(["CTO", "VP Sales", "Buyer", None]),
                "Phone": None if n % 4 == 0 else "+1 555 01%02d" % (n % 100),
                "MobilePhone": "+44 7700 9000%02d" % (n % 100) if n % 4 == 0 else None,
                "Status": rng.choice(LEAD_STATUSES), "LeadSource": rng.choice(SOURCES),
                "Rating": rng.choice(["Hot", "Warm", "Cold", None]),
                "Industry": rng.choice(["Technology", "Banking", None]),
                "OwnerId": self.queue_id if n == 5 else (rng.choice(owners) if owners else None),
                "IsConverted": False, "ConvertedDate": None,
                "ConvertedOpportunityId": None, "ConvertedContactId": None,
                "ConvertedAccountId": None, "MasterRecordId": None,
                "LastActivityDate": None if n % 3 == 0 else created + 86400 * rng.randint(0, 20),
                "Region__c": rng.choice(REGIONS),
            })
            if n % 5 == 1:
                opps = sorted(self.data["Opportunity"])
                contacts = sorted(self.data["Contact"])
                r.update({"IsConverted": True, "Status": "Closed - Converted",
                          "ConvertedDate": min(ts, created + 86400 * rng.randint(1, 30)),
                          "ConvertedOpportunityId": opps[(n // 5) % len(opps)] if opps else None,
                          "ConvertedContactId": contacts[(n // 5) % len(contacts)] if contacts else None,
                          "ConvertedAccountId": self._pick("Account")})
            r["Name"] = "%s %s" % (first, last)
        elif kind == "Contact":
            acct = self._pick("Account")
            r.update({
                "FirstName": first, "LastName": last,
                "Email": None if n % 7 == 0 else "%s.%s.c%d@Customer.example" % (
                    first, re.sub(r"[^A-Za-z]", "", last), n),
                "Title": rng.choice(["CFO", "Head of IT", None]),
                "Phone": "+49 30 1234%03d" % n, "MobilePhone": None,
                "Department": rng.choice(["Finance", "IT", None]),
                "LeadSource": rng.choice(SOURCES),
                "OwnerId": rng.choice(owners) if owners else None,
                "AccountId": acct, "MasterRecordId": None,
                "LastActivityDate": None if n % 2 == 0 else created + 86400 * rng.randint(0, 30),
            })
            r["Name"] = "%s %s" % (first, last)
        elif kind == "Opportunity":
            stage = STAGES[(n * 3) % len(STAGES)]
            cur = CURRENCIES[n % len(CURRENCIES)] if self.multi else self.corporate
            cents = rng.randint(50000, 50000000)
            if cur == "JPY":
                amount = float(cents)
            elif cur == "KWD":
                amount = cents / 1000.0
            else:
                amount = cents / 100.0
            if n == 2:
                amount = 9999999999999.99 if cur not in ("JPY", "KWD") else amount
            if n % 6 == 0:
                amount = None
            r.update({
                "Name": "%s - %s deal %d" % (rng.choice(COMPANIES),
                                             rng.choice(["New", "Upsell", "Renewal"]), n),
                "AccountId": self._pick("Account"), "Amount": amount,
                "StageName": stage[0], "Probability": stage[1],
                "CloseDate": ts + 86400 * rng.randint(-60, 120),
                "IsClosed": stage[2], "IsWon": stage[3],
                "Type": rng.choice(["New Customer", "Existing Customer - Upgrade", None]),
                "LeadSource": rng.choice(SOURCES),
                "OwnerId": rng.choice(owners) if owners else None,
                "ForecastCategory": {"Pipeline": "Pipeline", "Best Case": "BestCase",
                                     "Commit": "Forecast", "Closed": "Closed",
                                     "Omitted": "Omitted"}[stage[4]],
                "ForecastCategoryName": stage[4],
                "CurrencyIsoCode": cur,
                "Discount__c": rng.choice([0.1, 0.15, 0.3, None]),
            })
        self.data[kind][rid] = r
        return r

    def find(self, rid):
        for kind in ("User", "Account", "Lead", "Contact", "Opportunity"):
            if rid in self.data[kind]:
                return kind, self.data[kind][rid]
        return None, None

    # ---- schema ----------------------------------------------------------------

    def object_name(self, name):
        for k in SCHEMA:
            if k.lower() == name.lower():
                return k
        return None

    def fields_of(self, obj):
        f = dict(SCHEMA[obj])
        f.pop("CurrencyIsoCode", None)
        if self.multi and obj != "Organization":
            f["CurrencyIsoCode"] = "string"
        return f

    def field_type(self, obj, field):
        return self.fields_of(obj).get(field, "string")

    def resolve_field(self, obj, name):
        """Canonical name of NAME on OBJ (case-insensitive), or a dotted
        relationship path; 400 INVALID_FIELD if there is none."""
        parts = name.split(".")
        cur = obj
        out = []
        for i, p in enumerate(parts):
            fields = self.fields_of(cur)
            last = i == len(parts) - 1
            if last:
                hit = next((f for f in fields if f.lower() == p.lower()), None)
            else:
                hit = next((f for f, t in fields.items() if t.startswith("ref:")
                            and f[:-2].lower() == p.lower() and f.endswith("Id")), None)
            if hit is None:
                raise sf_error(400, "INVALID_FIELD",
                               "\n%s\n^\nERROR at Row:1:Column:8\nNo such column '%s' on "
                               "entity '%s'. If you are attempting to use a custom field, "
                               "be sure to append the '__c' after the custom field name. "
                               "Please reference your WSDL or the describe call for the "
                               "appropriate names." % (name, p, cur))
            if last:
                out.append(hit)
            else:
                out.append(hit[:-2])
                cur = fields[hit][4:]
        return ".".join(out)

    def value_of(self, obj, rec, path):
        """The raw value at PATH (dotted through references)."""
        parts = path.split(".")
        cur_obj, cur = obj, rec
        for p in parts[:-1]:
            ref = cur.get(p + "Id")
            target = self.fields_of(cur_obj)[p + "Id"][4:]
            cur = self.data.get(target, {}).get(ref) if ref else None
            cur_obj = target
            if cur is None:
                return None
        return cur.get(parts[-1])

    def render_value(self, obj, field, v):
        t = self.field_type(obj, field)
        if v is None:
            return None
        if t == "datetime":
            return fmt_dt(v)
        if t == "date":
            return fmt_date(v)
        return v

    def attributes(self, obj, rec, version):
        return {"type": obj, "url": "/services/data/v%s/sobjects/%s/%s"
                % (version, obj, rec["Id"])}

    def render(self, q, rec, version):
        out = {"attributes": self.attributes(q.obj, rec, version)}
        for f in q.fields:
            parts = f.split(".")
            if len(parts) == 1:
                out[f] = self.render_value(q.obj, f, rec.get(f))
                continue
            # nested relationship objects
            node, cur_obj, cur = out, q.obj, rec
            for p in parts[:-1]:
                target = self.fields_of(cur_obj)[p + "Id"][4:]
                ref = cur.get(p + "Id") if cur else None
                child = self.data.get(target, {}).get(ref) if ref else None
                if child is None or (child.get("IsDeleted") and target != q.obj):
                    node[p] = node.get(p) if isinstance(node.get(p), dict) else None
                    node = None
                    break
                if not isinstance(node.get(p), dict):
                    node[p] = {"attributes": self.attributes(target, child, version)}
                node, cur_obj, cur = node[p], target, child
            if node is not None:
                node[parts[-1]] = self.render_value(cur_obj, parts[-1],
                                                    cur.get(parts[-1]))
        return out

    # ---- evaluation ----------------------------------------------------------------

    def evaluate(self, obj, rec, e):
        op = e[0]
        if op == "and":
            return self.evaluate(obj, rec, e[1]) and self.evaluate(obj, rec, e[2])
        if op == "or":
            return self.evaluate(obj, rec, e[1]) or self.evaluate(obj, rec, e[2])
        if op == "not":
            return not self.evaluate(obj, rec, e[1])
        v = self.value_of(obj, rec, e[1])
        t = self.field_type(obj, e[1].split(".")[-1]) if "." not in e[1] else "string"
        if t == "date" and v is not None:
            v = fmt_date(v)
        if op == "in":
            return v in e[2]
        if op == "like":
            return like_match(e[2], v)
        cmp, lit = e[2], e[3]
        if cmp == "=":
            return v == lit
        if cmp == "!=":
            return v != lit
        if v is None or lit is None:
            return False
        return {"<": v < lit, "<=": v <= lit, ">": v > lit, ">=": v >= lit}[cmp]

    def run_query(self, q, include_deleted):
        rows = []
        for rec in self.data[q.obj].values():
            if rec.get("IsDeleted") and not include_deleted:
                continue
            if q.where is not None and not self.evaluate(q.obj, rec, q.where):
                continue
            rows.append(rec)
        for f, desc, nulls_first in reversed(q.order or [("Id", False, True)]):
            present = [r for r in rows if self.value_of(q.obj, r, f) is not None]
            absent = [r for r in rows if self.value_of(q.obj, r, f) is None]
            present.sort(key=lambda r: self.value_of(q.obj, r, f), reverse=desc)
            rows = absent + present if nulls_first else present + absent
        if q.limit is not None:
            rows = rows[:q.limit]
        return rows

    # ---- API -----------------------------------------------------------------------

    def version(self, req):
        v = req.params.get("ver")
        if v not in VERSIONS:
            raise sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return v

    def batch_size(self, req):
        opt = req.header("Sforce-Query-Options") or ""
        m = re.search(r"batchSize\s*=\s*(\d+)", opt)
        if m:
            return max(200, min(2000, int(m.group(1))))
        return self.args.page_size

    def page(self, loc_id, offset, req):
        loc = self.locators.get(loc_id)
        if loc is None:
            raise sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        rows, version, ep = loc["rows"], loc["version"], loc["endpoint"]
        if offset > len(rows):
            raise sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        size = loc["size"]
        chunk = rows[offset:offset + size]
        done = offset + size >= len(rows)
        body = {"totalSize": len(rows), "done": done, "records": chunk}
        if not done:
            body["nextRecordsUrl"] = "/services/data/v%s/%s/%s-%d" % (
                version, ep, loc_id, offset + size)
        return body

    @route("GET", r"/services/data/?")
    def versions(self, req):
        return [{"label": "v" + v, "url": "/services/data/v" + v, "version": v}
                for v in VERSIONS]

    @route("GET", r"/services/data/v(?P<ver>[^/]+)/limits")
    def limits(self, req):
        self.version(req)
        return {"DailyApiRequests": {"Max": self.api_limit,
                                     "Remaining": max(0, self.api_limit - self.api_usage)}}

    @route("GET", r"/services/data/v(?P<ver>[^/]+)/(?P<ep>query|queryAll)/?")
    def query(self, req):
        version = self.version(req)
        text = req.q("q")
        if text is None or not text.strip():
            raise malformed("A query string has to be specified")
        q = Soql(self, text)
        rows = [self.render(q, r, version)
                for r in self.run_query(q, req.params["ep"] == "queryAll")]
        self.n_locator += 1
        loc_id = sf18("01g5g0000" + b62(self.n_locator * 7919, 6))
        self.locators[loc_id] = {"rows": rows, "version": version,
                                 "endpoint": req.params["ep"],
                                 "size": self.batch_size(req)}
        while len(self.locators) > 50:   # Salesforce keeps a few per user
            del self.locators[next(iter(self.locators))]
        return self.page(loc_id, 0, req)

    @route("GET", r"/services/data/v(?P<ver>[^/]+)/(?P<ep>query|queryAll)/"
                  r"(?P<loc>[A-Za-z0-9]+)-(?P<off>\d+)")
    def query_more(self, req):
        self.version(req)
        return self.page(req.params["loc"], int(req.params["off"]), req)

    # ---- Salesforce's bodies and headers ----------------------------------------

    def limit_header(self):
        return "api-usage=%d/%d" % (self.api_usage, self.api_limit)

    def handle_route(self, req):
        with self.lock:
            self.api_usage += 1
            if self.locator_countdown > 0:
                self.locator_countdown -= 1
                if self.locator_countdown == 0:
                    self.locators.clear()
            if self.concurrent_next > 0:
                self.concurrent_next -= 1
                body = [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                         "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
                resp = json_response(body, 403)
            elif self.api_usage > self.api_limit:
                self.api_usage = self.api_limit
                resp = json_response([{"message": "TotalRequests Limit exceeded.",
                                       "errorCode": "REQUEST_LIMIT_EXCEEDED"}], 403)
            else:
                try:
                    resp = Response.of(super().handle_route(req))
                except HTTPError as e:
                    resp = Response.of((e.status, e.headers, e.body))
            resp.set_header("Sforce-Limit-Info", self.limit_header())
            return resp

    def unauthorized(self, req, reason):
        return json_response([{"message": "Session expired or invalid",
                               "errorCode": "INVALID_SESSION_ID"}], 401,
                             {"WWW-Authenticate": "Token",
                              "Sforce-Limit-Info": self.limit_header()})

    def error_response(self, req, status, message):
        code = {400: "MALFORMED_QUERY", 401: "INVALID_SESSION_ID",
                403: "REQUEST_LIMIT_EXCEEDED", 404: "NOT_FOUND",
                405: "METHOD_NOT_ALLOWED", 500: "UNKNOWN_EXCEPTION",
                503: "SERVER_UNAVAILABLE"}.get(status, "UNKNOWN_EXCEPTION")
        if status == 403:
            message = "TotalRequests Limit exceeded."
        elif status == 404:
            message = "The requested resource does not exist"
        return json_response([{"message": message, "errorCode": code}], status)

    def rate_limited(self, req, retry_after):
        return json_response([{"message": "too many requests",
                               "errorCode": "REQUEST_LIMIT_EXCEEDED"}], 429)

    def token_body(self, req, access_token, expires_in, refresh_token):
        body = {
            "access_token": access_token,
            "signature": base64.b64encode(("sig-" + access_token).encode()).decode(),
            "scope": "refresh_token api",
            "instance_url": self.base_url(),
            "id": "%s/id/%s/%s" % (self.base_url(), ORG_ID,
                                   sorted(self.data["User"])[0] if self.data["User"] else ""),
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
        }
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        return body

    def token_error(self, error, description):
        if error == "invalid_grant":
            description = "expired access/refresh token"
        return json_response({"error": error, "error_description": description}, 400)

    # ---- control -----------------------------------------------------------------

    def _ids(self, key, value):
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise HTTPError(400, {"error": "bad_control",
                                  "message": "%s: must be a list of ids" % key})
        out = []
        for x in value:
            kind, rec = self.find(x)
            if rec is None:
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "%s: no such id %s" % (key, x)})
            out.append((kind, rec))
        return out

    def _touch(self, kind, rec):
        if kind == "Lead":
            if not rec["IsConverted"]:
                rec["Status"] = LEAD_STATUSES[(LEAD_STATUSES.index(rec["Status"]) + 1)
                                              % len(LEAD_STATUSES)]
        elif kind == "Opportunity":
            i = [s[0] for s in STAGES].index(rec["StageName"])
            st = STAGES[(i + 1) % len(STAGES)]
            rec.update({"StageName": st[0], "Probability": st[1], "IsClosed": st[2],
                        "IsWon": st[3], "ForecastCategoryName": st[4]})
        elif kind == "Contact":
            rec["Title"] = "Touched " + (rec["Title"] or "")
        elif kind == "User":
            rec["Department"] = "Touched"
        else:
            rec["Industry"] = "Touched"

    def control(self, key, value):
        if key in ("touch", "delete", "undelete"):
            recs = self._ids(key, value)
            t = self._later()
            for kind, rec in recs:
                if key == "touch":
                    self._touch(kind, rec)
                    rec["LastModifiedDate"] = t
                elif kind == "User":
                    raise HTTPError(400, {"error": "bad_control",
                                          "message": "users cannot be deleted"})
                else:
                    rec["IsDeleted"] = key == "delete"
                rec["SystemModstamp"] = t
            return True
        if key == "add":
            if not isinstance(value, dict):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": 'add: {"Lead": N, ...}'})
            t = self._later()
            for kind in ("User", "Account", "Opportunity", "Contact", "Lead"):
                n = value.get(kind, 0)
                if not isinstance(n, int) or n < 0:
                    raise HTTPError(400, {"error": "bad_control",
                                          "message": "add: counts must be integers >= 0"})
                for _ in range(n):
                    self._new(kind, stamp=t)
            return True
        if key == "set":
            if not isinstance(value, dict):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": 'set: {"<id>": {"Field": value}}'})
            t = self._later()
            for rid, fields in value.items():
                (kind, rec), = self._ids(key, [rid])
                for f, v in fields.items():
                    if f not in self.fields_of(kind):
                        raise HTTPError(400, {"error": "bad_control",
                                              "message": "set: no field %s on %s" % (f, kind)})
                    t_ = self.field_type(kind, f)
                    if isinstance(v, str) and t_ in ("datetime", "date"):
                        v = parse_dt_literal(v) if t_ == "datetime" else \
                            calendar.timegm(time.strptime(v, "%Y-%m-%d"))
                    rec[f] = v
                rec["SystemModstamp"] = t
                rec["LastModifiedDate"] = t
            return True
        if key == "expire_locators":
            if value:
                self.locators.clear()
            return True
        if key in ("api_usage", "api_limit", "concurrent_limit_next",
                   "expire_locators_after"):
            if not isinstance(value, int) or value < 0:
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "%s: must be an integer >= 0" % key})
            if key == "api_usage":
                self.api_usage = value
            elif key == "api_limit":
                self.api_limit = value
            elif key == "expire_locators_after":
                self.locator_countdown = value
            else:
                self.concurrent_next = value
            return True
        return False

    def dump(self):
        out = {}
        for kind in ("User", "Account", "Lead", "Contact", "Opportunity", "Organization"):
            rows = []
            fields = self.fields_of(kind)
            for rid in sorted(self.data[kind]):
                rec = self.data[kind][rid]
                rows.append({f: self.render_value(kind, f, rec.get(f))
                             for f in list(fields) + ["IsDeleted"] if f in rec or f in fields})
            out[kind] = rows
        out["api_usage"] = self.api_usage
        out["locators"] = len(self.locators)
        return out


if __name__ == "__main__":
    Salesforce.main()
