#!/usr/bin/env python3
"""The router's trade-off from one engram-edit-eval run (docs/editing.md §3).

    python3 tools/editing/route_tradeoff.py DUMP.tsv --act-ratio 0.88

DUMP.tsv is engram-edit-eval --dump. Memory thresholds scale with act_ratio, so one run at
act_ratio A gives every other act_ratio a: a memory passes its activation check when
ratio * A / a > 1. For each gate threshold tau and act_ratio a, prints:
  gen  share of paraphrases whose own memory passes (key >= tau and the activation check)
       and whose perfect-router continuation starts with the target (an upper bound on Gen:
       another memory passing with a higher key would take the request);
  loc  share of unrelated prompts whose nearest memory passes (routed: their output changes).
Standard library only.
"""
import argparse
import csv
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dump")
    parser.add_argument("--act-ratio", type=float, required=True,
                        help="the act_ratio the dump was made with")
    args = parser.parse_args()
    gen, loc = [], []
    with open(args.dump, newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row[0] == "gen":
                gen.append((float(row[2]), float(row[3]), row[5] == "1"))
            elif row[0] == "loc":
                loc.append((float(row[2]), float(row[3])))
    if not gen or not loc:
        sys.exit("no gen/loc lines in the dump")
    taus = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]
    acts = [0.0, 0.3, 0.5, 0.7, 0.88, 1.0]
    print(f"{len(gen)} paraphrases, {len(loc)} unrelated prompts; cells: gen / loc-routed")
    print("tau \\ act " + "".join(f"{a:>15}" for a in acts))
    for tau in taus:
        cells = []
        for a in acts:
            def passes(key, ratio):
                return key >= tau and (a == 0.0 or ratio * args.act_ratio / a > 1.0)
            g = sum(1 for key, ratio, hit in gen if hit and passes(key, ratio)) / len(gen)
            l = sum(1 for key, ratio in loc if passes(key, ratio)) / len(loc)
            cells.append(f"{g:.3f} / {l:.4f}")
        print(f"{tau:<10}" + "".join(f"{c:>15}" for c in cells))


if __name__ == "__main__":
    main()
