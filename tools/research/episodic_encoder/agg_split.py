# pools split4096.jsonl over 2 seeds x 2 directions (each fact's paraphrases counted once per seed)
import json,collections
rows=[json.loads(l) for l in open('split4096.jsonl')]
agg=collections.defaultdict(lambda:[0,0,0,0,[],[]])
for r in rows:
    key=(r['name'].split('split')[0].rstrip('_').replace('_ON',''), r['char'])
    a=agg[key]; a[0]+=r['para_rec']*r['para_n']; a[1]+=r['para_n']; a[2]+=r['paraQ_rec']*r['paraQ_n']; a[3]+=r['paraQ_n']; a[4].append(r['unrel_oos_at_t_para95']); a[5].append(r['t_para95'])
for k,a in sorted(agg.items()):
    print(k, 'para@1 %.3f (n=%d)  paraQ@1 %.3f (n=%d)  OOS@t_p95 mean %.3f  t_p95 mean %.3f'%(a[0]/a[1],a[1],a[2]/a[3],a[3],sum(a[4])/len(a[4]),sum(a[5])/len(a[5])))
