import json, sys
rows = []
for fn in sys.argv[1:]:
    for l in open(fn):
        rows.append(json.loads(l))
print('| weighting | C | char | subl | prompt@1 | para@1 (n) | paraQ@1 (n) | para best p5/50/95 | unrel best p5/50/95 | t_p95 | unrel OOS@t_p95 | t_u95 | para in@t_u95 | paraQ in@t_u95 | @0.2 para-in/unrel-OOS |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for r in rows:
    print(f"| {r['name']} | {r['C']} | {'w+c' if r['char'] else 'w'} | {'y' if r.get('sublinear') else 'n'} | {r['prompt_rec']:.3f} | {r['para_rec']:.3f} ({r['para_n']}) | {r['paraQ_rec']:.3f} ({r['paraQ_n']}) | "
          f"{'/'.join(f'{x:.2f}' for x in r['para_best_p5_50_95'])} | {'/'.join(f'{x:.2f}' for x in r['unrel_best_p5_50_95'])} | "
          f"{r['t_para95']:.3f} | {r['unrel_oos_at_t_para95']:.3f} | {r['t_unrel95']:.3f} | {r['para_in_at_t_unrel95']:.3f} | {r['paraQ_in_at_t_unrel95']:.3f} | {r['@0.2'][0]:.3f}/{r['@0.2'][1]:.3f} |")
