#!/bin/sh
# The Salesforce fake itself speaks the documented API: the version list,
# the token answer (instance_url, no expires_in), SOQL (fields in any case,
# relationships, WHERE with AND/OR/NOT/IN/LIKE and typed literals, ORDER BY,
# LIMIT), query vs queryAll (IsDeleted), nextRecordsUrl batches and
# Sforce-Query-Options, Sforce-Limit-Info, and Salesforce's error array for
# bad SOQL, bad fields, quoted datetimes, unknown objects and versions.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
fake_start salesforce --auth oauth2 --client-id cid --client-secret Sec-ret-1 \
	--refresh-token rt-start --records 30 --page-size 7

cat > check.py <<'EOF'
import json, sys, urllib.error, urllib.parse, urllib.request

BASE = sys.argv[1]
failures = []


def call(path, q=None, headers=None, data=None, token=None):
    url = BASE + path
    if q is not None:
        url += "?q=" + urllib.parse.quote(q, safe="")
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, headers=h)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")


def check(name, ok):
    if not ok:
        failures.append(name)


form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": "rt-start",
                               "client_id": "cid", "client_secret": "Sec-ret-1"}).encode()
st, h, tok = call("/services/oauth2/token", data=form,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
check("token 200", st == 200)
check("token has instance_url", tok.get("instance_url") == BASE)
check("token has no expires_in", "expires_in" not in tok)
check("issued_at is a string", isinstance(tok.get("issued_at"), str))
check("token_type Bearer", tok.get("token_type") == "Bearer")
T = tok["access_token"]

st, h, body = call("/services/data/v62.0/query", "SELECT Id FROM Lead")
check("401 without a token", st == 401 and body[0]["errorCode"] == "INVALID_SESSION_ID")

st, h, body = call("/services/data/", token=T)
check("version list", st == 200 and {"label", "url", "version"} <= set(body[0]))

q = "select id, firstname, OWNER.name, Owner.Email from lead order by systemmodstamp, id"
st, h, body = call("/services/data/v62.0/query", q, token=T)
check("query 200", st == 200)
check("Sforce-Limit-Info", h.get("Sforce-Limit-Info", "").startswith("api-usage="))
check("first batch of 7", len(body["records"]) == 7 and body["done"] is False
      and body["totalSize"] == 30)
r = body["records"][0]
check("canonical field names, attributes first",
      list(r)[:3] == ["attributes", "Id", "FirstName"] and r["attributes"]["type"] == "Lead")
check("relationship nested", r["Owner"] is None or set(r["Owner"]) == {"attributes", "Name", "Email"})
nxt = body["nextRecordsUrl"]
check("nextRecordsUrl form", nxt.startswith("/services/data/v62.0/query/01g") and nxt.endswith("-7"))
seen = [x["Id"] for x in body["records"]]
while nxt:
    st, h, body = call(nxt, token=T)
    seen += [x["Id"] for x in body["records"]]
    nxt = body.get("nextRecordsUrl")
    check("nextRecordsUrl absent when done", body["done"] == (nxt is None))
check("every lead once", len(seen) == 30 and len(set(seen)) == 30)

st, h, body = call("/services/data/v62.0/query", "SELECT Id FROM Lead", token=T,
                   headers={"Sforce-Query-Options": "batchSize=200"})
check("batchSize honoured (200 > 30: one batch)", body["done"] is True and len(body["records"]) == 30)

st, h, body = call("/services/data/v62.0/query",
                   "SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp DESC, Id LIMIT 3", token=T)
check("LIMIT and DESC", len(body["records"]) == 3 and
      body["records"][0]["SystemModstamp"] >= body["records"][2]["SystemModstamp"])
ts = body["records"][0]["SystemModstamp"]
check("datetime format", len(ts) == 28 and ts.endswith(".000+0000"))
lit = ts[:19] + "Z"
st, h, body = call("/services/data/v62.0/query",
                   "SELECT Id FROM Lead WHERE SystemModstamp >= %s AND NOT (Status = 'x' OR Status IN ('y', 'z'))" % lit,
                   token=T)
check("WHERE with AND/NOT/OR/IN", st == 200 and body["totalSize"] >= 1)
st, h, body = call("/services/data/v62.0/query",
                   "SELECT Id FROM Lead WHERE SystemModstamp > %s" % lit.replace("Z", "+00:00"), token=T)
check("offset literal", st == 200 and body["totalSize"] == 0)
st, h, body = call("/services/data/v62.0/query", "SELECT Id FROM Lead WHERE Email LIKE '%.example'", token=T)
check("LIKE", st == 200 and body["totalSize"] > 0)
st, h, body = call("/services/data/v62.0/query", "SELECT Id FROM Lead WHERE IsConverted = true", token=T)
check("booleans", st == 200 and body["totalSize"] > 0)

lead = seen[0]
st, h, body = call("/services/data/v62.0/query", "SELECT Id FROM Lead WHERE Id = '%s'" % lead, token=T)
check("Id equality", body["totalSize"] == 1)
req = urllib.request.Request(BASE + "/_fake/control", data=json.dumps({"delete": [lead]}).encode(),
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
st, h, body = call("/services/data/v62.0/query", "SELECT Id FROM Lead WHERE Id = '%s'" % lead, token=T)
check("query hides deleted", body["totalSize"] == 0)
st, h, body = call("/services/data/v62.0/queryAll",
                   "SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true", token=T)
check("queryAll shows deleted", body["totalSize"] == 1 and body["records"][0]["IsDeleted"] is True)

for q, code in [("SELECT Id FRM Lead", "MALFORMED_QUERY"),
                ("SELECT Id, Nope__c FROM Lead", "INVALID_FIELD"),
                ("SELECT Id FROM Nope", "INVALID_TYPE"),
                ("SELECT Id FROM Lead WHERE SystemModstamp > '2026-01-01T00:00:00Z'", "INVALID_FIELD"),
                ("SELECT Id FROM Lead WHERE SystemModstamp > 2026-01-01T00:00:00 00:00", "MALFORMED_QUERY"),
                ("SELECT Id FROM Lead WHERE IsConverted = 'true'", "INVALID_FIELD")]:
    st, h, body = call("/services/data/v62.0/query", q, token=T)
    check("%s -> %s (got %s %s)" % (q, code, st, body),
          st == 400 and isinstance(body, list) and body[0]["errorCode"] == code and body[0]["message"])
st, h, body = call("/services/data/v99.0/query", "SELECT Id FROM Lead", token=T)
check("unknown version 404 NOT_FOUND", st == 404 and body[0]["errorCode"] == "NOT_FOUND")
st, h, body = call("/services/data/v62.0/query/01gNOPE000000000AAA-2000", token=T)
check("bad locator", st == 400 and body[0]["errorCode"] == "INVALID_QUERY_LOCATOR")

# the daily allowance: 403 REQUEST_LIMIT_EXCEEDED, and the header says so
req = urllib.request.Request(BASE + "/_fake/control", data=json.dumps({"api_usage": 15000}).encode(),
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
st, h, body = call("/services/data/v62.0/limits", token=T)
check("403 past the allowance", st == 403 and body[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
      and body[0]["message"] == "TotalRequests Limit exceeded.")
check("usage header at the limit", h.get("Sforce-Limit-Info") == "api-usage=15000/15000")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
EOF
expect_rc 0 python3 check.py "$FAKE_URL"
contains out "ok"

# Same seed and size: the same data.
fake_ctl data > a.json
fake_start salesforce --records 30 --page-size 7
fake_ctl data > b.json
python3 -c "
import json
a, b = json.load(open('a.json')), json.load(open('b.json'))
assert [l['Id'] for l in a['Lead']] == [l['Id'] for l in b['Lead']]
assert a['Opportunity'] == b['Opportunity']" || fail "deterministic data"
