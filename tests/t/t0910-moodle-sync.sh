#!/bin/sh
# moodle against the Moodle fake: learners of the visible courses become
# reps; training.enrolled, training.progress (completion criteria, or the
# activities' completion when a course has none) and training.completed per
# learner and course, checked against the fake's data; paged enrolled-user
# calls and completion calls only for learners; teams from department,
# group and cohort; completions and unenrolments showing up in later
# syncs; an empty site; the report's training section.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
plugins moodle

fake_start moodle --auth apikey-query --key-query wstoken --token ws-T0ken --records 30
conf() {
	{
		printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[lms]\nplugin = moodle\n'
		printf 'token = ws-T0ken\nmax_attempts = 2\n'
		for kv in "$@"; do echo "$kv"; done
		case " $* " in *"base_url ="*) ;; *) echo "base_url = $FAKE_URL" ;; esac
	} > c.ini
}
# oracle COURSES: the expected metrics from the fake's data, one line each:
# name course email value [day of completion]
oracle() {
	fake_ctl data > data.json
	python3 - "$1" <<'PY'
import json, sys, datetime
d = json.load(open("data.json"))
want = [int(x) for x in sys.argv[1].split(",")]
users = {u["id"]: u for u in d["users"]}
courses = {c["id"]: c for c in d["courses"]}
out = []
for cid in want:
    c = courses[cid]
    for uid, e in d["enrolments"][str(cid)].items():
        u = users[int(uid)]
        if e["role"] != "student" or not e["active"] or not u["email"]:
            continue
        email = u["email"].lower()
        out.append("training.enrolled %s %s 1" % (c["shortname"], email))
        if not c["enablecompletion"]:
            continue
        items = d["completion"].get("%d:%s" % (cid, uid))
        if str(cid) in d["criteria"]:
            agg = d["criteria"][str(cid)]["aggregation"]
            done = [t for s, t in items if s]
            complete = (len(done) > 0) if agg == 2 else (len(done) == len(items))
            prog = 1.0 if complete else len(done) / len(items)
            when = (min(done) if agg == 2 else max(done)) if complete else None
        else:
            acts = d["activities"][str(cid)]
            tracked = [(s, t) for (s, t), a in zip(items, acts) if a["tracking"]]
            done = [t for s, t in tracked if s in (1, 2)]
            complete = len(done) == len(tracked)
            prog = len(done) / len(tracked)
            when = max(done) if complete else None
        out.append("training.progress %s %s %.4f" % (c["shortname"], email, prog))
        if complete:
            day = datetime.datetime.fromtimestamp(when, datetime.timezone.utc).strftime("%Y-%m-%d")
            out.append("training.completed %s %s 1 %s" % (c["shortname"], email, day))
for line in sorted(out):
    print(line)
PY
}
got() {
	sqlite3 -separator ' ' store.db "select name, json_extract(dims, '$.course'), rep_email,
		case when name = 'training.progress' then printf('%.4f', value) else value end
		|| case when name = 'training.completed' then ' ' || substr(period_start, 1, 10) else '' end
		from metrics" | sort
}
expect_oracle() {
	oracle "$1" > want.txt
	got > got.txt
	if ! cmp -s want.txt got.txt; then diff want.txt got.txt | head -20 >&2; fail "metrics differ from the fake's data"; fi
}

conf "page_size = 7"
expect_rc 0 "$SALESYNC" -c c.ini check
contains err 'Moodle site "Brightwave Academy" (release 4.4.1'

# --- the first sync
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 29 new"
contains out "2 skipped"
expect_oracle 2,3,5,6
[ "$(sql "select count(*) from metrics where json_extract(dims, '$.course') = 'NEG301'")" = 0 ] \
  || fail "hidden courses are left out by default"
[ "$(sql "select count(*) from reps where email is null")" = 1 ] || fail "the learner without a visible email is a rep"
[ "$(sql "select count(*) from reps where team is not null")" = 0 ] || fail "no team by default"
[ "$(sql "select name || '|' || email || '|' || active from reps where id = '102'")" = \
  "Priya Kowalska|priya.kowalska102@brightwave.example|1" ] || fail "rep 102"
# periods: the course's run; open-ended courses end 9999-12-31
[ "$(sql "select distinct period_start || ' ' || period_end from metrics where name = 'training.enrolled' and json_extract(dims, '$.course') = 'ONB101'")" = \
  "2026-01-05T00:00:00Z 2027-01-05T00:00:00Z" ] || fail "ONB101 period"
[ "$(sql "select distinct period_end from metrics where json_extract(dims, '$.course') = 'PROD201' and name <> 'training.completed'")" = \
  "9999-12-31T00:00:00Z" ] || fail "open-ended period"
[ "$(sql "select count(*) from metrics where name = 'training.completed' and (updated_at is null or julianday(period_end) - julianday(period_start) <> 1)")" = 0 ] \
  || fail "completions: one day, with the completion time"
# requests: enrolled users paged by 7 (31 in ONB101: 29 active students and
# 2 trainers), completion only for learners with an email, in courses with
# completion on
fake_ctl log api > log.json
python3 - <<'PY' || fail "requests"
import json
calls = [json.loads(l) for l in open("log.json")]
fn = lambda c: c["query"]["wsfunction"][0]
onb = [c["query"]["options[0][value]"][0] for c in calls
       if fn(c) == "core_enrol_get_enrolled_users" and c["query"]["courseid"] == ["2"]]
assert onb == ["0", "7", "14", "21", "28"], onb
assert all(c["query"]["wstoken"] == ["ws-T0ken"] and c["query"]["moodlewsrestformat"] == ["json"]
           for c in calls)
