"""Size of the IDF asset: exact per-feature table vs hashed buckets. Usage: python3 asset_size.py [STORIES_DIR]"""
import sys, collections
import study
corpora = {'books (20-sentence windows)': study.D['book_docs_win']}
if len(sys.argv) > 1:
    corpora['stories'] = study.story_docs(sys.argv[1])
for name, docs in corpora.items():
    df, N = study.df_of(docs)
    nf = len(df); strb = sum(len(k.encode()) + 1 for k in df)
    occ = {}
    for bits in (18, 20):
        B = 1 << bits
        bdf, _ = study.bucket_df(docs, B)
        occ[bits] = sum(1 for x in bdf if x)
    print(f"| {name} | {N} docs | {nf} distinct features ({sum(k.startswith('w:') for k in df)} words, {sum(k.startswith('b:') for k in df)} bigrams, {sum(k.startswith('c:') for k in df)} char n-grams) | "
          f"exact table ~{(strb + nf) / 1024:.0f} KiB (strings + 1-byte idf), ~{(strb + 4 * nf) / 1024:.0f} KiB with 4-byte df | "
          f"2^18 buckets: 256 KiB, {occ[18]} non-empty ({occ[18] / (1 << 18):.1%}) | 2^20 buckets: 1024 KiB, {occ[20]} non-empty ({occ[20] / (1 << 20):.1%}) |")
