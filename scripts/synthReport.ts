import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The CDK context of an offline synthesis: the three keys the Amplify CLI passes to name a
 * deployment (a sandbox, as `ampx sandbox` builds), and the two metadata switches the CDK CLI turns
 * on, which record each resource's construct path and asset directory in the templates.
 */
export const SYNTH_CONTEXT = {
  'amplify-backend-namespace': 'local',
  'amplify-backend-name': 'sandbox',
  'amplify-backend-type': 'sandbox',
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
} as const;

export interface AssetEntry {
  /** The Amplify function name (`health`, `todos`, `migrate`). */
  readonly function: string;
  /** The asset directory under the output directory (`asset.<hash>`). */
  readonly assetDir: string;
  /** Size of the bundle that runs (`index.mjs`). */
  readonly bundleBytes: number;
  /** Everything Lambda receives, source map included. */
  readonly totalBytes: number;
}

function directoryBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? directoryBytes(path) : statSync(path).size);
  }, 0);
}

/**
 * The function assets of a synthesised Amplify backend, found through the templates: each
 * `AWS::Lambda::Function` that Amplify created (`…/<name>-lambda/Resource`) names its asset
 * directory in its `aws:asset:path` metadata. CDK's own helper functions are left out.
 */
export function assetReport(outdir: string): AssetEntry[] {
  const templates = readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
  return templates.flatMap((file) => {
    const template = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as { Resources?: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
    return Object.values(template.Resources ?? {}).flatMap((resource) => {
      const path = String(resource.Metadata?.['aws:cdk:path'] ?? '');
      const assetDir = resource.Metadata?.['aws:asset:path'];
      const name = /\/function\/([^/]+)-lambda\/Resource$/.exec(path)?.[1];
      if (resource.Type !== 'AWS::Lambda::Function' || name === undefined || typeof assetDir !== 'string') return [];
      const dir = join(outdir, assetDir);
      const bundle = join(dir, 'index.mjs');
      return [{ function: name, assetDir, bundleBytes: statSync(bundle, { throwIfNoEntry: false })?.size ?? 0, totalBytes: directoryBytes(dir) }];
    });
  });
}

export function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}
