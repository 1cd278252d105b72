"""Fixed hashed n-gram encoder study. Usage: python3 study.py [--quick] [--only NAME,...]
Writes results.jsonl (one JSON line per config) and prints a table."""
import re, math, random, collections, json, sys, hashlib, time, os
from data import SH, build, fact_sentence

D = build()
FACTS = D['facts']
NF = len(FACTS)
WORD_RE = re.compile(r'\w+')


def words_of(s):
    return WORD_RE.findall(s.lower())


def char_grams(w):
    x = '<' + w + '>'
    out = []
    for n in (3, 4, 5):
        for i in range(len(x) - n + 1):
            out.append(x[i:i + n])
    return out


_FCACHE = {}


def feats(s):
    """-> (Counter of word features, Counter of char features, feat->words map)."""
    if s in _FCACHE:
        return _FCACHE[s]
    ws = words_of(s)
    wf = collections.Counter(); cf = collections.Counter(); fw = {}
    for w in ws:
        k = 'w:' + w; wf[k] += 1; fw[k] = (w,)
        for g in char_grams(w):
            k = 'c:' + g; cf[k] += 1
            fw[k] = fw.get(k, ()) + (w,) if w not in fw.get(k, ()) else fw[k]
    for a, b in zip(ws, ws[1:]):
        k = 'b:' + a + ' ' + b; wf[k] += 1; fw[k] = (a, b)
    r = (wf, cf, fw)
    _FCACHE[s] = r
    return r


_HCACHE = {}


def hsh(k, C):
    key = (k, C)
    if key not in _HCACHE:
        h = int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), 'little')
        _HCACHE[key] = (h % C, 1.0 if (h >> 40) & 1 else -1.0)
    return _HCACHE[key]


# ---------------- document frequencies ----------------
_DFC = {}


def df_of(docs):
    key = tuple(docs)
    if key in _DFC:
        return _DFC[key]
    df = collections.Counter()
    for d in docs:
        wf, cf, _ = feats(d)
        df.update(set(wf) | set(cf))
    _DFC[key] = (df, len(docs))
    return df, len(docs)


def idf_fn(df, N, variant='smooth'):
    """smooth: log((1+N)/(1+df)) + 1 (sklearn); nosmooth1: log((1+N)/(1+df)) (ubiquitous -> 0);
    unseen features get the max value automatically (df=0)."""
    if variant == 'smooth':
        return lambda k: math.log((1 + N) / (1 + df.get(k, 0))) + 1.0
    if variant == 'plain':
        return lambda k: math.log((1 + N) / (1 + df.get(k, 0)))
    raise ValueError(variant)


# stopword ranks from books (held-out corpus, token frequency)
_wc = collections.Counter()
for d in D['book_docs_para']:
    _wc.update(words_of(d))
BOOK_RANK = [w for w, _ in _wc.most_common()]


def stop_factor(N, factor):
    S = set(BOOK_RANK[:N])
    return lambda w: factor if w in S else 1.0


def template_texts(rels):
    out = []
    for r in rels:
        for t in D['tmpl'].get(r, []):
            out.append(t.replace('{}', ' '))
        if r in D['qt']:
            out.append(D['qt'][r].replace('{}', ' '))
    return out


def template_word_factor(rels, factor):
    S = set()
    for t in template_texts(rels):
        S.update(words_of(t))
    return lambda w: factor if w in S else 1.0


def gpt2_rank_factor(floor=0.0):
    """Fixed, corpus-free proxy of word frequency: GPT-2 BPE token id of ' word' (ids follow merge
    order, i.e. roughly frequency). factor = log(1+id)/log(50257); words that are not a single
    GPT-2 token (rare words, most names) get 1.0."""
    enc = json.load(open(os.path.join(SH, 'gpt2_bpe/encoder.json')))
    L = math.log(50257)
    def f(w):
        r = enc.get('\u0120' + w)
        if r is None:
            r = enc.get('\u0120' + w.capitalize())
        if r is None:
            return 1.0
        return max(floor, math.log(1 + r) / L)
    return f


# ---------------- encoder ----------------
class Enc:
    def __init__(self, C=4096, use_char=True, idf=None, wfac=None, sublinear=False, char_w=1.0):
        self.C, self.use_char, self.idf, self.wfac, self.sub, self.char_w = C, use_char, idf, wfac, sublinear, char_w

    def weight(self, k, ws):
        w = 1.0
        if self.idf is not None:
            w *= self.idf(k)
        if self.wfac is not None:
            # unigram / char n-gram: factor of its word; bigram: max of the two words' factors
            # (char n-grams shared by several words of the text: max over those words)
            w *= max(self.wfac(x) for x in ws)
        return w

    def block(self, cnt, fw):
        v = {}
        for k, c in cnt.items():
            tf = (1.0 + math.log(c)) if self.sub else float(c)
            x = tf * self.weight(k, fw[k])
            if x == 0.0:
                continue
            d, s = hsh(k, self.C)
            v[d] = v.get(d, 0.0) + s * x
        n = math.sqrt(sum(x * x for x in v.values()))
        return {d: x / n for d, x in v.items()} if n > 0 else {}

    def encode(self, s):
        wf, cf, fw = feats(s)
        v = self.block(wf, fw)
        if self.use_char:
            c = self.block(cf, fw)
            for d, x in c.items():
                v[d] = v.get(d, 0.0) + self.char_w * x
        n = math.sqrt(sum(x * x for x in v.values()))
        return {d: x / n for d, x in v.items()} if n > 0 else {}


