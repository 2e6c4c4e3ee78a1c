/**
 * Scratch state of a scheduled reconcile run in a DynamoDB table of its own:
 * Bloom filter parts, orphan candidates, verified orphans and pruned-row
 * backups, keyed by run, expiring through TTL. DynamoDB rather than S3 so
 * every grant names one table (no object-prefix wildcard), and encryption at
 * rest is the table's.
 */
import { BatchWriteItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { BloomFilter } from "./bloom";

/** The scratch table's key and TTL attribute (the construct and the sandbox use these). */
export const SCRATCH_TABLE = { partitionKey: "pk", sortKey: "sk", ttlAttribute: "expiresAt" } as const;

/** Run state lives a day (a run that needs longer is stuck); backups of pruned rows a month. */
export const SCRATCH_TTL_SECONDS = 24 * 3600;
export const BACKUP_TTL_SECONDS = 30 * 24 * 3600;

/** Item payloads stay well under DynamoDB's 400 KB item limit. */
const CHUNK_BYTES = 350 * 1024;
const pad = (n: number, width = 5) => String(n).padStart(width, "0");

export class ScratchStore {
  constructor(
    private readonly client: Pick<DynamoDBClient, "send">,
    readonly tableName: string,
    readonly runId: string,
    private readonly now: () => number = Date.now,
  ) {}

  private get pk() {
    return `run#${this.runId}`;
  }

  private expiresAt(ttlSeconds: number) {
    return Math.floor(this.now() / 1000) + ttlSeconds;
  }

  private async writeAll(items: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let pending: Record<string, any> | undefined = {
        [this.tableName]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })),
      };
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt > 8) throw new Error(`scratch table ${this.tableName} left items unprocessed after 8 retries`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        pending = (await this.client.send(new BatchWriteItemCommand({ RequestItems: pending }))).UnprocessedItems;
      }
    }
  }

  private async query(prefix: string): Promise<Record<string, any>[]> {
    const items: Record<string, any>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
          ExpressionAttributeNames: { "#pk": SCRATCH_TABLE.partitionKey, "#sk": SCRATCH_TABLE.sortKey },
          ExpressionAttributeValues: marshall({ ":pk": this.pk, ":prefix": prefix }),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** One slice's filter, split into items; rewriting a slice (a retried step) replaces it. */
  async putBloom(slice: number, bloom: BloomFilter, count: number): Promise<void> {
    const items: Record<string, unknown>[] = [];
    for (let offset = 0, chunk = 0; offset < bloom.bits.length || chunk === 0; offset += CHUNK_BYTES, chunk++) {
      items.push({
        pk: this.pk,
        sk: `bloom#${pad(slice)}#${pad(chunk, 3)}`,
        m: bloom.m,
        k: bloom.k,
        n: count,
        data: bloom.bits.subarray(offset, offset + CHUNK_BYTES),
        expiresAt: this.expiresAt(SCRATCH_TTL_SECONDS),
      });
    }
    await this.writeAll(items);
  }

  /** Every slice's filter, reassembled. */
  async blooms(): Promise<BloomFilter[]> {
    const bySlice = new Map<string, Record<string, any>[]>();
    for (const item of await this.query("bloom#")) {
      const slice = String(item.sk).split("#")[1];
      bySlice.set(slice, [...(bySlice.get(slice) ?? []), item]);
    }
    return [...bySlice.values()].map((chunks) => {
      chunks.sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
      const bits = new Uint8Array(Math.ceil(chunks[0].m / 8));
      let offset = 0;
      for (const c of chunks) {
        bits.set(c.data, offset);
        offset += c.data.length;
      }
      return new BloomFilter(chunks[0].m, chunks[0].k, this.runId, bits);
    });
  }

  /** A list of subs (candidates or orphans), split into items of a few thousand. */
  async putSubs(kind: "candidates" | "orphans", part: number, subs: readonly string[]): Promise<number> {
    const items: Record<string, unknown>[] = [];
    for (let i = 0, chunk = 0; i < subs.length; chunk++) {
      const slice: string[] = [];
      let bytes = 0;
      while (i < subs.length && bytes + subs[i].length + 4 < CHUNK_BYTES) {
        bytes += subs[i].length + 4;
        slice.push(subs[i++]);
      }
      items.push({ pk: this.pk, sk: `${kind}#${pad(part)}#${pad(chunk, 3)}`, subs: JSON.stringify(slice), expiresAt: this.expiresAt(SCRATCH_TTL_SECONDS) });
    }
    await this.writeAll(items);
    return items.length;
  }

  /** All parts of a list, in order. */
  async subs(kind: "candidates" | "orphans"): Promise<string[]> {
    const items = (await this.query(`${kind}#`)).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    return items.flatMap((item) => JSON.parse(item.subs) as string[]);
  }

  /** A pruned row, whole and typed, kept a month so a mistake can be undone (user-sync restore --run). */
  async putBackup(sub: string, tableName: string, item: Record<string, AttributeValue>, deletedAt: string): Promise<void> {
    await this.writeAll([{ pk: this.pk, sk: `backup#${sub}`, tableName, deletedAt, item: JSON.stringify(item), expiresAt: this.expiresAt(BACKUP_TTL_SECONDS) }]);
  }

  async backups(): Promise<Array<{ tableName: string; deletedAt: string; item: Record<string, AttributeValue> }>> {
    return (await this.query("backup#")).map((b) => ({ tableName: b.tableName, deletedAt: b.deletedAt, item: JSON.parse(b.item) }));
  }
}
