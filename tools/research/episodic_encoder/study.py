"""Fixed hashed n-gram encoder study. Usage: python3 study.py [--only NAME,...] [--C 4096,...]
[--char 0|1] [--sublinear] [--out FILE] [--split] [--stories DIR] [--asset] [--scope]
Writes results.jsonl (one JSON line per config) and prints a table.
  --stories DIR  add i_* weightings: IDF over DIR/*.txt (one document a file; gen_stories.sh makes
                 stories from the project's own model)
  --asset        add shippable-table variants of the IDF weightings: NAME~q8 (per-feature IDF
                 quantised to 8 bits), NAME~b18q8 / NAME~b20q8 / NAME~b20 (df per hashed bucket,
                 2^18 or 2^20 buckets, hash independent of the code hash; q8: 8-bit IDF)
  --scope        add unknown-subject queries (each fact's prompt / paraphrases scored against the
                 memory without that subject's facts) and the subject-overlap gate grid"""
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


def bucket_of(k, B):
    """Bucket for the IDF table: blake2b keyed differently from the code hash (independent)."""
    h = int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8, person=b'engram-idf').digest(), 'little')
    return h % B


_BDFC = {}


def bucket_df(docs, B):
    """df per bucket: number of documents holding at least one feature that hashes to the bucket."""
    key = (tuple(docs), B)
    if key in _BDFC:
        return _BDFC[key]
    df = [0] * B
    bc = {}
    for d in docs:
        wf, cf, _ = feats(d)
        bs = set()
        for k in set(wf) | set(cf):
            b = bc.get(k)
            if b is None:
                b = bc[k] = bucket_of(k, B)
            bs.add(b)
        for b in bs:
            df[b] += 1
    _BDFC[key] = (df, len(docs))
    return df, len(docs)


def make_idf(docs, buckets=None, q8=False):
    """IDF as a shippable table: exact per feature (buckets=None) or per hashed bucket; q8:
    quantised to 8 bits as round(idf / idf_max * 255), idf_max = IDF of an unseen feature."""
    if buckets is None:
        df, N = df_of(docs)
        raw = idf_fn(df, N)
    else:
        bdf, N = bucket_df(docs, buckets)
        tab = [math.log((1 + N) / (1 + x)) + 1.0 for x in bdf]
        raw = lambda k: tab[bucket_of(k, buckets)]
    mx = math.log(1 + N) + 1.0
    if not q8:
        f = raw
    else:
        qc = {}
        def f(k):
            if k not in qc:
                qc[k] = round(raw(k) / mx * 255) / 255 * mx
            return qc[k]
    f.idf_max = mx
    return f


def story_docs(dirname):
    return [open(os.path.join(dirname, fn), encoding='utf-8', errors='replace').read()
            for fn in sorted(os.listdir(dirname)) if fn.endswith('.txt')]


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


SUBJ = [f['subject'] for f in FACTS]
GATE_RANK = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0)
GATE_IDF = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SCOPE_T = (0.25, 0.3, 0.35)
_GPT2F = []


def gate_rules(enc):
    """Subject-overlap gate: the query and its nearest fact share >= 1 rare word.
    rank>=c: GPT-2 word-rank factor >= c (1.0: not a single GPT-2 token);
    idf>=c: the encoder's word IDF >= c * IDF of an unseen word."""
    if not _GPT2F:
        _GPT2F.append(gpt2_rank_factor())
    g = _GPT2F[0]
    R = {f'rank>={c}': (lambda w, c=c: g(w) >= c - 1e-9) for c in GATE_RANK}
    if enc.idf is not None and hasattr(enc.idf, 'idf_max'):
        for c in GATE_IDF:
            R[f'idf>={c}'] = (lambda w, c=c: enc.idf('w:' + w) >= c * enc.idf.idf_max - 1e-9)
    return R


