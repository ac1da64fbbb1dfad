#!/bin/sh
# salesync report on the demo spreadsheets (plus a second leads sheet, an
# LMS export and web analytics, so that every section has data): all three
# formats, the period and rep options, the unified people/reps exports, and
# the command-line errors.
. "$(dirname "$0")/lib.sh"
plugins csv
D=$TOP/config/demo

# A second tool that knows three of the demo's people (one with a messy
# email), an LMS with two demo reps and one who joined in October, their
# training, and web sessions by channel.
cat > crm.csv <<'EOT'
Lead ID,Email,First Name,Company,Status,Lead Source,Owner,Created,Updated
C1,mylmaz.1@nordiskdataas.example,Mehmet,Nordisk Data,Working,Web,r08,2026-10-01,2026-11-20
C2,  Hmensah.2@SocieteGeneraleDet.example ,Hiroshi,SGE,Working,Referral,r07,2026-10-02,2026-11-21
C3,ewang.3@bluesuncorp.example,Liz,Blue Sun,Qualified,Referral,r08,2026-10-03,2026-11-22
EOT
cat > lms-reps.csv <<'EOT'
User ID,Name,Email,Created
u1,Maya Chen,MAYA.CHEN@brightwave.example,2025-06-01
u2,Priya Raman,priya.raman@brightwave.example,2025-06-01
u3,Nina Novak,nina.novak@brightwave.example,2026-10-15
EOT
cat > training.csv <<'EOT'
Metric,Rep Email,Course,Month,Value
training.completed,maya.chen@brightwave.example,Onboarding,2026-11,1
training.progress,maya.chen@brightwave.example,Product,2026-11,0.5
training.completed,priya.raman@brightwave.example,Onboarding,2026-11,1
training.progress,nina.novak@brightwave.example,Onboarding,2026-11,40%
EOT
cat > web.csv <<'EOT'
Metric,Channel,Date,Value
web.sessions,Web,2026-11-02,1200
web.sessions,Web,2026-11-09,1300
web.conversions,Web,2026-11-02,50
web.sessions,Paid search,2026-11-03,400
web.conversions,Paid search,2026-11-03,20
web.sessions,Web,2026-10-02,9999
EOT
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[reps]
plugin = csv
path = $D/reps.csv
kind = reps
[leads]
plugin = csv
path = $D/leads.csv
[deals]
plugin = csv
path = $D/deals.csv
kind = deals
currency = USD
[quotas]
plugin = csv
path = $D/quotas.csv
kind = metrics
metric_name = quota.amount_minor
[crm]
plugin = csv
path = crm.csv
[lms-reps]
plugin = csv
path = lms-reps.csv
kind = reps
[lms]
plugin = csv
path = training.csv
kind = metrics
[ga]
plugin = csv
path = web.csv
kind = metrics
EOT
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select count(*) from sqlite_schema where type = 'view' and name in ('people', 'reps_unified')")" = 2 ] || fail "the unified views exist"

P="--since 2026-11-01 --until 2026-11-30"

# Text: every section, with its period.
expect_rc 0 "$SALESYNC" -c c.ini report $P
cp out report.txt
for s in "1. Follow-up queue — as of 2026-12-01 00:00 UTC" \
    "2. Speed to lead — leads created 2026-11-01 to 2026-11-30" \
    "3. Funnel — leads created 2026-11-01 to 2026-11-30" \
    "4. Pipeline — open deals as of 2026-12-01 00:00 UTC" \
    "5. Forecast — open deals by close month" \
    "6. Targets — 2026-11-01 to 2026-11-30" \
    "7. Bottlenecks — open deals as of" \
    "8. Onboarding and training — as of" \
    "9. Channels — 2026-11-01 to 2026-11-30" \
    "10. Data health — store-wide"; do
	contains report.txt "$s"
done
contains report.txt "salesync report: 2026-11-01 to 2026-11-30 (30.0 days), all reps"
contains report.txt "Closed 2026-11-01 to 2026-11-30: 10 won, 3 lost, win rate 76.9%"
contains report.txt "Median days in stage: not available"
contains report.txt "Priya Raman <priya.raman@brightwave.example>"
contains report.txt "People: 289 unified by email, 3 of them in more than one tool; reps in more than one"
contains report.txt "           tool: 2."

# JSON: one key per section; figures checked against the store.
expect_rc 0 "$SALESYNC" -c c.ini report $P --format json -o report.json
[ ! -s out ] || fail "-o: nothing on stdout"
python3 - report.json <<'EOT' || fail "JSON checks"
import json, sys
r = json.load(open(sys.argv[1]))
keys = ["period", "follow_up", "speed_to_lead", "funnel", "pipeline", "forecast", "targets",
        "bottlenecks", "training", "channels", "data_health"]
assert sorted(r) == sorted(keys), sorted(r)
p = r["period"]
assert p["since"] == "2026-11-01T00:00:00Z" and p["until"] == "2026-12-01T00:00:00Z", p
c = r["pipeline"]["closed"]
assert (c["won"], c["lost"]) == (10, 3), c
assert c["won_amounts"] == {"USD": 32790248}, c
assert r["pipeline"]["total"]["count"] == 36
assert set(r["pipeline"]["total"]["amounts"]) == {"EUR", "GBP", "USD"}
for m in r["forecast"]["months"]:
    for cur, w in m["weighted"].items():
        assert isinstance(w, int) and 0 <= w <= m["amounts"][cur], m
