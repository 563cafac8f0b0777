import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineFunction } from '@aws-amplify/backend';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Size, Tags } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { FunctionName } from '@lambdas/shared/routes';
import { toRecord, type RuntimeEnvironment } from './environment';

/**
 * Every function is bundled by the project's own bundler (`scripts/bundle.ts`: esbuild settings and
 * the `bundleStubs.ts` cuts in ONE place), not by a second esbuild configuration here.
 *
 * Why a construct-returning `defineFunction` ("custom functions" in the Amplify Gen 2 docs) and not
 * `defineFunction({ entry, … })` with its asset overridden afterwards: the plain form builds a CDK
 * `NodejsFunction`, which runs Amplify's esbuild (no plugins) inside its constructor. Overriding
 * `cfnFunction.code` later would still run that build on every synthesis and still stage and upload
 * its 2.5 MB asset (the asset stays in the cloud assembly's manifest), and it would bypass CDK's asset
 * model. A provided `lambda.Function` whose `Code.fromAsset` bundles locally (`ILocalBundling`) is the
 * documented way to deploy a self-built artifact: CDK calls `tryBundle` during synthesis, hashes the
 * output, stages and uploads it like any asset, and honours `aws:cdk:bundling-stacks` (tests skip it).
 *
 * What Amplify still provides for a provided function (backend-function 1.19, `ProvidedAmplifyFunction`):
 * `backend.<name>.resources.lambda` is this `lambda.Function`, `resources.cfnResources.cfnFunction` its
 * `CfnFunction`, `addEnvironment` works, and the function is recorded in the backend outputs. What it
 * does not apply (documented): `defineFunction`'s `environment`, `logging`, `runtime`, `timeoutSeconds`,
 * `memoryMB`, layers and schedules. They are set on the construct below, reproducing what Amplify set:
 * the same construct ids (`<name>-lambda`, `<name>-log-group`, hence the same logical ids: no
 * replacement of deployed functions, roles or log groups), x86_64, 512 MB of /tmp, the log group with
 * its retention and DESTROY policy, and the `amplify:friendly-name` tag on the function and its role.
 * Lost, and unused here: Amplify's SSM `secret()` shim (the functions read Secrets Manager themselves)
 * and the generated `$amplify/env/<name>` types (`lambdas/shared`'s `env.ts` types the variables).
 */
export interface BundledFunctionProps {
  readonly name: FunctionName;
  readonly timeoutSeconds: number;
  readonly memoryMB: number;
  readonly environment: RuntimeEnvironment;
  readonly logRetention: logs.RetentionDays;
}

/** The repository root: `scripts/bundleCli.ts` and the handlers are found from it. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `scripts/bundle.ts` writes `index.mjs` (ESM) exporting `handler`: the handler string must match. */
export const HANDLER = 'index.handler';

/**
 * Runs `scripts/bundleCli.ts <name> <outputDir>` synchronously (CDK's `tryBundle` is synchronous and
 * esbuild plugins need the async API, hence a child process), with the same Node that runs the
 * synthesis and tsx to load the TypeScript CLI. ~0.5 s per function.
 */
function bundleLocally(name: FunctionName): lambda.AssetCode {
  return lambda.Code.fromAsset(join(ROOT, 'lambdas', name), {
    // Hash the bundle, not the source directory: an unchanged bundle is not re-uploaded, and nothing
    // fingerprints the sources (or node_modules) on every synthesis.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: `local.tryBundle` always succeeds or throws. CDK requires an image to be named.
      image: DockerImage.fromRegistry('local-bundling-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bundleCli.ts'), name, outputDir], { cwd: ROOT, encoding: 'utf8' });
          // esbuild's errors (a broken import…) end up in CDK's "Failed to bundle asset" error.
          if (run.status !== 0) throw new Error(`scripts/bundleCli.ts ${name} failed (${run.error?.message ?? `exit ${run.status ?? run.signal}`}):\n${run.stderr}`);
          process.stderr.write(run.stderr);
          return true;
        },
      },
    },
  });
}

/**
 * `defineFunction` for one of the project's functions, deployed with the project's own bundle.
 * The runtime is Node.js 22 (the bundle's esbuild target is node22).
 */
export function defineBundledFunction(props: BundledFunctionProps) {
  return defineFunction((scope) => {
    const logGroup = new logs.LogGroup(scope, `${props.name}-log-group`, {
      retention: props.logRetention,
      // Lambda's own log groups are deleted with the function; so was Amplify's.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fn = new lambda.Function(scope, `${props.name}-lambda`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      handler: HANDLER,
      code: bundleLocally(props.name),
      timeout: Duration.seconds(props.timeoutSeconds),
      memorySize: props.memoryMB,
      ephemeralStorageSize: Size.mebibytes(512),
      logGroup,
      // `addEnvironment` (backend.ts, access.ts) adds to these: Amplify merges its entries into
      // `Environment.Variables`. `--enable-source-maps`: the bundle ships `index.mjs.map`.
      environment: { ...toRecord(props.environment), NODE_OPTIONS: '--enable-source-maps' },
    });
    // Amplify tags the CfnFunction with the construct id (`<name>-lambda`); the higher priority keeps
    // the function's name, which `ampx sandbox --stream-function-logs --logs-filter <name>` matches.
    Tags.of(fn).add('amplify:friendly-name', props.name, { priority: 200 });
    return fn;
  });
}

