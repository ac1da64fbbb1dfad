#!/bin/sh
# moodle when Moodle says no, mostly with HTTP 200: a wrong token
# (invalidtoken), a token that expires in the middle of a run
# (accessexception), functions missing from the token's service, other
# exceptions; 5xx (PHP fatal errors) retried, then a clear failure; PHP
# notices before the JSON; a wrong base_url; unknown course ids; and an
# interrupted pass that resumes with the courses it had not finished.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
plugins moodle

fake_start moodle --auth apikey-query --token ws-T0ken --records 12
conf() {
	{
		printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[lms]\nplugin = moodle\n'
		printf 'max_attempts = 2\n'
		for kv in "$@"; do echo "$kv"; done
		case " $* " in *"base_url ="*) ;; *) echo "base_url = $FAKE_URL" ;; esac
		case " $* " in *"token ="*) ;; *) echo "token = ws-T0ken" ;; esac
	} > c.ini
}
last_run() { sql "select status from runs order by id desc limit 1"; }
calls() { # calls FUNCTION: API calls of FUNCTION in the fake's log
	fake_ctl log api | grep -c "\"wsfunction\": \[\"$1\"\]" || true
}

# --- a wrong token: HTTP 200 with invalidtoken, refused clearly
conf "token = not-the-T0ken"
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "core_webservice_get_site_info: Moodle refused the token (invalidtoken: Invalid token - token not found); check \`token\`"
lacks out "not-the-T0ken"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "invalidtoken"
[ "$(last_run)" = failed ] || fail "failed run"

# --- a good sync, then the token expires in the middle of the next one:
# what was committed stays, the message says what happened
conf "page_size = 5"
expect_rc 0 "$SALESYNC" -c c.ini sync
n=$(sql "select count(*) from metrics")
fake_ctl control '{"fail_after": {"calls": 12, "errorcode": "accessexception"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "Moodle denied access (accessexception: Access control exception): the token may have expired"
[ "$(last_run)" = failed ] || fail "failed run"
[ "$(sql "select count(*) from metrics")" = "$n" ] || fail "the store keeps what it had"
fake_ctl control '{"fail_after": {"calls": 3, "errorcode": "invalidtoken"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "Moodle refused the token (invalidtoken"
fake_ctl control '{"fail_after": null}' >/dev/null

# --- a function outside the token's service: check lists it, sync names it
fake_ctl control '{"disable_functions": ["core_completion_get_course_completion_status"]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "the token's external service lacks core_completion_get_course_completion_status"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "core_completion_get_course_completion_status: Moodle denied access (accessexception"
fake_ctl control '{"disable_functions": ["core_cohort_get_cohorts"]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini check
conf "team_from = cohort"
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "lacks core_cohort_get_cohorts"
fake_ctl control '{"disable_functions": []}' >/dev/null

# --- any other exception with HTTP 200 is an error, with Moodle's words
conf
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"exception\":\"dml_read_exception\",\"errorcode\":\"dmlreadexception\",\"message\":\"Error reading from database\",\"debuginfo\":\"MySQL server has gone away\"}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "core_course_get_courses: Moodle error dmlreadexception (dml_read_exception): Error reading from database - MySQL server has gone away"

# --- PHP fatal errors (HTTP 500): retried, then a clear failure
fake_ctl control '{"status_sequence": [0, 500]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains err "retry 1 of 1"
fake_ctl control '{"status_sequence": [0, 0, 500, 500]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 500 after 2 attempts"
fake_ctl control '{"status_sequence": [503, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "HTTP 503 after 2 attempts"

# --- debug notices before the JSON; an HTML page where the API should be
fake_ctl control '{"body_override": {"count": 1, "status": 200, "body": "<b>Notice</b>: Undefined index {\"sitename\":\"x\"}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "the answer is not JSON"
contains out "debug messages off"
conf "base_url = $FAKE_URL/moodle"
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "HTTP 404"
contains out "is base_url the Moodle site root"

# --- a Moodle that does not page enrolled users: every user at once is
# fine; the first page again and again is refused, not looped on
rm -rf store.db*
conf "page_size = 5"
fake_ctl control '{"paging": "ignore_limitnumber"}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
sql "select count(*) from reps" > paged.txt
fake_ctl control '{"paging": "ignore_limitfrom"}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "limitfrom 5 gave the first page again"
fake_ctl control '{"paging": null}' >/dev/null
rm -rf store.db*
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select count(*) from reps")" = "$(cat paged.txt)" ] || fail "same learners, paged or not"

# --- bad options
conf "courses = 2, 77"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "courses: course 77 does not exist"
conf "courses = 2,abc"
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "courses: 'abc' is not a course id"
conf "cohorts = 3"
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "cohorts: only used with team_from = cohort"
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[lms]\nplugin = moodle\ntoken = x\n' > nobase.ini
expect_rc 1 "$SALESYNC" -c nobase.ini check
contains out "base_url: required, the Moodle site root"
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[lms]\nplugin = moodle\nbase_url = %s\n' "$FAKE_URL" > notoken.ini
expect_rc 1 "$SALESYNC" -c notoken.ini check
contains out "token: required, a web-service token"

# --- an interrupted pass resumes: completion is not asked again for the
# courses it had finished, and the store ends the same
rm -rf store.db*
conf "page_size = 50"
expect_rc 0 "$SALESYNC" -c c.ini sync
sql "select name, dims, rep_email, value, period_start from metrics order by 1,2,3,5" > full.txt
rm -rf store.db*
# ONB101's completion calls pass, PROD201's first activity call fails
fake_ctl control '{"fail_after": {"calls": 0, "function": "core_completion_get_activities_completion_status", "errorcode": "accessexception"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
case $(sql "select value from cursors where stream = 'training'") in
pass:*:2) ;;
*) fail "the cursor names the finished course: $(sql "select value from cursors")" ;;
esac
fake_ctl control '{"fail_after": null}' >/dev/null
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains err "resuming the pass of"
[ "$(fake_ctl log api | grep '"core_completion_get_course_completion_status"' | grep -c '"courseid": \["2"\]' || true)" = 0 ] \
  || fail "ONB101's completion is not asked again"
[ "$(calls core_completion_get_activities_completion_status)" -gt 0 ] || fail "PROD201 is read"
sql "select name, dims, rep_email, value, period_start from metrics order by 1,2,3,5" > resumed.txt
cmp -s full.txt resumed.txt || fail "the resumed pass ends with the same metrics"
case $(sql "select value from cursors where stream = 'training'") in
done:*) ;;
*) fail "a finished pass" ;;
esac
