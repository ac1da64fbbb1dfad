#!/usr/bin/env python3
"""fakectl: drive a running fake from a shell test (stdlib only).

    fakectl.py URL|PORT control JSON     merge settings / run actions; prints
                                         the new settings
    fakectl.py URL|PORT log [KIND]       the request log, one JSON line per
                                         request (KIND: api or token)
    fakectl.py URL|PORT stats [KEY]      all stats as JSON, or one value
                                         (dotted KEY, e.g. 429, tokens_issued,
                                         faults.reset; a missing count is 0)
    fakectl.py URL|PORT reset-log        clear the log and the stats
    fakectl.py URL|PORT data             the fake's current data (JSON)
    fakectl.py URL|PORT get PATH         GET any path, print the body

Exit status 0 on HTTP 2xx, 1 otherwise (the body goes to stderr), 2 on
usage errors.
"""

import json
import sys
import urllib.error
import urllib.request


def call(base, method, path, body=None):
    data = None if body is None else body.encode("utf-8")
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"}
                                 if data is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        sys.stderr.write("fakectl: %s %s -> %d %s\n"
                         % (method, path, e.code, e.read().decode("utf-8", "replace")))
        sys.exit(1)
    except (urllib.error.URLError, OSError) as e:
        sys.stderr.write("fakectl: %s: %s\n" % (base, e))
        sys.exit(1)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    base = argv[0]
    if base.isdigit():
        base = "http://127.0.0.1:" + base
    base = base.rstrip("/")
    cmd, rest = argv[1], argv[2:]
    if cmd == "control" and len(rest) == 1:
        try:
            json.loads(rest[0])
        except ValueError as e:
            sys.stderr.write("fakectl: control: not JSON: %s\n" % e)
            return 2
        print(call(base, "POST", "/_fake/control", rest[0]))
    elif cmd == "log" and len(rest) <= 1:
        path = "/_fake/log" + ("?kind=" + rest[0] if rest else "")
        for e in json.loads(call(base, "GET", path)):
            print(json.dumps(e, ensure_ascii=False))
    elif cmd == "stats" and len(rest) <= 1:
        s = json.loads(call(base, "GET", "/_fake/stats"))
        if not rest:
            print(json.dumps(s, indent=1))
            return 0
        v = s
        for part in rest[0].split("."):
            v = v.get(part, 0) if isinstance(v, dict) else 0
        print(v if isinstance(v, (int, float, str)) else json.dumps(v))
    elif cmd == "reset-log" and not rest:
        call(base, "POST", "/_fake/reset-log", "")
    elif cmd == "data" and not rest:
        print(call(base, "GET", "/_fake/data"))
    elif cmd == "get" and len(rest) == 1:
        print(call(base, "GET", rest[0]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
