import { BloomFilter, FALSE_POSITIVE_RATE } from "../core/reconcile/bloom";

test("no false negatives, and false positives near the target rate", () => {
  const n = 50_000;
  const bloom = BloomFilter.forCount(n, "run-1");
  for (let i = 0; i < n; i++) bloom.add(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  for (let i = 0; i < n; i++) expect(bloom.has(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)).toBe(true);
  let positives = 0;
  const trials = 100_000;
  for (let i = 0; i < trials; i++) if (bloom.has(`ffffffff-0000-4000-8000-${String(i).padStart(12, "0")}`)) positives++;
  expect(positives / trials).toBeLessThan(FALSE_POSITIVE_RATE * 4);
  // 19.2 bits per element at 0.01%: 10 million subs fit in 24 MB.
  expect(BloomFilter.forCount(10_000_000, "x").bits.length).toBeLessThan(24 * 1024 * 1024);
});

test("the salt changes which values collide: a false positive in one run is not one in the next", () => {
  const a = BloomFilter.forCount(1000, "run-a");
  const b = BloomFilter.forCount(1000, "run-b");
  for (let i = 0; i < 1000; i++) {
    a.add(`u${i}`);
    b.add(`u${i}`);
  }
  const fpA = new Set<string>();
  const fpB = new Set<string>();
  for (let i = 0; i < 200_000; i++) {
    if (a.has(`x${i}`)) fpA.add(`x${i}`);
    if (b.has(`x${i}`)) fpB.add(`x${i}`);
  }
  expect(fpA.size).toBeGreaterThan(0);
  expect([...fpA].filter((v) => fpB.has(v)).length).toBeLessThan(fpA.size / 10);
});

test("small filters (one short step's users) keep the target rate too", () => {
  let positives = 0;
  let trials = 0;
  for (let run = 0; run < 20; run++) {
    const bloom = BloomFilter.forCount(100, `run-${run}`);
    for (let i = 0; i < 100; i++) bloom.add(`sub-${i}`);
    for (let j = 0; j < 20_000; j++, trials++) if (bloom.has(`orphan-${j}`)) positives++;
  }
  expect(positives / trials).toBeLessThan(FALSE_POSITIVE_RATE * 2.5);
});
