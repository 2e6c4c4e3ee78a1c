/**
 * A Bloom filter of subs, so the scheduled reconcile can tell which rows
 * belong to users of the pool in O(rows) table reads, without holding the
 * pool's subs in memory across slices (10 million subs at a 0.1% false
 * positive rate take 18 MB). A false positive only hides an orphan for one
 * run: each run salts its hashes differently. Forty lines over node:crypto;
 * the npm filters bring their own hashing and random libraries.
 */
import { createHash } from "node:crypto";

/** A false positive rate of 0.1%: 14.4 bits and 10 hashes per sub. */
export const FALSE_POSITIVE_RATE = 0.001;

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
    const k = Math.max(1, Math.round((m / Math.max(1, n)) * Math.LN2));
    return new BloomFilter(m, k, salt);
  }

  /** Double hashing: positions h1 + i*h2 from one salted SHA-256. */
  private positions(value: string): number[] {
    const digest = createHash("sha256").update(this.salt).update("\0").update(value).digest();
    const h1 = digest.readUInt32BE(0);
    const h2 = (digest.readUInt32BE(4) | 1) >>> 0;
    return Array.from({ length: this.k }, (_, i) => (h1 + i * h2) % this.m);
  }

  add(value: string): void {
    for (const p of this.positions(value)) this.bits[p >> 3] |= 1 << (p & 7);
  }

  has(value: string): boolean {
    return this.positions(value).every((p) => (this.bits[p >> 3] & (1 << (p & 7))) !== 0);
  }
}
