"""Tables for study 2 (--scope / --asset / --stories runs). Usage: python3 table2.py FILE.jsonl ...
[--gate-t 0.3] [--gate-of NAME,...]"""
import json, sys
args = sys.argv[1:]
gt = args[args.index('--gate-t') + 1] if '--gate-t' in args else '0.3'
gof = args[args.index('--gate-of') + 1].split(',') if '--gate-of' in args else None
files = [a for i, a in enumerate(args) if a.endswith('.jsonl')]
rows = [json.loads(l) for fn in files for l in open(fn)]
f3 = lambda x: f'{x:.3f}'
print('| weighting | prompt@1 | para@1 | paraQ@1 | unrel best p95 | para best p5 | unknown-subject prompt best p5/50/95 | @0.3 para-in/unrel-OOS |')
print('|---|---|---|---|---|---|---|---|')
for r in rows:
    print(f"| {r['name']} | {f3(r['prompt_rec'])} | {f3(r['para_rec'])} | {f3(r['paraQ_rec'])} | {r['unrel_best_p5_50_95'][2]:.2f} | "
          f"{r['para_best_p5_50_95'][0]:.2f} | {'/'.join(f'{x:.2f}' for x in r.get('unkP_best_p5_50_95', []))} | {r['@0.3'][0]:.3f}/{r['@0.3'][1]:.3f} |")
print()
if any('scope' in r for r in rows):
    ts = sorted(next(r for r in rows if 'scope' in r)['scope'])
    print('No gate, share in scope (score >= t): paraphrase | unknown subject, stored prompt wording | unknown subject, paraphrase wording | unrelated OOS')
    print('| weighting | ' + ' | '.join(f't={t} para-in / unkP-in / unkQ-in / unrel-OOS' for t in ts) + ' |')
    print('|---|' + '---|' * len(ts))
    for r in rows:
        if 'scope' in r:
            print(f"| {r['name']} | " + ' | '.join('/'.join(f'{x:.3f}' for i, x in enumerate(r['scope'][t]) if i != 1) for t in ts) + ' |')
    print()
    for r in rows:
        if 'gate' not in r or (gof and r['name'] not in gof):
            continue
        print(f"Gate, {r['name']}, t = {gt}: paraphrase in | paraphrase correct & in | unknown prompt OOS | unknown paraphrase OOS | unrelated OOS")
        print('| gate | para in | para correct&in | unkP OOS | unkQ OOS | unrel OOS |')
        print('|---|---|---|---|---|---|')
        s = r['scope'][gt]
        print(f"| none | {s[0]:.3f} | {s[1]:.3f} | {1 - s[2]:.3f} | {1 - s[3]:.3f} | {s[4]:.3f} |")
        for g, v in r['gate'].items():
            print(f"| {g} | " + ' | '.join(f'{x:.3f}' for x in v[gt]) + ' |')
        print()