f = r["funnel"]
assert f["total"]["leads"] == sum(ch["leads"] for ch in f["channels"]) == sum(f["total"]["by_week"])
assert f["weeks"][0] == "2026-W44" and f["weeks"][-1] == "2026-W49", f["weeks"]
fu = r["follow_up"]
assert fu["total"] == sum(o["count"] for o in fu["owners"]) > 0
for o in fu["owners"]:
    h = [l["hours_waiting"] for l in o["leads"]]
    assert h == sorted(h, reverse=True), "oldest first"
t = r["targets"]
assert {e["rep"] for e in t["reps"]} >= {"maya.chen@brightwave.example", "nina.novak@brightwave.example"}
priya = [e for e in t["reps"] if e["rep"] == "priya.raman@brightwave.example"][0]
assert priya["quota"] == {"USD": 5000000} and priya["attainment"]["USD"] == 1.51, priya
tr = r["training"]
maya = [e for e in tr["reps"] if e["rep"] == "maya.chen@brightwave.example"][0]
assert (maya["courses"], maya["completed"]) == (2, 1), maya
assert [e["rep"] for e in tr["new_reps"]["reps"]] == ["nina.novak@brightwave.example"], tr
assert tr["new_reps"]["not_yet_trained"]["reps"] == 1
ch = {e["channel"]: e for e in r["channels"]["channels"]}
assert ch["Web"]["sessions"] == 2500 and ch["Web"]["conversions"] == 50, ch["Web"]
assert ch["Paid search"]["conversion_rate"] == 0.05, ch["Paid search"]
dh = r["data_health"]
assert dh["people_in_several_tools"] == 3 and dh["reps_in_several_tools"] == 2, dh
assert dh["leads_without_email"] == 11
inst = {e["instance"]: e for e in dh["instances"]}
assert inst["leads"]["records"]["leads"] == 300 and inst["leads"]["last_status"] == "ok"
assert inst["crm"]["last_success"] is not None
assert r["bottlenecks"]["stages"][0]["median_days_in_stage"] is None
EOT
[ "$(sql "select count(*) from deals where stage = 'won' and close_date >= '2026-11-01' and close_date < '2026-12-01'")" = 10 ] || fail "won in November"

# HTML: one self-contained page.
expect_rc 0 "$SALESYNC" -c c.ini report $P --format html --out report.html
contains report.html "<!DOCTYPE html>"
contains report.html 'class="chart chart-funnel"'
contains report.html 'class="chart chart-pipeline"'
contains report.html 'class="chart chart-forecast"'
contains report.html 'class="chart chart-quota"'
contains report.html 'id="follow-up-queue"'
contains report.html "Ollivander &amp; Sons"
lacks report.html "<script"
lacks report.html "http://"
lacks report.html "https://"
lacks report.html "@import"

# One rep; the default period (the last 30 days); durations.
expect_rc 0 "$SALESYNC" -c c.ini report $P --rep ' Priya.Raman@brightwave.example ' --format json
python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["period"]["rep"] == "priya.raman@brightwave.example"
assert [e["rep"] for e in r["targets"]["reps"]] == ["priya.raman@brightwave.example"]
assert all(o["owner"] == "priya.raman@brightwave.example" for o in r["follow_up"]["owners"])
assert r["pipeline"]["closed"]["won"] == 5
' < out || fail "--rep"
expect_rc 0 "$SALESYNC" -c c.ini report
contains out "Follow-up queue"
expect_rc 0 "$SALESYNC" -c c.ini report --since 7d --until 2026-11-30 --follow-up-hours 24 --stall-days 30
contains out "salesync report: 2026-11-24 to 2026-11-30 (7.0 days)"
contains out "none in the last 24 h"
contains out "no update for more than 30 days"

# Unified exports.
expect_rc 0 "$SALESYNC" -c c.ini export people
[ "$(grep -c '' out)" = 290 ] || fail "289 people and a header"
contains out "email,first_name,last_name,company,title,phone,status,channel,n_instances,n_records,instances,record_keys"
contains out "hmensah.2@societegeneraledet.example,Hiroshi,Mensah,SGE,"
contains out ",2,2,\"crm,leads\",\"crm:C2,leads:L0002\","
expect_rc 0 "$SALESYNC" -c c.ini export reps --unified --format jsonl
contains out '"email":"maya.chen@brightwave.example","name":"Maya Chen","team":"East"'
contains out '"instances":"lms-reps,reps"'
# precedence = leads: the demo sheet's company wins over the newer crm one.
sed -i 's/^plugin_dir = plugins$/plugin_dir = plugins\nprecedence = leads/' c.ini
expect_rc 0 "$SALESYNC" -c c.ini export people
contains out "hmensah.2@societegeneraledet.example,Hiroshi,Mensah,Société Générale d'Études,"
[ "$(sql 'select source from people_precedence')" = leads ] || fail "precedence stored"

# Errors: bad command lines exit 2.
expect_rc 2 "$SALESYNC" -c c.ini report --format pdf
contains err "--format must be text, json or html"
expect_rc 2 "$SALESYNC" -c c.ini report --since 30
contains err "--since"
expect_rc 2 "$SALESYNC" -c c.ini report --since 2026-12-01 --until 2026-11-01
contains err "the period is empty"
expect_rc 2 "$SALESYNC" -c c.ini report --rep nobody@example.com
contains err "no rep with email 'nobody@example.com'"
expect_rc 2 "$SALESYNC" -c c.ini report --stall-days 0
expect_rc 2 "$SALESYNC" -c c.ini export people --source leads
expect_rc 2 "$SALESYNC" -c c.ini export deals --unified
expect_rc 0 "$SALESYNC" report --help
contains out "--follow-up-hours"