# ---------------- evaluation ----------------
def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    f = math.floor(k); c = math.ceil(k)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def evaluate(enc, para_filter=None):
    mem = [enc.encode(fact_sentence(f)) for f in FACTS]
    post = collections.defaultdict(list)
    for i, v in enumerate(mem):
        for d, x in v.items():
            post[d].append((i, x))

    def best(q):
        sc = [0.0] * NF
        for d, x in enc.encode(q).items():
            for i, y in post.get(d, ()):
                sc[i] += x * y
        b = max(range(NF), key=sc.__getitem__)
        return b, sc[b]

    def best_other_subject(i, q):
        """best score among facts whose subject differs from fact i's: a query about an
        unknown subject phrased like the stored facts ("neighbourhood" query)."""
        sc = [0.0] * NF
        for d, x in enc.encode(q).items():
            for j, y in post.get(d, ()):
                sc[j] += x * y
        subj = FACTS[i]['subject']
        return max(s for j, s in enumerate(sc) if FACTS[j]['subject'] != subj)

    res = {}
    pr = [best(q) for i, q in D['prompt_q']]
    res['prompt_rec'] = sum(b == i for (i, _), (b, s) in zip(D['prompt_q'], pr)) / len(pr)
    pq = [(i, q) for i, q in D['para_q'] if para_filter is None or para_filter(i)]
    pb = [best(q) for i, q in pq]
    res['para_n'] = len(pq)
    res['para_rec'] = sum(b == i for (i, _), (b, s) in zip(pq, pb)) / len(pb)
    # subject-level: hit any fact with the same subject (14 subjects occur in >1 fact)
    res['para_rec_subj'] = sum(FACTS[b]['subject'] == FACTS[i]['subject'] for (i, _), (b, s) in zip(pq, pb)) / len(pb)
    qq = [(i, q) for i, q in D['paraQ_q'] if para_filter is None or para_filter(i)]
    qb = [best(q) for i, q in qq]
    res['paraQ_n'] = len(qq)
    res['paraQ_rec'] = sum(b == i for (i, _), (b, s) in zip(qq, qb)) / max(1, len(qb))
    ub = [best(q)[1] for q in D['unrel_q']]
    ps = [s for b, s in pb]
    qs = [s for b, s in qb]
    res['para_best_p5_50_95'] = [round(pct(ps, p), 3) for p in (5, 50, 95)]
    res['paraQ_best_p5_50_95'] = [round(pct(qs, p), 3) for p in (5, 50, 95)] if qs else None
    res['unrel_best_p5_50_95'] = [round(pct(ub, p), 3) for p in (5, 50, 95)]
    t1 = pct(ps, 5)            # >= 95 % paraphrases in scope (score >= t1)
    res['t_para95'] = round(t1, 3)
    res['unrel_oos_at_t_para95'] = sum(u < t1 for u in ub) / len(ub)
    t2 = pct(ub, 95)           # >= 95 % unrelated out of scope (score <= t2)
    res['t_unrel95'] = round(t2, 3)
    res['para_in_at_t_unrel95'] = sum(s > t2 for s in ps) / len(ps)
    res['paraQ_in_at_t_unrel95'] = sum(s > t2 for s in qs) / max(1, len(qs))
    if os.environ.get('NEIGH'):
        nb = [best_other_subject(i, q) for i, q in D['prompt_q']]
        res['neigh_prompt_best_p5_50_95'] = [round(pct(nb, p), 3) for p in (5, 50, 95)]
        res['neigh_oos_at_t_para95'] = sum(u < t1 for u in nb) / len(nb)
        res['neigh_oos_at'] = {t: round(sum(u < t for u in nb) / len(nb), 3) for t in (0.3, 0.35, 0.4, 0.45, 0.5)}
    for t in (0.15, 0.2, 0.25, 0.3):
        res[f'@{t}'] = [round(sum(s >= t for s in ps) / len(ps), 3), round(sum(u < t for u in ub) / len(ub), 3)]
    return res


