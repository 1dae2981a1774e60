#!/usr/bin/python3
"""The attacker's integer program: can everything a collector published be
solved for a withheld group of 1 to k-1 people?

Usage: privacy_audit.py PUBLISHED.json

PUBLISHED.json, written by the test "everything published over time, taken
together, pins no withheld group below k (integer program)":
  {"k": 5,
   "teams": ["finance", ...],            # the site's team tags
   "reasons": ["workload", ...],         # every reason the site's kiosks offer
   "first": "YYYY-MM-DD", "last": "YYYY-MM-DD",   # the days released
   "summaries": [<GET /v1/summary JSON>, ...],    # every answer, any period and team
   "truth": {"<team>|<period>|<measure>": n, ...}  # optional: true withheld figures

The unknowns are what the attacker cannot see: for every team and for the
untagged check-ins, every day, how many check-ins picked each score and how
many named each reason (non-negative integers; a reason is named by at most
as many check-ins as there are). Every published figure is an equation: a
period's count, its score counts where shown, its reasons where shown, and a
period that does not appear in a released range had no check-ins released. A
reason missing from a period is withheld or was named by nobody; a period
whose score counts are null had some withheld. Buddy requests are counted
apart and are not modelled.

For every withheld figure (a score count or a reason's count of a period) it
finds the smallest and the largest value consistent with all of that with
scipy's MILP solver (HiGHS) and fails when both lie in [1, k-1]: the figure
would be known to describe a small group. With "truth", it also fails when a
withheld figure that is really at least 1 cannot reach k, which rules out any
published sum or difference that pins a small group containing it. And a
reason shown in a period must leave 0 or at least k who did not name it.
Exit status 0 when nothing can be solved, 1 otherwise (printing each case).
"""
import datetime
import json
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix


def days_between(first, last):
    day = datetime.date.fromisoformat(first)
    end = datetime.date.fromisoformat(last)
    while day <= end:
        yield day.isoformat()
        day += datetime.timedelta(days=1)


def main():
    with open(sys.argv[1]) as f:
        published = json.load(f)
    k = published["k"]
    teams = list(published["teams"])
    series = teams + [""]  # "" stands for the untagged check-ins
    reasons = list(published["reasons"])
    days = list(days_between(published["first"], published["last"]))
    day_index = {d: i for i, d in enumerate(days)}

    measures = ["s1", "s2", "s3", "s4", "s5"] + ["r:" + r for r in reasons]
    var = {}
    for t in series:
        for d in days:
            for m in measures:
                var[(t, d, m)] = len(var)
    n = len(var)

    rows = []  # (coefficients {index: 1}, low, high)
    # A reason is named by at most the atom's number of check-ins.
    for t in series:
        for d in days:
            for r in reasons:
                coef = {var[(t, d, "r:" + r)]: 1}
                for s in range(1, 6):
                    coef[var[(t, d, "s%d" % s)]] = -1
                rows.append((coef, -np.inf, 0))

    def cells(team, start, end):
        members = series if team == "" else [team]
        return [(t, d) for t in members for d in days_between(start, end) if d in day_index]

    withheld = []  # (label, coefficients)
    shown_small = []  # figures shown that describe a small group
    seen_periods = {}
    for summary in published["summaries"]:
        team = summary["team"]
        covered = set()
        for p in summary["periods"]:
            covered.add(p["start"])
            where = cells(team, p["start"], p["end"])
            label = "%s|%s" % (team or "*", p["period"])
            count = {var[(t, d, "s%d" % s)]: 1 for (t, d) in where for s in range(1, 6)}
            rows.append((count, p["count"], p["count"]))
            for s in range(1, 6):
                coef = {var[(t, d, "s%d" % s)]: 1 for (t, d) in where}
                if p["per_score"] is None:
                    withheld.append((label + "|s%d" % s, coef))
                else:
                    rows.append((coef, p["per_score"][s - 1], p["per_score"][s - 1]))
            named = p["reasons"] or {}
            for r in reasons:
                coef = {var[(t, d, "r:" + r)]: 1 for (t, d) in where}
                if named.get(r) is None:
                    withheld.append((label + "|r:" + r, coef))
                else:
                    rows.append((coef, named[r], named[r]))
                    rest = p["count"] - named[r]
                    if 0 < rest < k:
                        shown_small.append("%s|r:%s leaves %d who did not name it"
                                           % (label, r, rest))
            seen_periods[label] = p
        # Periods of this kind inside the range asked for, fully released,
        # that do not appear: no check-ins released in them.
        kind = summary["period"]
        start = datetime.date.fromisoformat(summary["from"])
        end = min(datetime.date.fromisoformat(summary["to"]),
                  datetime.date.fromisoformat(published["last"]))
        day = start
        while day <= end:
            if kind == "day":
                period_end = day
            elif kind == "week":
                period_end = day + datetime.timedelta(days=6)
            else:
                period_end = None
            if period_end is not None and period_end <= end and day.isoformat() not in covered:
                where = cells(team, day.isoformat(), period_end.isoformat())
                coef = {var[(t, d, "s%d" % s)]: 1 for (t, d) in where for s in range(1, 6)}
                rows.append((coef, 0, 0))
            day = (period_end or end) + datetime.timedelta(days=1)

    matrix = lil_matrix((len(rows), n))
    low = np.empty(len(rows))
    high = np.empty(len(rows))
    for i, (coef, lo, hi) in enumerate(rows):
        for j, c in coef.items():
            matrix[i, j] = c
        low[i] = lo
        high[i] = hi
    constraints = LinearConstraint(matrix.tocsr(), low, high)
    integrality = np.ones(n)
    bounds = Bounds(np.zeros(n), np.full(n, np.inf))

    truth = published.get("truth", {})
    failures = list(shown_small)

    def solve(coef, sign):
        c = np.zeros(n)
        for j, v in coef.items():
            c[j] = sign * v
        result = milp(c, constraints=constraints, integrality=integrality, bounds=bounds)
        if result.status != 0:
            return None
        return int(round(sign * result.fun))

    for label, coef in withheld:
        lowest = solve(coef, 1)
        if lowest is None:
            failures.append("%s: the published figures contradict each other" % label)
            continue
        if lowest == 0 and label not in truth:
            continue
        # The largest value matters up to k: cap the search there.
        capped = LinearConstraint(np.array([[1.0 if j in coef else 0.0 for j in range(n)]]),
                                  -np.inf, k)
        c = np.zeros(n)
        for j in coef:
            c[j] = -1
        result = milp(c, constraints=[constraints, capped], integrality=integrality,
                      bounds=bounds)
        highest = int(round(-result.fun)) if result.status == 0 else None
        true = truth.get(label)
        if 1 <= lowest and highest is not None and highest <= k - 1:
            failures.append("%s is pinned to [%d, %d]" % (label, lowest, highest))
        elif true is not None and true >= 1 and highest is not None and highest < k:
            failures.append("%s (really %d) can be at most %d: some published sum pins a "
                            "group below %d" % (label, true, highest, k))

    print("audited %d withheld figures over %d unknowns and %d equations"
          % (len(withheld), n, len(rows)))
    for failure in failures:
        print("SOLVED: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
