"""Readout recall of the least-squares memory against its slots K (numpy; research only).
Usage: /usr/bin/python3 capacity.py [K ...] (needs Debian's python3-numpy; ~3 min per K). Memory: all known_1000 facts; encoder: books IDF x GPT-2
rank (the shipped weighting, per-feature IDF); addresses from a Gaussian M_ref; rows ranked
by cos(readout, z_e) as in the engine, and by cos(z_q, z_e) for reference."""
import sys, numpy as np, study

enc = study.Enc(C=4096, **study.weightings()['h_gpt2rank_x_booksidf']())
F = study.FACTS
Z = np.zeros((len(F), 4096))
for i, f in enumerate(F):
    for d, x in enc.encode(study.fact_sentence(f)).items():
        Z[i, d] = x

def dense(q):
    v = np.zeros(4096)
    for d, x in enc.encode(q).items():
        v[d] = x
    return v

PQ = study.D['prompt_q']
PA = study.D['para_q']
Qp = np.stack([dense(q) for _, q in PQ]); Ip = np.array([i for i, _ in PQ])
Qa = np.stack([dense(q) for _, q in PA]); Ia = np.array([i for i, _ in PA])
Zn = Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)

def recall(R, I):
    Rn = R / np.maximum(np.linalg.norm(R, axis=1, keepdims=True), 1e-12)
    return float(np.mean(np.argmax(Rn @ Zn.T, axis=1) == I))

print('direct', recall(Qp, Ip), recall(Qa, Ia), flush=True)
rng = np.random.default_rng(1)
for K in [int(k) for k in sys.argv[1:]] or [512, 1024, 2048]:
    Mref = rng.standard_normal((K, 4096)) / 64.0
    W = Z @ np.linalg.pinv(Mref)
    lam = 1e-3
    M = np.linalg.solve(lam * np.eye(K) + W.T @ W, W.T @ Z)
    G = M @ M.T
    eps = 1e-10 * np.max(np.diag(G))
    Pinv = M.T @ np.linalg.inv(G + eps * np.eye(K))
    print(K, 'readout', recall(Qp @ Pinv @ M, Ip), recall(Qa @ Pinv @ M, Ia), flush=True)
