"""Load facts, build query sets, book sentences and corpora for IDF. Standard library only.
All randomness uses fixed seeds."""
import json, re, random, collections, os, pickle

# ../shared/data beside the project (override with ENGRAM_SHARED_DATA).
SH = os.environ.get('ENGRAM_SHARED_DATA', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../shared/data'))
CACHE = os.environ.get('ENCODER_STUDY_CACHE', '/tmp/engram-encoder-study.pkl')


def load_facts():
    d = json.load(open(f'{SH}/editing/known_1000.json'))
    return d


def fact_sentence(f):
    return f['prompt'] + ' ' + f['attribute']


def q_templates():
    """rel-prompts.json holds few-shot 'Q: ... A: ...' strings per relation (not {} templates).
    Derive a question template per relation = longest common prefix + {} + longest common suffix
    of the questions (the subjects differ, the wording is shared)."""
    r = json.load(open(f'{SH}/editing/rel-prompts.json'))
    out = {}
    for rel, s in r.items():
        qs = []
        for line in s.split('\n'):
            m = re.match(r'Q: (.*?) A: ', line)
            if m:
                qs.append(m.group(1))
        if len(qs) < 2:
            continue
        pre = os.path.commonprefix(qs)
        suf = os.path.commonprefix([q[::-1] for q in qs])[::-1]
        # do not cut into words: trim the prefix back to a word boundary
        if pre and not pre.endswith(' '):
            pre = pre[:pre.rfind(' ') + 1]
        if suf and not (suf[0] in " '?" ):
            k = suf.find(' ')
            suf = suf[k:] if k >= 0 else ''
        out[rel] = pre + '{}' + suf
    return out


def book_paragraphs():
    paras = []
    for fn in sorted(os.listdir(f'{SH}/books')):
        txt = open(f'{SH}/books/{fn}', encoding='utf-8', errors='replace').read()
        for p in re.split(r'\n\s*\n', txt):
            p = ' '.join(p.split())
            if p:
                paras.append((fn, p))
    return paras


SENT_RE = re.compile(r'(?<=[.!?])["\'\u201d\u2019)]*\s+')


def split_sentences(p):
    return [s.strip() for s in SENT_RE.split(p) if s.strip()]


def build():
    if os.path.exists(CACHE):
        return pickle.load(open(CACHE, 'rb'))
    facts = load_facts()
    # templates per relation, from known_1000 'template' field (33 relations, 31 with >1 template)
    tmpl = collections.defaultdict(list)
    for f in facts:
        if f['template'] not in tmpl[f['relation_id']]:
            tmpl[f['relation_id']].append(f['template'])
    qt = q_templates()
    # queries
    prompt_q = [(i, f['prompt']) for i, f in enumerate(facts)]
    para_q = []   # (fact index, text, template)
    for i, f in enumerate(facts):
        for t in tmpl[f['relation_id']]:
            if t != f['template']:
                para_q.append((i, t.format(f['subject'])))
    paraQ_q = [(i, qt[f['relation_id']].format(f['subject'])) for i, f in enumerate(facts)
               if f['relation_id'] in qt]
    # book sentences
    paras = book_paragraphs()
    sents = []  # (para index, sentence)
    for pi, (fn, p) in enumerate(paras):
        for s in split_sentences(p):
            n = len(re.findall(r'\w+', s))
            sents.append((pi, s, n))
    cand = [k for k, (pi, s, n) in enumerate(sents) if 5 <= n <= 40]
    rng = random.Random(12345)
    pick = sorted(rng.sample(cand, 1000))
    unrel_q = [sents[k][1] for k in pick]
    held_paras = set(sents[k][0] for k in pick)
    # IDF corpora from books WITHOUT the paragraphs holding sampled sentences (held out)
    book_docs_para = [p for pi, (fn, p) in enumerate(paras) if pi not in held_paras]
    rest = [s for k, (pi, s, n) in enumerate(sents) if pi not in held_paras]
    book_docs_win = [' '.join(rest[j:j + 20]) for j in range(0, len(rest), 20)]
    D = dict(facts=facts, tmpl=dict(tmpl), qt=qt, prompt_q=prompt_q, para_q=para_q,
             paraQ_q=paraQ_q, unrel_q=unrel_q, book_docs_para=book_docs_para,
             book_docs_win=book_docs_win, n_paras=len(paras), n_sents=len(sents), n_cand=len(cand))
    pickle.dump(D, open(CACHE, 'wb'))
    return D


if __name__ == '__main__':
    D = build()
    print({k: (len(v) if hasattr(v, '__len__') else v) for k, v in D.items()})
    for k, v in sorted(D['qt'].items()):
        print(k, v)
    print(D['para_q'][:5]); print(D['paraQ_q'][:3]); print(D['unrel_q'][:5])
    print(collections.Counter(len(v) for v in D['tmpl'].values()))
