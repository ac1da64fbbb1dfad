#!/usr/bin/env python3
"""moodle: fake of Moodle's web services (REST server), for the moodle plugin.

    GET|POST /webservice/rest/server.php?wstoken=..&wsfunction=..&moodlewsrestformat=json

Functions, with the shapes of Moodle's *_returns():
    core_webservice_get_site_info
    core_course_get_courses                      options[ids][i]
    core_enrol_get_enrolled_users                courseid, options[i][name|value]:
                                                 limitfrom, limitnumber, sortby,
                                                 sortdirection, onlyactive, userfields,
                                                 groupid, withcapability
    core_completion_get_course_completion_status courseid, userid
    core_completion_get_activities_completion_status courseid, userid
    core_cohort_get_cohorts                      cohortids[i] (none: all)
    core_cohort_get_cohort_members               cohortids[i]

Errors come as Moodle sends them: HTTP 200 with {"exception", "errorcode",
"message"} (invalidtoken, accessexception for an expired token or a function
outside the service, invalidparameter, invalidrecord, nocriteriaset,
nottracked, usernotenroled); a PHP fatal error is HTTP 500 with HTML.
Run with --auth apikey-query --key-query wstoken --token T (the defaults of
--key-query here); the token may also come in a POST form.

Data (deterministic for a --seed): --records N students (ids 101..), two
trainers (editingteacher), the site course (id 1) and courses:
    2 ONB101  completion criteria (3, all needed), groups East/West
    3 PROD201 completion on, no criteria (progress from 4 tracked activities)
    4 NEG301  hidden; criteria (2, any needed)
    5 GEN100  completion off
    6 EMPTY   no one enrolled
Student 105 has no visible email; student 109's enrolment in ONB101 is
suspended. Cohorts: 1 Team East (even students), 2 Team West (odd), 3
Leadership (every fifth).

Control extensions (POST /_fake/control):
    {"complete": [{"course": C, "user": U, "time": EPOCH}]}  complete everything
    {"unenrol": [{"course": C, "user": U}]}
    {"add_students": N}        N new students, enrolled in ONB101
    {"expire_token": true}     every call: accessexception (token expired); false undoes
    {"disable_functions": [..]} those functions are outside the token's service
    {"paging": "ignore_limitfrom" | "ignore_limitnumber" | null}
                               enrolled users as sites whose Moodle does not
                               page them (one of the two options is ignored)
    {"fail_after": {"calls": N, "errorcode": "invalidtoken", "function": F}}
                               after N more answered calls (of F, if given),
                               every call (of F) gets that exception, with
                               HTTP 200; null stops it
"""

import calendar
import hashlib
import os
import re
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakebase import FakeServer, HTTPError, Response, json_response, route  # noqa: E402

BASE = calendar.timegm((2026, 11, 2, 9, 0, 0))
DAY = 86400
FIRST = ["Maya", "Priya", "Nina", "Daniel", "Tom", "Claire", "Jake", "Sofia",
         "Omar", "Lena", "Raj", "Emma", "Lucas", "Aiko", "Marta", "Felix"]
LAST = ["Chen", "Raman", "Novak", "Okafor", "Becker", "Dubois", "Morrison",
        "Rossi", "Haddad", "Schulz", "Patel", "Brown", "Moore", "Sato",
        "Kowalska", "Weber"]
FUNCTIONS = [
    "core_webservice_get_site_info", "core_course_get_courses",
    "core_enrol_get_enrolled_users",
    "core_completion_get_course_completion_status",
    "core_completion_get_activities_completion_status",
    "core_cohort_get_cohorts", "core_cohort_get_cohort_members",
    "core_user_get_users_by_field",
]
ROLES = {"student": (5, "Student", 5), "editingteacher": (3, "Teacher", 3)}
USER_FIELDS = ["id", "username", "firstname", "lastname", "fullname", "email",
               "department", "institution", "idnumber", "firstaccess",
               "lastaccess", "lastcourseaccess", "auth", "suspended",
               "confirmed", "lang", "timezone", "city", "country",
               "profileimageurlsmall", "profileimageurl", "groups", "roles",
               "enrolledcourses"]
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class WSError(Exception):
    """A Moodle exception: answered with HTTP 200 and the error object."""

    def __init__(self, exception, errorcode, message, debuginfo=None):
        super().__init__(message)
        self.body = {"exception": exception, "errorcode": errorcode,
                     "message": message}
        if debuginfo:
            self.body["debuginfo"] = debuginfo


