import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AssetType, Fn, TerraformAsset, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { utimesSync } from "node:fs";
import { join } from "node:path";
import { settingDefault, type PackagingMode } from "../settings";
import { bundleFunction, DIST_DIR } from "./bundle";

export interface FunctionCodeProps {
  /** The function's directory under `functions/`. */
  readonly entry: string;
  /**
   * "archive": the archive provider's archive_file zips at plan time.
   * "asset": cdktf zips at synth; needs no archive provider (air-gapped mirrors).
   * @default settingDefault("packaging")
   */
  readonly packaging?: PackagingMode;
  /** esbuild writes `<bundleRoot>/<entry>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

// Zip entries carry mtimes: a fixed one keeps the zip, and so source_code_hash, stable across synths.
const FIXED_MTIME = new Date("2020-01-01T00:00:00Z");

/** The stack's archive provider, created by the first function that needs one. */
function ensureArchiveProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  if (!stack.node.findAll().some((c) => c instanceof ArchiveProvider)) new ArchiveProvider(stack, "archive");
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
    const bundle = bundleFunction(props.entry, join(props.bundleRoot ?? DIST_DIR, props.entry));
    utimesSync(bundle.file, FIXED_MTIME, FIXED_MTIME);
    this.bundleBytes = bundle.bytes;

    if ((props.packaging ?? settingDefault("packaging")) === "asset") {
      const zip = new TerraformAsset(this, "zip", { path: bundle.outdir, type: AssetType.ARCHIVE });
      this.path = zip.path;
      this.sourceCodeHash = Fn.filebase64sha256(zip.path);
    } else {
      const dir = new TerraformAsset(this, "bundle", { path: bundle.outdir, type: AssetType.DIRECTORY });
      ensureArchiveProvider(this);
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
