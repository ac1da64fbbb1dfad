#!/usr/bin/env python3
"""Writes the demo spreadsheets of config/demo/ for the csv plugin.

The company is Brightwave, a small B2B software vendor with eight reps in
three teams. The files look like what a sales team exports from its
spreadsheets: mixed date formats, amounts with currency signs and thousands
separators, messy emails, a company name with a comma, multi-line notes and
names outside ASCII.

Deterministic (fixed seed, no clock): running it twice gives the same bytes.

    python3 tools/gen_demo.py [OUTDIR]      # default: config/demo
"""
import csv
import os
import random
import sys
import unicodedata
from datetime import date, timedelta

SEED = 2026
YEAR = 2026
TODAY = date(YEAR, 12, 1)  # the demo's "now": closed deals closed before it

REPS = [
    # id, name, email, team, active
    ("r01", "Maya Chen", "maya.chen@brightwave.example", "East", "Yes"),
    ("r02", "Daniel Okafor", "daniel.okafor@brightwave.example", "East", "Yes"),
    ("r03", "Priya Raman", "priya.raman@brightwave.example", "East", "Yes"),
    ("r04", "Jake Morrison", "jake.morrison@brightwave.example", "West", "Yes"),
    ("r05", "Sofia Álvarez", "sofia.alvarez@brightwave.example", "West", "Yes"),
    ("r06", "Tom Becker", "tom.becker@brightwave.example", "West", "No"),
    ("r07", "Łukasz Nowak", "lukasz.nowak@brightwave.example", "EMEA", "Yes"),
    ("r08", "Claire Dubois", "claire.dubois@brightwave.example", "EMEA", "Yes"),
]
TEAM_CURRENCY = {"East": "USD", "West": "USD", "EMEA": "EUR"}

FIRST = ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda",
         "William", "Elizabeth", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
         "Chris", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark",
         "Sandra", "Steven", "Ashley", "Paul", "Emily", "Andrew", "Michelle", "Kevin", "Amanda",
         "Brian", "Melissa", "George", "Laura", "Ryan", "Rebecca", "Oliver", "Amelia",
         "Noah", "Ava", "Ethan", "Mia", "Lucas", "Harper", "Arjun", "Ananya", "Wei", "Mei",
         "Hiroshi", "Aiko", "Kwame", "Amara", "Lars", "Ingrid", "Mateo", "Valentina"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas",
        "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark",
        "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen",
        "Hill", "Green", "Adams", "Baker", "Nelson", "Patel", "Singh", "Kim", "Wang", "Sato",
        "Mensah", "Larsen", "Fischer", "Rossi", "Silva", "O'Brien", "Kowalski"]
# Names outside ASCII, used for about one lead in eight.
UNICODE_PEOPLE = [
    ("José", "García"), ("Zoë", "Whitfield"), ("Łukasz", "Wiśniewski"), ("山田", "太郎"),
    ("François", "Lefèvre"), ("Björn", "Åström"), ("Søren", "Kierkegaard-Møller"),
    ("Chloé", "Dubois"), ("Mehmet", "Yılmaz"), ("Ana", "Conceição"), ("Jürgen", "Groß"),
    ("Nuño", "Peña"), ("佐藤", "花子"), ("Antonín", "Dvořák"), ("Renée", "Zellweger-Núñez"),
]
COMPANIES = ["Acme Logistics", "Globex", "Initech", "Umbrella Health", "Stark Freight",
             "Wayne Biotech", "Vandelay Industries", "Soylent Foods", "Tyrell Systems",
             "Cyberdyne Robotics", "Wonka Confections", "Aperture Labs", "Pied Piper",
             "Hooli, Inc.", "Dunder Mifflin Paper", "Prestige Worldwide", "Gringotts Ltd",
             "Massive Dynamic", "Oceanic Air", "Blue Sun Corp", "Nakatomi Trading",
             "Bluth Company", "Monarch Solutions", "Sterling Cooper", "Krusty Foods",
             "Duff Brewing", "Ollivander & Sons", "Stratton Oakmont", "Zorg Industries",
             "Weyland Mining", "Müller Maschinenbau GmbH", "Société Générale d'Études",
             "Nordisk Data AS", "Kowalski i Synowie", "\"Big\" Data Co."]
TITLES = ["CEO", "CTO", "VP Sales", "Head of Operations", "IT Manager", "Procurement Lead",
          "Director of Marketing", "Data Analyst", "COO", "Founder", "Sales Ops Manager",
          "", ""]
CHANNELS = [("Web", 30), ("Referral", 15), ("Trade show", 10), ("Paid search", 20),
            ("Outbound", 15), ("Partner", 10)]
STATUSES = [("New", 25), ("Contacted", 25), ("Qualified", 20), ("Not interested", 15),
            ("Converted", 15)]
NOTES = [
    "",
    "",
    "",
    "Asked for pricing",
    "Met at SaaStr booth",
    "Wants a demo next quarter",
    "Budget approved for Q3.\nDecision maker is the CFO.",
    "Called twice, no answer.\nTry email instead.",
    "Evaluating us against two competitors, \"price-sensitive\"",
    "Referred by an existing customer; very warm lead",
    "Needs SSO and an EU data residency option",
]
DEAL_WORDS = ["Platform", "Analytics", "Expansion", "Renewal", "Pilot", "Enterprise",
              "Team plan", "Add-on seats", "Onboarding", "Integration"]
STAGES = [("Prospecting", 15), ("Proposal", 20), ("Negotiation", 15), ("Closed Won", 30),
          ("Closed Lost", 20)]
STAGE_PROB = {"Prospecting": "10%", "Proposal": "40%", "Negotiation": "70%",
              "Closed Won": "100%", "Closed Lost": "0%"}
SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£"}


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def ascii_word(s):
    """"Société Générale" -> "societegenerale", for made-up email addresses."""
    s = unicodedata.normalize("NFKD", s.lower())
    return "".join(ch for ch in s if ch.isascii() and ch.isalnum())


def fmt_date(rng, d, with_time=False):
    """One of the formats people's spreadsheets end up with."""
    style = rng.random()
    if style < 0.5:
        s = "%d/%d/%d" % (d.month, d.day, d.year)          # 11/26/2026
    elif style < 0.85:
        s = d.isoformat()                                   # 2026-11-26
    else:
        s = d.strftime("%b ") + "%d, %d" % (d.day, d.year)  # Nov 26, 2026
    if with_time and style >= 0.5 and style < 0.85:
        s += " %02d:%02d" % (rng.randint(8, 18), rng.choice([0, 15, 30, 45]))
    return s


def fmt_money(amount_minor, currency, with_symbol):
    major, minor = divmod(amount_minor, 100)
    s = "{:,}.{:02d}".format(major, minor)
    return SYMBOL[currency] + s if with_symbol else s


def write(path, header, rows, bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def gen_reps(out):
    write(os.path.join(out, "reps.csv"), ["Rep ID", "Name", "Email", "Team", "Active"],
          [list(r) for r in REPS])


def gen_leads(rng, out, n=300):
    rows = []
    leads = []
    for i in range(1, n + 1):
        if rng.random() < 0.12:
            first, last = rng.choice(UNICODE_PEOPLE)
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        domain = ascii_word(company)[:18]
        local = ascii_word(first[0] + last)
        email = "%s.%d@%s.example" % (local or "contact", i, domain)
        mess = rng.random()
        if mess < 0.06:
            email = email.upper()
        elif mess < 0.10:
            email = "  " + email[0].upper() + email[1:] + " "
        elif mess < 0.13:
            email = ""
        created = date(YEAR, 1, 5) + timedelta(days=rng.randint(0, 320))
        status = weighted(rng, STATUSES)
        contacted = ""
        if status != "New":
            contacted = fmt_date(rng, created + timedelta(days=rng.randint(1, 30)), True)
        owner = "" if rng.random() < 0.05 else rng.choice(REPS)[0]
        phone = "" if rng.random() < 0.3 else "+1 %03d %03d %04d" % (
            rng.randint(200, 989), rng.randint(200, 999), rng.randint(0, 9999))
        lead_id = "L%04d" % i
        rows.append([lead_id, first, last, email, company, rng.choice(TITLES), phone,
                     weighted(rng, CHANNELS), status, owner, fmt_date(rng, created),
                     contacted, rng.choice(NOTES)])
        leads.append((lead_id, company, owner, status, created))
    write(os.path.join(out, "leads.csv"),
          ["Lead ID", "First Name", "Last Name", "Email", "Company", "Job Title", "Phone",
           "Lead Source", "Status", "Owner", "Created", "Last Contacted", "Notes"],
          rows, bom=True)
    return leads


def gen_deals(rng, out, leads, n=80):
    rep_team = {r[0]: r[3] for r in REPS}
    pool = [l for l in leads if l[3] in ("Qualified", "Converted")] or leads
    rows = []
    for i in range(1, n + 1):
        lead_id, company, owner, _, created = rng.choice(pool)
        owner = owner or rng.choice(REPS)[0]
        stage = weighted(rng, STAGES)
        currency = TEAM_CURRENCY[rep_team[owner]]
        if currency == "EUR" and rng.random() < 0.35:
            currency = "GBP"
        amount = rng.choice([2500, 4800, 7500, 9900, 12500, 18000, 24000, 36000, 48500,
                             60000, 95000, 120000]) * 100 + rng.choice([0, 0, 0, 50, 99])
        opened = created + timedelta(days=rng.randint(3, 40))
        close = opened + timedelta(days=rng.randint(20, 120))
        if stage.startswith("Closed"):
            close = min(close, TODAY - timedelta(days=rng.randint(1, 20)))
            opened = min(opened, close - timedelta(days=14))
        else:
            close = max(close, TODAY + timedelta(days=rng.randint(7, 75)))
        rows.append(["D%03d" % i,
                     "%s - %s" % (company, rng.choice(DEAL_WORDS)),
                     lead_id, owner, stage,
                     fmt_money(amount, currency, rng.random() < 0.6),
                     currency, STAGE_PROB[stage], fmt_date(rng, close), fmt_date(rng, opened)])
    write(os.path.join(out, "deals.csv"),
          ["Deal ID", "Deal Name", "Lead ID", "Owner", "Stage", "Amount", "Currency",
           "Probability", "Close Date", "Created"], rows)


def gen_quotas(rng, out):
    rows = []
    for rep_id, _, email, team, active in REPS:
        base = {"East": 50000, "West": 45000, "EMEA": 40000}[team]
        base += rng.choice([-5000, 0, 0, 5000, 10000])
        currency = TEAM_CURRENCY[team]
        for month in range(1, 13):
            if active == "No" and month > 6:
                continue  # left mid-year
            q = base + (5000 if month in (3, 6, 9, 12) else 0)  # quarter-end push
            rows.append([email, "%d-%02d" % (YEAR, month), currency,
                         fmt_money(q * 100, currency, True)])
    write(os.path.join(out, "quotas.csv"), ["Rep Email", "Month", "Currency", "Quota"], rows)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "config", "demo")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)
    gen_reps(out)
    leads = gen_leads(rng, out)
    gen_deals(rng, out, leads)
    gen_quotas(rng, out)


if __name__ == "__main__":
    main()
