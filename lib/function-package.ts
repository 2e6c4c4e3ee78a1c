import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { utimesSync } from "node:fs";
import { bundlePostConfirmation } from "../functions/bundle";
import type { PackagingMode } from "./config";

export interface FunctionPackageProps {
  /**
   * "archive": the archive provider's archive_file zips at plan time.
   * "asset": cdktf zips at synth; needs no archive provider (air-gapped mirrors).
   * @default "archive"
   */
  readonly mode?: PackagingMode;
  /** Where esbuild writes the bundle. @default dist/post-confirmation */
  readonly bundleDir?: string;
}

// Zip entries carry mtimes: a fixed one keeps the zip, and so source_code_hash, stable across synths.
const FIXED_MTIME = new Date("2020-01-01T00:00:00Z");

/** Bundles the handler at synth and zips it; exposes the zip path and hash, relative to the stack. */
export class FunctionPackage extends Construct {
  /** Zip path, relative to the stack directory. */
  readonly path: string;
  /** Base64 SHA-256 of the zip, for `source_code_hash`. */
  readonly sourceCodeHash: string;
  readonly bundleBytes: number;

  constructor(scope: Construct, id: string, props: FunctionPackageProps = {}) {
    super(scope, id);
    const bundle = bundlePostConfirmation(props.bundleDir);
    utimesSync(bundle.file, FIXED_MTIME, FIXED_MTIME);
    this.bundleBytes = bundle.bytes;

    if ((props.mode ?? "archive") === "asset") {
      const zip = new TerraformAsset(this, "zip", { path: bundle.outdir, type: AssetType.ARCHIVE });
      this.path = zip.path;
      this.sourceCodeHash = Fn.filebase64sha256(zip.path);
    } else {
      const dir = new TerraformAsset(this, "bundle", { path: bundle.outdir, type: AssetType.DIRECTORY });
      new ArchiveProvider(this, "archive");
      const zip = new DataArchiveFile(this, "zip", {
        type: "zip",
        sourceDir: dir.path,
        outputPath: "function-packages/post-confirmation.zip",
      });
      this.path = zip.outputPath;
      this.sourceCodeHash = zip.outputBase64Sha256;
    }
  }
}