# ---------------- weightings ----------------
def weightings():
    W = {}
    W['a_none'] = lambda: dict()
    fact_docs = [fact_sentence(f) for f in FACTS]
    W['b_self_idf'] = lambda: dict(idf=idf_fn(*df_of(fact_docs)))
    W['c_books_idf_para'] = lambda: dict(idf=idf_fn(*df_of(D['book_docs_para'])))
    W['c_books_idf_win20'] = lambda: dict(idf=idf_fn(*df_of(D['book_docs_win'])))
    W['c_books_idf_para_plain'] = lambda: dict(idf=idf_fn(*df_of(D['book_docs_para']), variant='plain'))
    rels = sorted(D['tmpl'])
    W['d_tmpl_idf_all'] = lambda: dict(idf=idf_fn(*df_of(template_texts(sorted(set(rels) | set(D['qt']))))))
    for N in (100, 300, 1000):
        W[f'e_stop{N}_x0.1'] = (lambda N=N: dict(wfac=stop_factor(N, 0.1)))
    W['e_stop300_x0'] = lambda: dict(wfac=stop_factor(300, 0.0))
    W['f_booksidf_x_stop300'] = lambda: dict(idf=idf_fn(*df_of(D['book_docs_para'])), wfac=stop_factor(300, 0.1))
    W['f_booksidf_x_tmplwords_all'] = lambda: dict(idf=idf_fn(*df_of(D['book_docs_para'])),
                                                    wfac=template_word_factor(sorted(set(rels) | set(D['qt'])), 0.1))
    W['f_stop300_x_tmplwords_all'] = lambda: dict(wfac=lambda w, a=stop_factor(300, 0.1), b=template_word_factor(sorted(set(rels) | set(D['qt'])), 0.1): min(a(w), b(w)))
    W['h_gpt2rank'] = lambda: dict(wfac=gpt2_rank_factor())
    W['h_gpt2rank_x_booksidf'] = lambda: dict(wfac=gpt2_rank_factor(), idf=idf_fn(*df_of(D['book_docs_win'])))
    for seed in (0, 1, 2):
        def g(seed=seed):
            rng = random.Random(seed)
            sub = rng.sample(fact_docs, NF // 10)
            return dict(idf=idf_fn(*df_of(sub)))
        W[f'g_frozen10pct_seed{seed}'] = g
    return W


def split_runs():
    """Template knowledge from half of the relations, evaluated on paraphrases of facts of the other half."""
    allrels = sorted(set(D['tmpl']) | set(D['qt']))
    out = {}
    for seed in (0, 1):
        rng = random.Random(100 + seed)
        r = allrels[:]; rng.shuffle(r)
        A = set(r[:len(r) // 2]); B = set(r) - A
        for name, (train, test) in (('AtoB', (A, B)), ('BtoA', (B, A))):
            filt = (lambda i, test=test: FACTS[i]['relation_id'] in test)
            out[f'd_tmpl_idf_split{seed}{name}'] = (lambda train=train: dict(idf=idf_fn(*df_of(template_texts(sorted(train))))), filt)
            out[f'f_booksidf_x_tmplwords_split{seed}{name}'] = (lambda train=train: dict(idf=idf_fn(*df_of(D['book_docs_para'])), wfac=template_word_factor(sorted(train), 0.1)), filt)
            out[f'd_tmpl_idf_all_ON_split{seed}{name}'] = (lambda: dict(idf=idf_fn(*df_of(template_texts(allrels)))), filt)
            out[f'c_books_idf_para_ON_split{seed}{name}'] = (lambda: dict(idf=idf_fn(*df_of(D['book_docs_para']))), filt)
            out[f'b_self_idf_ON_split{seed}{name}'] = (lambda: dict(idf=idf_fn(*df_of([fact_sentence(f) for f in FACTS]))), filt)
            out[f'a_none_ON_split{seed}{name}'] = (lambda: dict(), filt)
    return out


if __name__ == '__main__':
    args = sys.argv[1:]
    only = None
    if '--only' in args:
        only = args[args.index('--only') + 1].split(',')
    Cs = [4096]
    if '--C' in args:
        Cs = [int(x) for x in args[args.index('--C') + 1].split(',')]
    chars = [True, False]
    if '--char' in args:
        chars = [args[args.index('--char') + 1] == '1']
    subl = '--sublinear' in args
    out = args[args.index('--out') + 1] if '--out' in args else 'results.jsonl'
    W = {k: (v, None) for k, v in weightings().items()}
    if '--split' in args:
        W = split_runs()
    cache = {}
    for name, (mk, filt) in W.items():
        if only and not any(name.startswith(o) for o in only):
            continue
        kw = mk()
        for C in Cs:
            for ch in chars:
                t0 = time.time()
                enc = Enc(C=C, use_char=ch, sublinear=subl, **kw)
                r = evaluate(enc, filt)
                r.update(name=name, C=C, char=ch, sublinear=subl, secs=round(time.time() - t0, 1))
                print(json.dumps(r), flush=True)
                with open(out, 'a') as fo:
                    fo.write(json.dumps(r) + '\n')
