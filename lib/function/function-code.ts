import type { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import type { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AssetType, Fn, TerraformAsset, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { utimesSync } from "node:fs";
import { join } from "node:path";
import type { PackagingMode } from "../settings/props";
import { DIST_DIR, functionBundle } from "./bundle";

export interface FunctionCodeProps {
  /** The function's directory under `functions/`. */
  readonly entry: string;
  /**
   * "archive": the archive provider's archive_file zips at plan time.
   * "asset": cdktf zips at synth; needs no archive provider (air-gapped mirrors).
   */
  readonly packaging: PackagingMode;
  /** esbuild writes `<bundleRoot>/<entry>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

// Zip entries carry mtimes: a fixed one keeps the zip, and so source_code_hash, stable across synths.
const FIXED_MTIME = new Date("2020-01-01T00:00:00Z");

/** @cdktf/provider-archive, loaded only for "archive" packaging (an optional peer dependency of the package). */
function archiveProvider(): { ArchiveProvider: typeof ArchiveProvider; DataArchiveFile: typeof DataArchiveFile } {
  try {
    return { ...require("@cdktf/provider-archive/lib/provider"), ...require("@cdktf/provider-archive/lib/data-archive-file") };
  } catch (err) {
    throw new Error(`packaging "archive" needs @cdktf/provider-archive: npm install @cdktf/provider-archive@11, or set packaging to "asset" (${(err as Error).message.split("\n")[0]})`);
  }
}

/** The stack's archive provider, created by the first function that needs one. */
function ensureArchiveProvider(scope: Construct, provider: typeof ArchiveProvider): void {
  const stack = TerraformStack.of(scope);
  if (!stack.node.findAll().some((c) => c instanceof provider)) new provider(stack, "archive");
}

/** Bundles a function at synth and zips it; exposes the zip path and hash, relative to the stack. */
export class FunctionCode extends Construct {
  /** Zip path, relative to the stack directory. */
  readonly path: string;
  /** Base64 SHA-256 of the zip, for `source_code_hash`. */
  readonly sourceCodeHash: string;
  readonly bundleBytes: number;

  constructor(scope: Construct, id: string, props: FunctionCodeProps) {
    super(scope, id);
    const bundle = functionBundle(props.entry, join(props.bundleRoot ?? DIST_DIR, props.entry));
    try {
      utimesSync(bundle.file, FIXED_MTIME, FIXED_MTIME);
    } catch {
      // A read-only install: npm already gave every packed file one fixed mtime.
    }
    this.bundleBytes = bundle.bytes;

    if (props.packaging === "asset") {
      const zip = new TerraformAsset(this, "zip", { path: bundle.outdir, type: AssetType.ARCHIVE });
      this.path = zip.path;
      this.sourceCodeHash = Fn.filebase64sha256(zip.path);
    } else {
      const { ArchiveProvider, DataArchiveFile } = archiveProvider();
      const dir = new TerraformAsset(this, "bundle", { path: bundle.outdir, type: AssetType.DIRECTORY });
      ensureArchiveProvider(this, ArchiveProvider);
      const zip = new DataArchiveFile(this, "zip", {
        type: "zip",
        sourceDir: dir.path,
        outputPath: `function-packages/${props.entry}.zip`,
      });
      this.path = zip.outputPath;
      this.sourceCodeHash = zip.outputBase64Sha256;
    }
  }
}
