import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnResource, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as triggers from 'aws-cdk-lib/triggers';
import type { DatabaseResources } from './types';

/** Where the migrations live: each file there is one migration (see `lambdas/migrate/src/migrator.ts`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../lambdas/migrate/src/migrations', import.meta.url));

/**
 * A digest of every migration file (names and contents, in name order). It is the trigger's input
 * below: identical across syntheses while no migration changes, different as soon as one does.
 */
export function migrationsFingerprint(dir = MIGRATIONS_DIR): string {
  const hash = createHash('sha256');
  const walk = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = `${prefix}${entry.name}`;
      if (entry.isDirectory()) walk(join(folder, entry.name), `${name}/`);
      else hash.update(`${name}\0`).update(readFileSync(join(folder, entry.name))).update('\0');
    }
  };
  walk(dir, '');
  return hash.digest('hex');
}

/**
 * Runs the `migrate` function during a deployment, after the database exists, so a fresh sandbox
 * serves `/todos` with no manual step. A CDK trigger invokes it synchronously and fails the
 * deployment if it fails. CloudFormation calls the trigger on creation and whenever one of its
 * properties changes: `Migrations` (the migrations' fingerprint), `AppRole` (the application role
 * the migrations create: its name and how it authenticates) or `HandlerArn` (the migrate
 * function's published version, which changes with its bundle). A deployment that changes neither
 * leaves the trigger alone, so editing the todos handler stays a hotswap in `npx ampx sandbox`
 * instead of a full stack update. (It used to carry a timestamp, which reran the migrations and
 * forced a full update on every deploy.) Reruns are harmless: the migrations are idempotent and locked.
 */
export function runMigrationsOnDeploy(migrate: lambda.IFunction, db: DatabaseResources, fingerprint: string): triggers.Trigger {
  // Triggers need the concrete class (they invoke a published version); defineBundledFunction builds a lambda.Function.
  if (!(migrate instanceof lambda.Function)) throw new Error('The migrate function must be a lambda.Function for a trigger');
  const trigger = new triggers.Trigger(migrate, 'RunOnDeploy', {
    handler: migrate,
    invocationType: triggers.InvocationType.REQUEST_RESPONSE,
    // The function's own timeout plus the invoke round trip.
    timeout: Duration.seconds(migrate.timeout?.toSeconds() ?? 300).plus(Duration.seconds(30)),
    executeAfter: [...db.migrateAfter],
  });
  // Trigger → CustomResource 'Default' → its CfnResource.
  const resource = trigger.node.defaultChild?.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error('A Trigger is backed by a CloudFormation custom resource');
  resource.addPropertyOverride('Migrations', fingerprint);
  // A change of the application role (its name, or password ↔ IAM) must reach the database too.
  const appRole = db.migrate.appRole;
  if (appRole !== undefined) resource.addPropertyOverride('AppRole', { User: appRole.user, Auth: appRole.secretName !== undefined ? 'password' : 'iam' });
  return trigger;
}