def evaluate(enc, para_filter=None, scope=False):
    mem = [enc.encode(fact_sentence(f)) for f in FACTS]
    post = collections.defaultdict(list)
    for i, v in enumerate(mem):
        for d, x in v.items():
            post[d].append((i, x))

    def scores(q):
        sc = [0.0] * NF
        for d, x in enc.encode(q).items():
            for i, y in post.get(d, ()):
                sc[i] += x * y
        return sc

    def best(q):
        sc = scores(q)
        b = max(range(NF), key=sc.__getitem__)
        return b, sc[b]

    def best_both(i, q):
        """(best fact, score) and the best among facts whose subject differs from fact i's: the
        query as if its subject were not in memory (unknown subject, familiar wording)."""
        sc = scores(q)
        b = max(range(NF), key=sc.__getitem__)
        subj = SUBJ[i]
        o = max((j for j in range(NF) if SUBJ[j] != subj), key=sc.__getitem__)
        return (b, sc[b]), (o, sc[o])

    def best_other_subject(i, q):
        return best_both(i, q)[1][1]

    res = {}
    if scope:
        prb = [best_both(i, q) for i, q in D['prompt_q']]
        pr = [x for x, _ in prb]
        unk_p = [(i, q, o, so) for (i, q), (_, (o, so)) in zip(D['prompt_q'], prb)]
    else:
        pr = [best(q) for i, q in D['prompt_q']]
    res['prompt_rec'] = sum(b == i for (i, _), (b, s) in zip(D['prompt_q'], pr)) / len(pr)
    pq = [(i, q) for i, q in D['para_q'] if para_filter is None or para_filter(i)]
    if scope:
        pbb = [best_both(i, q) for i, q in pq]
        pb = [x for x, _ in pbb]
        unk_q = [(i, q, o, so) for (i, q), (_, (o, so)) in zip(pq, pbb)]
    else:
        pb = [best(q) for i, q in pq]
    res['para_n'] = len(pq)
    res['para_rec'] = sum(b == i for (i, _), (b, s) in zip(pq, pb)) / len(pb)
    # subject-level: hit any fact with the same subject (14 subjects occur in >1 fact)
    res['para_rec_subj'] = sum(FACTS[b]['subject'] == FACTS[i]['subject'] for (i, _), (b, s) in zip(pq, pb)) / len(pb)
    qq = [(i, q) for i, q in D['paraQ_q'] if para_filter is None or para_filter(i)]
    qb = [best(q) for i, q in qq]
    res['paraQ_n'] = len(qq)
    res['paraQ_rec'] = sum(b == i for (i, _), (b, s) in zip(qq, qb)) / max(1, len(qb))
    ubb = [best(q) for q in D['unrel_q']]
    ub = [s for b, s in ubb]
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
    if scope:
        fw = [set(words_of(fact_sentence(f))) for f in FACTS]
        P = [(set(words_of(q)), b, s, b == i) for (i, q), (b, s) in zip(pq, pb)]
        UP = [(set(words_of(q)), o, so) for i, q, o, so in unk_p]
        UQ = [(set(words_of(q)), o, so) for i, q, o, so in unk_q]
        U = [(set(words_of(q)), b, s) for q, (b, s) in zip(D['unrel_q'], ubb)]
        r3 = lambda x: round(x, 3)
        res['unkP_best_p5_50_95'] = [r3(pct([x[2] for x in UP], p)) for p in (5, 50, 95)]
        res['unkQ_best_p5_50_95'] = [r3(pct([x[2] for x in UQ], p)) for p in (5, 50, 95)]
        # no gate: [para in, para correct & in, unknown-subject prompt IN, unknown-subject paraphrase IN, unrelated OOS]
        res['scope'] = {t: [r3(sum(s >= t for _, _, s, _ in P) / len(P)),
                            r3(sum(s >= t and ok for _, _, s, ok in P) / len(P)),
                            r3(sum(s >= t for _, _, s in UP) / len(UP)),
                            r3(sum(s >= t for _, _, s in UQ) / len(UQ)),
                            r3(sum(s < t for _, _, s in U) / len(U))] for t in SCOPE_T}
        # gate: [para in, para correct & in, unknown prompt OOS, unknown paraphrase OOS, unrelated OOS]
        res['gate'] = {}
        rules = {n: (lambda ws, j, rare=rare: any(rare(w) for w in ws & fw[j])) for n, rare in gate_rules(enc).items()}
        # top-k: one of the query's k heaviest words (the encoder's unigram weight) is in the fact
        wt = {}
        def heavy(ws, k):
            key = (frozenset(ws), k)
            if key not in wt:
                wt[key] = set(sorted(ws, key=lambda w: (-enc.weight('w:' + w, (w,)), w))[:k])
            return wt[key]
        for k in (1, 2, 3):
            rules[f'top{k}'] = (lambda ws, j, k=k: bool(heavy(ws, k) & fw[j]))
        for name, share in rules.items():
            sp = [share(ws, b) for ws, b, _, _ in P]
            sup = [share(ws, o) for ws, o, _ in UP]
            suq = [share(ws, o) for ws, o, _ in UQ]
            su = [share(ws, b) for ws, b, _ in U]
            res['gate'][name] = {t: [r3(sum(x[2] >= t and g for x, g in zip(P, sp)) / len(P)),
                                     r3(sum(x[2] >= t and x[3] and g for x, g in zip(P, sp)) / len(P)),
                                     r3(sum(not (x[2] >= t and g) for x, g in zip(UP, sup)) / len(UP)),
                                     r3(sum(not (x[2] >= t and g) for x, g in zip(UQ, suq)) / len(UQ)),
                                     r3(sum(not (x[2] >= t and g) for x, g in zip(U, su)) / len(U))]
                                 for t in SCOPE_T}
    return res