def invalid_parameter(debug):
    return WSError("invalid_parameter_exception", "invalidparameter",
                   "Invalid parameter value detected", debug)


def php_params(flat):
    """{"options[0][name]": "x", ...} -> nested dicts; dicts whose keys are
    all digits become lists (PHP arrays as Moodle's external API sees them)."""
    root = {}
    for key, value in flat.items():
        m = _KEY.match(key)
        if not m:
            continue
        path = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        node = root
        for i, p in enumerate(path):
            if i == len(path) - 1:
                node[p] = value
            else:
                node = node.setdefault(p, {})
                if not isinstance(node, dict):
                    break

    def fix(n):
        if isinstance(n, dict):
            n = {k: fix(v) for k, v in n.items()}
            if n and all(k.isdigit() for k in n):
                return [n[k] for k in sorted(n, key=int)]
        return n
    return fix(root)


def as_int(value, name):
    try:
        return int(str(value), 10)
    except (TypeError, ValueError):
        raise invalid_parameter("%s => Invalid parameter value detected: "
                                "Invalid external api parameter: the value is "
                                "\"%s\", the server was expecting \"int\" type"
                                % (name, value))


class Moodle(FakeServer):
    name = "moodle"
    default_records = 30
    default_page_size = 100
    default_key_query = "wstoken"

    def setup(self):
        self.expired = False
        self.disabled = set()
        self.fail_after = None
        self.paging = None
        self.users = {}
        self.enrol = {}        # course id -> {user id: {"role", "active"}}
        self.completion = {}   # (course, user) -> list of (complete, time)
        self.courses = {
            1: self._course(1, "Brightwave Academy", "Brightwave Academy", "site",
                            0, 0, 1, 0),
            2: self._course(2, "ONB101", "Sales onboarding", "topics",
                            calendar.timegm((2026, 1, 5, 0, 0, 0)),
                            calendar.timegm((2027, 1, 5, 0, 0, 0)), 1, 1),
            3: self._course(3, "PROD201", "Product fundamentals", "topics",
                            calendar.timegm((2026, 2, 1, 0, 0, 0)), 0, 1, 1),
            4: self._course(4, "NEG301", "Negotiation", "weeks",
                            calendar.timegm((2026, 3, 1, 0, 0, 0)),
                            calendar.timegm((2026, 12, 31, 0, 0, 0)), 0, 1),
            5: self._course(5, "GEN100", "Sales handbook", "topics",
                            calendar.timegm((2026, 1, 1, 0, 0, 0)), 0, 1, 0),
            6: self._course(6, "EMPTY", "Empty course", "topics",
                            calendar.timegm((2026, 6, 1, 0, 0, 0)), 0, 1, 1),
        }
        self.criteria = {2: (1, ["Quiz: Product basics", "Assignment: Discovery call",
                                 "Quiz: Objection handling"]),
                         4: (2, ["Quiz: Anchoring", "Assignment: Role play"])}
        self.activities = {3: [(301, "quiz", 2), (302, "page", 1), (303, "assign", 2),
                               (304, "quiz", 2), (305, "forum", 0)]}
        self.groups = {2: [(11, "East"), (12, "West")]}
        for c in self.courses:
            self.enrol[c] = {}
        for tid, (first, last) in ((91, ("Tina", "Trainer")), (92, ("Theo", "Coach"))):
            self._user(tid, first, last, "Training")
            for c in (2, 3):
                self.enrol[c][tid] = {"role": "editingteacher", "active": True}
        for i in range(1, self.args.records + 1):
            self._student(i)
        self.cohorts = [(1, "Team East"), (2, "Team West"), (3, "Leadership")]

    def dispatch(self, h):
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle
        # and the client's delayed ACK cost ~40 ms per keep-alive request.
        try:
            h.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().dispatch(h)

    # ---- data ------------------------------------------------------------------

    @staticmethod
    def _course(cid, short, full, fmt, start, end, visible, completion):
        return {"id": cid, "shortname": short, "categoryid": 0 if fmt == "site" else 1,
                "categorysortorder": 10000 + cid, "fullname": full,
                "displayname": full, "idnumber": "" if cid < 3 else "C-%d" % cid,
                "summary": "<p>%s</p>" % full, "summaryformat": 1, "format": fmt,
                "showgrades": 1, "newsitems": 5, "startdate": start,
                "enddate": end, "numsections": 4, "maxbytes": 0, "showreports": 0,
                "visible": visible, "groupmode": 0, "groupmodeforce": 0,
                "defaultgroupingid": 0, "timecreated": BASE - 400 * DAY,
                "timemodified": BASE - 30 * DAY, "enablecompletion": completion,
                "completionnotify": 0, "lang": "", "forcetheme": "",
                "courseformatoptions": [{"name": "hiddensections", "value": 0}],
                "showactivitydates": True, "showcompletionconditions": True,
                "customfields": []}

    def _hash(self, *parts):
        text = "|".join(str(p) for p in (self.args.seed,) + parts)
        return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)

    def _user(self, uid, first, last, dept, email=None):
        self.users[uid] = {
            "id": uid, "username": "%s.%s" % (first.lower(), last.lower()),
            "firstname": first, "lastname": last, "fullname": "%s %s" % (first, last),
            "email": email if email is not None else
            "%s.%s%d@Brightwave.example" % (first, last, uid),
            "department": dept, "institution": "Brightwave", "idnumber": "E%04d" % uid,
            "firstaccess": BASE - 200 * DAY + uid * 3600,
            "lastaccess": BASE - (uid % 9) * DAY, "auth": "manual",
            "suspended": False, "confirmed": True, "lang": "en",
            "timezone": "99", "city": "Berlin", "country": "DE",
        }

    def _student(self, i):
        uid = 100 + i
        first, last = FIRST[(i - 1) % len(FIRST)], LAST[(i * 7) % len(LAST)]
        self._user(uid, first, last, "Sales East" if i % 2 == 0 else "Sales West",
                   email="" if i == 5 else None)
        courses = [2]
        if i % 3 != 0:
            courses.append(3)
        if i % 4 == 0:
            courses.append(4)
        if i % 2 == 0:
            courses.append(5)
        for c in courses:
            self.enrol[c][uid] = {"role": "student", "active": not (c == 2 and i == 9)}
            self._init_completion(c, uid)

    def _init_completion(self, c, uid):
        items = []
        if c in self.criteria:
            n = len(self.criteria[c][1])
        elif c in self.activities:
            n = len(self.activities[c])
        else:
            return
        for k in range(n):
            h = self._hash(c, uid, k)
            if c in self.activities:
                state = [0, 1, 2, 3, 1, 2][h % 6]
            else:
                state = 1 if h % 10 < 6 else 0
            t = BASE + (h >> 8) % (20 * DAY) if state else None
            items.append([state, t])
        self.completion[(c, uid)] = items

    # ---- the REST server ---------------------------------------------------------

    def check_auth(self, req):
        return None   # the token is checked per call, as Moodle does

    def _token(self, req, params):
        mode = self.auth["mode"]
        if mode == "none":
            return
        tok = params.get("wstoken")
        if tok is None:
            raise WSError("moodle_exception", "missingparam",
                          "A required parameter (wstoken) was missing")
        if tok != self.auth["token"]:
            self.stats["unauthorized"] += 1
            raise WSError("moodle_exception", "invalidtoken",
                          "Invalid token - token not found")
        if self.expired:
            self.stats["unauthorized"] += 1
            raise WSError("webservice_access_exception", "accessexception",
                          "Access control exception")

    @route("GET", r"/webservice/rest/server\.php")
    def server_get(self, req):
        return self.serve(req)

    @route("POST", r"/webservice/rest/server\.php")
    def server_post(self, req):
        return self.serve(req)

    def serve(self, req):
        flat = {k: v[0] for k, v in req.query.items()}
        if req.method == "POST" and req.body:
            if req.content_type() != "application/x-www-form-urlencoded":
                return self.ws_error(WSError(
                    "moodle_exception", "invalidrequest",
                    "Invalid request: the body must be a form"))
            flat.update(req.form())
        fmt = flat.pop("moodlewsrestformat", "xml")
        try:
            self._token(req, flat)
            fn = flat.pop("wsfunction", None)
            flat.pop("wstoken", None)
            if not fn:
                raise WSError("moodle_exception", "missingparam",
                              "A required parameter (wsfunction) was missing")
            handler = getattr(self, "ws_" + fn, None)
            if fn not in FUNCTIONS or handler is None:
                raise WSError("dml_missing_record_exception", "invalidrecord",
                              "Can't find data record in database table "
                              "external_functions.")
            if fn in self.disabled:
                raise WSError("webservice_access_exception", "accessexception",
                              "Access control exception")
            self._maybe_fail(fn)
            result = handler(php_params(flat))
        except WSError as e:
            return self.ws_error(e, fmt)
        if fmt != "json":
            return Response(200, {"Content-Type": "application/xml; charset=utf-8"},
                            '<?xml version="1.0" encoding="UTF-8" ?>\n'
                            "<RESPONSE><!-- XML: ask for moodlewsrestformat=json "
                            "--></RESPONSE>\n")
        return json_response(result)

    def _maybe_fail(self, fn):
        fa = self.fail_after
        if not fa or (fa.get("function") and fa["function"] != fn):
            return
        if fa["calls"] > 0:
            fa["calls"] -= 1
            return
        code = fa.get("errorcode", "invalidtoken")
        if code == "invalidtoken":
            raise WSError("moodle_exception", code, "Invalid token - token not found")
        if code == "accessexception":
            raise WSError("webservice_access_exception", code, "Access control exception")
        raise WSError(fa.get("exception", "moodle_exception"), code,
                      fa.get("message", "injected error %s" % code))

    def ws_error(self, e, fmt="json"):
        if fmt != "json":
            return Response(200, {"Content-Type": "application/xml; charset=utf-8"},
                            '<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION '
                            'class="%s"><ERRORCODE>%s</ERRORCODE><MESSAGE>%s</MESSAGE>'
                            "</EXCEPTION>\n" % (e.body["exception"], e.body["errorcode"],
                                                e.body["message"]))
        return json_response(e.body)

    # ---- functions ---------------------------------------------------------------

    def ws_core_webservice_get_site_info(self, p):
        return {"sitename": "Brightwave Academy", "username": "salesync-ws",
                "firstname": "Salesync", "lastname": "Service",
                "fullname": "Salesync Service", "lang": "en", "userid": 2,
                "siteurl": self.base_url(),
                "userpictureurl": self.base_url() + "/theme/image.php/boost/core/1/u/f1",
                "functions": [{"name": f, "version": "2024042200"}
                              for f in FUNCTIONS if f not in self.disabled],
                "downloadfiles": 0, "uploadfiles": 0,
                "release": "4.4.1 (Build: 20240610)", "version": "2024042201",
                "mobilecssurl": "", "advancedfeatures": [
                    {"name": "usecomments", "value": 1},
                    {"name": "enablecompletion", "value": 1}],
                "usercanmanageownfiles": True, "userquota": 0,
                "usermaxuploadfilesize": -1, "userhomepage": 1,
                "userprivateaccesskey": "", "siteid": 1,
                "sitecalendartype": "gregorian", "usercalendartype": "gregorian",
                "userissiteadmin": False, "theme": "boost"}

    def ws_core_course_get_courses(self, p):
        ids = (p.get("options") or {}).get("ids") if isinstance(p.get("options"), dict) else None
        if ids is None:
            ids = sorted(self.courses)
        elif not isinstance(ids, list):
            raise invalid_parameter("options => ids: a list")
        out = []
        for x in ids:
            c = self.courses.get(as_int(x, "ids"))
            if c is not None:
                out.append(c)
        return out

    def _course_or_fail(self, p):
        if "courseid" not in p:
            raise invalid_parameter("courseid => Missing required key in single structure: "
                                    "courseid")
        cid = as_int(p["courseid"], "courseid")
        if cid not in self.courses:
            raise WSError("dml_missing_record_exception", "invalidrecord",
                          "Can't find data record in database table course.")
        return cid

    def ws_core_enrol_get_enrolled_users(self, p):
        cid = self._course_or_fail(p)
        opts = {}
        raw = p.get("options") or []
        if not isinstance(raw, list):
            raise invalid_parameter("options => a list of {name, value}")
        for o in raw:
            if not isinstance(o, dict) or "name" not in o or "value" not in o:
                raise invalid_parameter("options => Missing required key: name/value")
            opts[o["name"]] = o["value"]
        limitfrom = as_int(opts.get("limitfrom", 0), "limitfrom")
        limitnumber = as_int(opts.get("limitnumber", 0), "limitnumber")
        onlyactive = as_int(opts.get("onlyactive", 0), "onlyactive")
        groupid = as_int(opts.get("groupid", 0), "groupid")
        sortby = opts.get("sortby", "id")
        if sortby not in ("id", "firstname", "lastname", "siteorder"):
            raise invalid_parameter("Invalid sort parameter: %s" % sortby)
        direction = opts.get("sortdirection", "ASC")
        if direction.upper() not in ("ASC", "DESC"):
            raise invalid_parameter("Invalid sort direction: %s" % direction)
        fields = [f for f in (opts.get("userfields") or "").split(",") if f.strip()]
        rows = []
        for uid, e in self.enrol[cid].items():
            if onlyactive and not e["active"]:
                continue
            groups = self._groups_of(cid, uid)
            if groupid and groupid not in [g[0] for g in groups]:
                continue
            rows.append(uid)
        key = {"id": lambda u: u, "siteorder": lambda u: u,
               "firstname": lambda u: (self.users[u]["firstname"], u),
               "lastname": lambda u: (self.users[u]["lastname"], u)}[sortby]
        rows.sort(key=key, reverse=direction.upper() == "DESC")
        if self.paging == "ignore_limitfrom":
            limitfrom = 0
        elif self.paging == "ignore_limitnumber":
            limitfrom = limitnumber = 0
        if limitnumber > 0:
            rows = rows[limitfrom:limitfrom + limitnumber]
        elif limitfrom:
            rows = rows[limitfrom:]
        return [self._user_details(cid, uid, fields) for uid in rows]

    def _groups_of(self, cid, uid):
        gs = self.groups.get(cid)
        if not gs or self.enrol[cid][uid]["role"] != "student":
            return []
        return [gs[uid % len(gs)]]

    def _user_details(self, cid, uid, fields):
        u = dict(self.users[uid])
        e = self.enrol[cid][uid]
        rid, rname, rsort = ROLES[e["role"]]
        u["lastcourseaccess"] = u["lastaccess"]
        u["profileimageurlsmall"] = self.base_url() + "/pluginfile.php/%d/user/icon/f2" % uid
        u["profileimageurl"] = self.base_url() + "/pluginfile.php/%d/user/icon/f1" % uid
        u["groups"] = [{"id": g, "name": n, "description": "", "descriptionformat": 1}
                       for g, n in self._groups_of(cid, uid)]
        u["roles"] = [{"roleid": rid, "name": rname, "shortname": e["role"],
                       "sortorder": rsort}]
        u["enrolledcourses"] = [{"id": c, "fullname": self.courses[c]["fullname"],
                                 "shortname": self.courses[c]["shortname"]}
                                for c in sorted(self.enrol) if uid in self.enrol[c]]
        if not u["email"]:
            del u["email"]     # hidden from the token's user
        if fields:
            u = {k: v for k, v in u.items() if k in fields or k == "id"}
        return u

    def _tracked(self, cid, p):
        if "userid" not in p:
            raise invalid_parameter("userid => Missing required key in single structure: userid")
        uid = as_int(p["userid"], "userid")
        if uid not in self.users:
            raise WSError("dml_missing_record_exception", "invalidrecord",
                          "Can't find data record in database table user.")
        return uid

    def ws_core_completion_get_course_completion_status(self, p):
        cid = self._course_or_fail(p)
        uid = self._tracked(cid, p)
        if not self.courses[cid]["enablecompletion"]:
            raise WSError("moodle_exception", "completionnotenabled",
                          "Completion is not enabled for this course")
        if uid not in self.enrol[cid] or self.enrol[cid][uid]["role"] != "student":
            raise WSError("moodle_exception", "nottracked",
                          "User is not tracked by completion in this course")
        if cid not in self.criteria:
            raise WSError("moodle_exception", "nocriteriaset",
                          "No completion criteria set for this course")
        aggregation, titles = self.criteria[cid]
        items = self.completion.get((cid, uid)) or [[0, None]] * len(titles)
        comps = []
        for title, (state, t) in zip(titles, items):
            done = bool(state)
            comps.append({"type": 4, "title": "Activity completion",
                          "status": "Yes" if done else "No", "complete": done,
                          "timecompleted": t if done else None,
                          "details": {"type": "Activity completion", "criteria": title,
                                      "requirement": "Marking yourself complete",
                                      "status": ""}})
        complete = [c["complete"] for c in comps]
        completed = any(complete) if aggregation == 2 else all(complete)
        return {"completionstatus": {"completed": completed, "aggregation": aggregation,
                                     "completions": comps},
                "warnings": []}

    def ws_core_completion_get_activities_completion_status(self, p):
        cid = self._course_or_fail(p)
        uid = self._tracked(cid, p)
        if uid not in self.enrol[cid]:
            raise WSError("moodle_exception", "usernotenroled",
                          "The user is not enrolled in this course")
        items = self.completion.get((cid, uid))
        out = []
        for k, (cmid, mod, tracking) in enumerate(self.activities.get(cid, [])):
            state, t = items[k] if items else (0, None)
            if tracking == 0:
                state, t = 0, None
            out.append({"cmid": cmid, "modname": mod, "instance": cmid - 300,
                        "state": state, "timecompleted": t or 0, "tracking": tracking,
                        "overrideby": None, "valueused": tracking == 2,
                        "hascompletion": tracking > 0, "isautomatic": tracking == 2,
                        "istrackeduser": True, "uservisible": True, "details": []})
        return {"statuses": out, "warnings": []}

    def ws_core_cohort_get_cohorts(self, p):
        ids = p.get("cohortids") or []
        if not isinstance(ids, list):
            raise invalid_parameter("cohortids => a list")
        want = [as_int(x, "cohortids") for x in ids]
        out = []
        for cid, name in self.cohorts:
            if want and cid not in want:
                continue
            out.append({"id": cid, "name": name, "idnumber": "", "description": "",
                        "descriptionformat": 1, "visible": True, "theme": "",
                        "customfields": []})
        for w in want:
            if w not in [c[0] for c in self.cohorts]:
                raise WSError("dml_missing_record_exception", "invalidrecord",
                              "Can't find data record in database table cohort.")
        return out

    def _cohort_members(self, cid):
        students = sorted(u for u in self.users if u > 100)
        if cid == 1:
            return [u for u in students if u % 2 == 0]
        if cid == 2:
            return [u for u in students if u % 2 == 1]
        return [u for u in students if u % 5 == 0]

    def ws_core_cohort_get_cohort_members(self, p):
        ids = p.get("cohortids")
        if not isinstance(ids, list) or not ids:
            raise invalid_parameter("cohortids => Missing required key: cohortids")
        out = []
        for x in ids:
            cid = as_int(x, "cohortids")
            if cid in [c[0] for c in self.cohorts]:
                out.append({"cohortid": cid, "userids": self._cohort_members(cid)})
        return out

    # ---- Moodle's error pages ------------------------------------------------------

    def error_response(self, req, status, message):
        if status >= 500:
            return Response(status, {"Content-Type": "text/html; charset=utf-8"},
                            "<br />\n<b>Fatal error</b>:  %s in "
                            "<b>/var/www/moodle/lib/dml/moodle_database.php</b> "
                            "on line <b>%d</b><br />\n" % (message, 482))
        if status == 404:
            return Response(404, {"Content-Type": "text/html; charset=utf-8"},
                            "<!DOCTYPE html><html><head><title>404 Not Found</title>"
                            "</head><body><h1>Not Found</h1></body></html>")
        return json_response({"exception": "moodle_exception", "errorcode": "http%d" % status,
                              "message": message}, status)

    # ---- control ------------------------------------------------------------------

    def _pairs(self, key, value, need_time=False):
        if not isinstance(value, list):
            raise HTTPError(400, {"error": "bad_control", "message": key + ": a list"})
        out = []
        for it in value:
            if (not isinstance(it, dict) or it.get("course") not in self.courses
                    or it.get("user") not in self.users):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "%s: unknown course or user in %r" % (key, it)})
            out.append(it)
        return out

    def control(self, key, value):
        if key == "complete":
            for it in self._pairs(key, value):
                c, u = it["course"], it["user"]
                t = int(it.get("time", BASE + 30 * DAY))
                items = self.completion.get((c, u))
                if items is None:
                    raise HTTPError(400, {"error": "bad_control",
                                          "message": "complete: no completion for %r" % it})
                self.completion[(c, u)] = [[1, t] for _ in items]
            return True
        if key == "unenrol":
            for it in self._pairs(key, value):
                self.enrol[it["course"]].pop(it["user"], None)
            return True
        if key == "add_students":
            if not isinstance(value, int) or value < 0:
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "add_students: an integer >= 0"})
            n = max(u for u in self.users if u > 100) - 100 if len(self.users) > 2 else 0
            for i in range(n + 1, n + 1 + value):
                uid = 100 + i
                self._user(uid, FIRST[(i - 1) % len(FIRST)], LAST[(i * 7) % len(LAST)],
                           "Sales East" if i % 2 == 0 else "Sales West")
                self.enrol[2][uid] = {"role": "student", "active": True}
                self._init_completion(2, uid)
            return True
        if key == "expire_token":
            self.expired = bool(value)
            return True
        if key == "paging":
            if value not in (None, "ignore_limitfrom", "ignore_limitnumber"):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "paging: ignore_limitfrom, "
                                                 "ignore_limitnumber or null"})
            self.paging = value
            return True
        if key == "fail_after":
            if value is not None and (not isinstance(value, dict)
                                      or not isinstance(value.get("calls"), int)):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": 'fail_after: {"calls": N, "errorcode": E}'})
            self.fail_after = dict(value) if value else None
            return True
        if key == "disable_functions":
            if not isinstance(value, list):
                raise HTTPError(400, {"error": "bad_control",
                                      "message": "disable_functions: a list"})
            self.disabled = set(value)
            return True
        return False

    def dump(self):
        return {
            "courses": [self.courses[c] for c in sorted(self.courses)],
            "users": [self.users[u] for u in sorted(self.users)],
            "enrolments": {str(c): {str(u): e for u, e in sorted(self.enrol[c].items())}
                           for c in sorted(self.enrol)},
            "completion": {"%d:%d" % k: v for k, v in sorted(self.completion.items())},
            "criteria": {str(c): {"aggregation": a, "n": len(t)}
                         for c, (a, t) in self.criteria.items()},
            "activities": {str(c): [{"cmid": m, "tracking": t} for m, _, t in a]
                           for c, a in self.activities.items()},
        }


if __name__ == "__main__":
    Moodle.main()
