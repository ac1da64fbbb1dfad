#!/usr/bin/env python3
"""Writes an N-row leads CSV for the csv import benchmark.

    python3 bench/gen_leads.py OUT.csv [N]      # N defaults to 1,000,000

The rows look like config/demo/leads.csv (same header, so the csv plugin
maps them with its defaults) and carry what makes parsing cost something:
quoted companies with commas, doubled quotes, multi-line notes, names
outside ASCII, spreadsheet dates and ISO date-times, CRLF line ends.
Deterministic: a fixed seed, so every run of the benchmark reads the same
bytes. About 150 bytes a row (~150 MB for a million).
"""
import random
import sys

HEADER = ("Lead ID,First Name,Last Name,Email,Company,Job Title,Phone,Lead Source,"
          "Status,Owner,Created,Last Contacted,Notes\r\n")
FIRST = ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda",
         "José", "Zoë", "Łukasz", "山田", "Chloé", "Björn", "Ana", "Wei", "Aiko", "Kwame"]
LAST = ["Smith", "Johnson", "Garcia", "Nguyen", "Patel", "O'Brien", "Wiśniewski", "太郎",
        "Müller", "Rossi", "Kim", "Larsen", "Mensah", "Silva"]
COMPANIES = ["Acme Logistics", "Globex", "Initech", "\"Hooli, Inc.\"", "Umbrella Health",
             "\"The \"\"Big\"\" Data Co.\"", "Müller Maschinenbau GmbH", "Pied Piper",
             "\"Stark, Wayne & Partners\"", "Nordisk Data AS"]
TITLES = ["CEO", "CTO", "VP Sales", "IT Manager", "Data Analyst", ""]
CHANNELS = ["Web", "Referral", "Trade show", "Paid search", "Outbound", "Partner"]
STATUSES = ["New", "Contacted", "Qualified", "Not interested", "Converted"]
NOTES = ["", "", "", "Asked for pricing", "\"Budget approved.\r\nCFO decides.\"",
         "\"Wants a demo, \"\"next quarter\"\"\""]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: gen_leads.py OUT.csv [N]")
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    rng = random.Random(42)
    # Draw from small pools of pre-built pieces: generation stays fast
    # (a few seconds per million rows) and the file stays realistic.
    firsts = [rng.choice(FIRST) for _ in range(997)]
    lasts = [rng.choice(LAST) for _ in range(991)]
    comps = [rng.choice(COMPANIES) for _ in range(983)]
    titles = [rng.choice(TITLES) for _ in range(977)]
    chans = [rng.choice(CHANNELS) for _ in range(971)]
    stats = [rng.choice(STATUSES) for _ in range(967)]
    notes = [rng.choice(NOTES) for _ in range(953)]
    created = ["%d/%d/2026" % (rng.randint(1, 12), rng.randint(1, 28)) for _ in range(947)]
    touched = ["2026-%02d-%02d %02d:%02d" % (rng.randint(1, 12), rng.randint(1, 28),
                                             rng.randint(8, 18), rng.randint(0, 59))
               for _ in range(941)]
    phones = ["+1 %03d %03d %04d" % (rng.randint(200, 989), rng.randint(200, 999),
                                     rng.randint(0, 9999)) for _ in range(937)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        buf = []
        for i in range(1, n + 1):
            buf.append("L%07d,%s,%s,lead%d@example.com,%s,%s,%s,%s,%s,r%02d,%s,%s,%s\r\n" % (
                i, firsts[i % 997], lasts[i % 991], i, comps[i % 983], titles[i % 977],
                phones[i % 937], chans[i % 971], stats[i % 967], i % 8 + 1,
                created[i % 947], touched[i % 941], notes[i % 953]))
            if len(buf) == 10000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))


if __name__ == "__main__":
    main()
