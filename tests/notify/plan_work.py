#!/usr/bin/env python3
"""plan_work.py LOG LIMIT — the plans auto_explain wrote into the PostgreSQL server log LOG (with
auto_explain.log_analyze on and log_timing off): for each plan node its work, the rows it gave
(rows x loops) and the rows its filters removed (Rows Removed by Filter / Join Filter, per loop,
x loops). Prints one line per statement with its largest work and exits 1 when any node's work
exceeds LIMIT (a nested loop that reads a whole table for every row: the 100k notify cliff of
issue 16), naming the statement and the node. Exits 2 when LOG holds no plan."""
import re
import sys

log, limit = sys.argv[1], int(sys.argv[2])
plans, cur = [], None
for line in open(log, encoding="utf-8", errors="replace"):
    if re.search(r"\bLOG:  duration: [0-9.]+ ms  plan:", line):
        cur = {"query": "", "nodes": []}
        plans.append(cur)
        continue
    if cur is None:
        continue
    if not line.startswith("\t"):  # the next log entry
        cur = None
        continue
    text = line.strip()
    if text.startswith("Query Text:"):
        cur["query"] = text[len("Query Text:"):].strip()
        continue
    m = re.search(r"\(actual rows=(\d+) loops=(\d+)\)", text)
    if m:
        rows, loops = int(m.group(1)), int(m.group(2))
        cur["nodes"].append([text.split("  (cost=")[0].lstrip("-> "), rows * loops, loops])
        continue
    m = re.match(r"Rows Removed by (?:Join )?Filter: (\d+)", text)
    if m and cur["nodes"]:
        node = cur["nodes"][-1]
        node[1] = max(node[1], int(m.group(1)) * node[2])
if not plans:
    print("no plan in %s (auto_explain not loaded?)" % log)
    sys.exit(2)
bad = 0
for p in plans:
    if not p["nodes"]:
        continue
    node = max(p["nodes"], key=lambda n: n[1])
    over = node[1] > limit
    bad |= over
    print("%s work %d (%s): %s" % ("TOO MUCH" if over else "ok", node[1], node[0], p["query"][:160]))
sys.exit(1 if bad else 0)
