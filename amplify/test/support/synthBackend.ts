import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aspects, NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SYNTH_CONTEXT } from '../../../scripts/synthReport';
import type * as BackendModuleNamespace from '../../backend';


type BackendModule = typeof BackendModuleNamespace;

export interface SynthesizedBackend {
  readonly module: BackendModule;
  readonly root: Stack;
  /** The nested stacks Amplify and `backend.ts` create, by id: `auth`, `function`, `api`, `database`. */
  readonly stacks: ReadonlyMap<string, NestedStack>;
  template(stackId: 'root' | 'function' | 'api' | 'auth' | 'database'): Template;
  /** Every template of the deployment (root and nested) as JSON. */
  allTemplates(): Array<{ id: string; json: Record<string, unknown> }>;
  readonly outdir: string;
  cleanup(): void;
}

/**
 * Synthesises `amplify/backend.ts` in this process with the given `DEPLOY_*` settings, exactly as
 * `ampx` would but offline. The module is cached: call this once per test file. `bundling: false`
 * skips esbuild (fast); `true` builds every function for real. cdk-nag's AwsSolutions pack is
 * attached before the first synthesis so its findings land in the annotations.
 */
export async function synthesizeBackend(options: { settings: Record<string, string>; bundling: boolean }): Promise<SynthesizedBackend> {
  const outdir = mkdtempSync(join(tmpdir(), 'amplify-synth-'));
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('DEPLOY_')) delete process.env[name];
  Object.assign(process.env, options.settings, {
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ ...SYNTH_CONTEXT, ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) }),
  });
  let module: BackendModule;
  try {
    module = await import('../../backend');
  } finally {
    process.env = saved;
  }
  const root = module.backend.stack;
  Aspects.of(root).add(new AwsSolutionsChecks({ verbose: true }));
  const stacks = new Map(root.node.children.filter(NestedStack.isNestedStack).map((s) => [s.node.id, s] as const));
  const templates = new Map<string, Template>();
  const template = (id: string): Template => {
    let t = templates.get(id);
    if (t === undefined) {
      const stack = id === 'root' ? root : stacks.get(id);
      if (stack === undefined) throw new Error(`No nested stack "${id}"; have ${[...stacks.keys()].join(', ')}`);
      t = Template.fromStack(stack);
      templates.set(id, t);
    }
    return t;
  };
  return {
    module,
    root,
    stacks,
    template,
    allTemplates: () => ['root', ...stacks.keys()].map((id) => ({ id, json: template(id).toJSON() })),
    outdir,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
