// ms per target run for several graphs (arms), interleaved: in each of `rounds` rounds, every
// (cached positions P, rows k, arm) once: a warm run, then the mean of 5. Returns the per-round
// means under `${P}:${k}:${arm}` and the median of a list. Shared by the attention probes
// (attention-split-zen4/splitt-probe.mjs, zen3-avx2/rows-probe.mjs).
export async function interleavedRuns(models, cache, ids, { Ps, Ks, rounds }) {
  const res = {};
  for (let round = 0; round < rounds; round++) for (const P of Ps) for (const k of Ks) for (const [name, t] of Object.entries(models)) {
    cache.length = P; cache.tokens = ids.slice(0, P);
    const req = { ids: ids.slice(P, P + k) };
    await t.forward(cache, req);
    const a = performance.now();
    for (let i = 0; i < 5; i++) await t.forward(cache, req);
    (res[`${P}:${k}:${name}`] ??= []).push((performance.now() - a) / 5);
  }
  return res;
}

export const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