crit = [c for c in calls if fn(c) == "core_completion_get_course_completion_status"]
acts = [c for c in calls if fn(c) == "core_completion_get_activities_completion_status"]
assert {c["query"]["courseid"][0] for c in crit} == {"2", "3"}, "criteria calls"
assert len([c for c in crit if c["query"]["courseid"] == ["3"]]) == 1, "one nocriteriaset, then activities"
assert {c["query"]["courseid"][0] for c in acts} == {"3"}
assert not [c for c in crit + acts if c["query"]["userid"] in (["105"], ["109"], ["91"], ["92"])]
d = json.load(open("data.json"))
learners = lambda cid: [u for u, e in d["enrolments"][str(cid)].items()
                        if e["role"] == "student" and e["active"] and u != "105"]
assert len(crit) - 1 == len(learners(2)), (len(crit), len(learners(2)))
assert len(acts) == len(learners(3)), (len(acts), len(learners(3)))
PY

# --- right after: nothing changes
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 0 new, 0 updated, 29 unchanged"
contains out "metrics 0 new, 0 updated"

# --- a learner completes ONB101, another leaves it
uid=$(python3 -c "
import json
d = json.load(open('data.json'))
for k, v in sorted(d['completion'].items()):
    c, u = k.split(':')
    if c == '2' and not all(s for s, t in v) and u not in ('105', '109'):
        print(u); break")
fake_ctl control "{\"complete\": [{\"course\": 2, \"user\": $uid, \"time\": 1796040000}]}" >/dev/null
fake_ctl control '{"unenrol": [{"course": 5, "user": 102}]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select substr(period_start,1,10) || ' ' || updated_at from metrics where name = 'training.completed' and rep_email in (select email from reps where id = '$uid') and json_extract(dims, '$.course') = 'ONB101'")" = \
  "2026-11-30 2026-11-30T12:00:00Z" ] || fail "the new completion, on its day"
[ "$(sql "select value from metrics where name = 'training.progress' and rep_email in (select email from reps where id = '$uid') and json_extract(dims, '$.course') = 'ONB101'")" = 1 ] \
  || fail "progress 1 once complete"
# metrics are never deleted: the old enrolment stays until the data says otherwise
[ "$(sql "select count(*) from metrics where rep_email like 'priya.kowalska102@%' and json_extract(dims, '$.course') = 'GEN100'")" = 1 ] \
  || fail "metrics are kept"

# --- the hidden course by id, everyone (trainers too), teams from groups
rm -rf store.db*
conf "page_size = 50" "courses = 4, 2" "roles = *" "team_from = group"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select count(*) from metrics where json_extract(dims, '$.course') = 'NEG301'")" -gt 0 ] || fail "NEG301 by id"
[ "$(sql "select count(*) from metrics where json_extract(dims, '$.course') not in ('NEG301', 'ONB101')")" = 0 ] || fail "only the listed courses"
[ "$(sql "select count(*) from reps where id in ('91', '92')")" = 2 ] || fail "roles = * takes trainers"
[ "$(sql "select team from reps where id = '102'")" = East ] || fail "group East"
[ "$(sql "select team from reps where id = '103'")" = West ] || fail "group West"
[ "$(sql "select count(*) from reps where id = '91' and team is null")" = 1 ] || fail "no group, no team"

# --- teams from cohorts and from the department; labels by id
rm -rf store.db*
conf "team_from = cohort"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select team from reps where id = '110'")" = "Team East" ] || fail "cohort: the lowest cohort id wins"
[ "$(sql "select team from reps where id = '115'")" = "Team West" ] || fail "cohort Team West"
rm -rf store.db*
conf "team_from = cohort" "cohorts = 3"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select team from reps where id = '110'")" = "Leadership" ] || fail "cohorts = 3"
[ "$(sql "select count(*) from reps where id = '102' and team is null")" = 1 ] || fail "outside cohort 3: no team"
rm -rf store.db*
conf "team_from = department" "course_label = id"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select team from reps where id = '102'")" = "Sales East" ] || fail "department"
[ "$(sql "select group_concat(distinct json_extract(dims, '$.course')) from (select dims from metrics order by dims)")" = "2,3,5" ] \
  || fail "course_label = id"

# --- --full marks learners who left every course as deleted
fake_ctl control '{"unenrol": [{"course": 2, "user": 111}, {"course": 3, "user": 111}]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select deleted from reps where id = '111'")" = 0 ] || fail "incremental syncs delete nothing"
expect_rc 0 "$SALESYNC" -c c.ini sync --full
[ "$(sql "select deleted from reps where id = '111'")" = 1 ] || fail "--full: gone from every course"

# --- the report's training section reads the metrics
expect_rc 0 "$SALESYNC" -c c.ini report --format json -o r.json
python3 - <<'PY' || fail "report training"
import json
t = json.load(open("r.json"))["training"]
reps = {r["rep"]: r for r in t["reps"]}
assert len(reps) >= 20, len(reps)
r = reps["priya.kowalska102@brightwave.example"]
assert r["courses"] >= 2, r
PY

# --- a site with no learners: valid, empty
fake_start moodle --auth apikey-query --token empty-T0k --records 0
rm -rf store.db*
conf "base_url = $FAKE_URL"
sed -i 's/^token = .*/token = empty-T0k/' c.ini
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select count(*) from reps")" = 0 ] || fail "trainers are not learners"
[ "$(sql "select count(*) from metrics")" = 0 ] || fail "no metrics"
[ "$(sql "select substr(value, 1, 5) from cursors where stream = 'training'")" = "done:" ] || fail "a finished pass"
