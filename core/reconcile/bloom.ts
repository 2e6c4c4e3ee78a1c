/**
 * A Bloom filter of subs, so the scheduled reconcile can tell which rows
 * belong to users of the pool in O(rows) table reads, without holding the
 * pool's subs in memory across slices. Each step writes its own filter, so a
 * row is checked against several: at 0.01% each, a run of 10 steps misses
 * about 0.1% of orphans, for 24 MB per 10 million subs. A false positive only
 * hides an orphan for one run: each run salts its hashes differently. Forty lines over node:crypto;
 * the npm filters bring their own hashing and random libraries.
 */
import { createHash } from "node:crypto";

/** A false positive rate of 0.01% per filter: 19.2 bits and 13 hashes per sub. */
export const FALSE_POSITIVE_RATE = 0.0001;

export class BloomFilter {
  readonly bits: Uint8Array;
  constructor(
    /** Size in bits. */
    readonly m: number,
    /** Hashes per element. */
    readonly k: number,
    readonly salt: string,
    bits?: Uint8Array,
  ) {
    this.bits = bits ?? new Uint8Array(Math.ceil(m / 8));
  }

  /** Sized for `n` elements at the target false positive rate. */
  static forCount(n: number, salt: string, p: number = FALSE_POSITIVE_RATE): BloomFilter {
    const m = Math.max(64, Math.ceil((-Math.max(1, n) * Math.log(p)) / Math.LN2 ** 2));
    const k = Math.min(16, Math.max(1, Math.round((m / Math.max(1, n)) * Math.LN2)));
    return new BloomFilter(m, k, salt);
  }

  /** k independent positions: 32-bit slices of one salted SHA-512 (16 of them; double hashing clusters in small filters). */
  private positions(value: string): number[] {
    const digest = createHash("sha512").update(this.salt).update("\0").update(value).digest();
    return Array.from({ length: this.k }, (_, i) => digest.readUInt32BE(i * 4) % this.m);
  }

  add(value: string): void {
    for (const p of this.positions(value)) this.bits[p >> 3] |= 1 << (p & 7);
  }

  has(value: string): boolean {
    return this.positions(value).every((p) => (this.bits[p >> 3] & (1 << (p & 7))) !== 0);
  }
}