# ---------------- weightings ----------------
def weightings(stories=None, asset=False):
    W = {}
    W['a_none'] = lambda: dict()
    fact_docs = [fact_sentence(f) for f in FACTS]
    W['b_self_idf'] = lambda: dict(idf=idf_fn(*df_of(fact_docs)))
    W['c_books_idf_para'] = lambda: dict(idf=idf_fn(*df_of(D['book_docs_para'])))
    W['c_books_idf_win20'] = lambda: dict(idf=make_idf(D['book_docs_win']))
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
    W['h_gpt2rank_x_booksidf'] = lambda: dict(wfac=gpt2_rank_factor(), idf=make_idf(D['book_docs_win']))
    for seed in (0, 1, 2):
        def g(seed=seed):
            rng = random.Random(seed)
            sub = rng.sample(fact_docs, NF // 10)
            return dict(idf=idf_fn(*df_of(sub)))
        W[f'g_frozen10pct_seed{seed}'] = g
    bases = {'c_books_idf_win20': (lambda: D['book_docs_win'], None),
             'h_gpt2rank_x_booksidf': (lambda: D['book_docs_win'], gpt2_rank_factor)}
    if stories:
        SD = []
        sd = (lambda: (SD.append(story_docs(stories)) if not SD else None) or SD[0])
        W['i_stories_idf'] = lambda: dict(idf=make_idf(sd()))
        W['i_stories_idf_x_gpt2rank'] = lambda: dict(idf=make_idf(sd()), wfac=gpt2_rank_factor())
        bases['i_stories_idf'] = (sd, None)
        bases['i_stories_idf_x_gpt2rank'] = (sd, gpt2_rank_factor)
    if asset:
        for base, (docs, wf) in list(bases.items()):
            for suf, B, q in (('q8', None, True), ('b18q8', 1 << 18, True), ('b20q8', 1 << 20, True), ('b20', 1 << 20, False)):
                def mk(docs=docs, wf=wf, B=B, q=q):
                    kw = dict(idf=make_idf(docs(), buckets=B, q8=q))
                    if wf is not None:
                        kw['wfac'] = wf()
                    return kw
                W[f'{base}~{suf}'] = mk
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
    stories = args[args.index('--stories') + 1] if '--stories' in args else None
    W = {k: (v, None) for k, v in weightings(stories, '--asset' in args).items()}
    scope = '--scope' in args
    if '--split' in args:
        W = split_runs()
    cache = {}
    for name, (mk, filt) in W.items():
        if only and not any(name.startswith(o) if not o.endswith('$') else name == o[:-1] for o in only):
            continue
        kw = mk()
        for C in Cs:
            for ch in chars:
                t0 = time.time()
                enc = Enc(C=C, use_char=ch, sublinear=subl, **kw)
                r = evaluate(enc, filt, scope=scope)
                r.update(name=name, C=C, char=ch, sublinear=subl, secs=round(time.time() - t0, 1))
                print(json.dumps(r), flush=True)
                with open(out, 'a') as fo:
                    fo.write(json.dumps(r) + '\n')
