/** Pruned rows as JSON lines in a local file (mode 600: rows hold personal data), each line durable before its delete. */
import { open, type FileHandle } from "node:fs/promises";
import type { BackupEntry, PruneBackup } from "../../core/reconcile/orphans";

export function backupFile(path: string): PruneBackup & { close(): Promise<void> } {
  let handle: Promise<FileHandle> | undefined;
  return {
    location: path,
    async write(entry: BackupEntry) {
      handle ??= open(path, "a", 0o600);
      const fh = await handle;
      await fh.appendFile(`${JSON.stringify(entry)}\n`);
      await fh.datasync();
    },
    async close() {
      if (handle) await (await handle).close();
    },
  };
}
