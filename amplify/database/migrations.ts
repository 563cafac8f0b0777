import { CfnResource, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as triggers from 'aws-cdk-lib/triggers';
import type { DatabaseResources } from './types';

/**
 * Runs the `migrate` function during every deployment, after the database exists, so a fresh
 * sandbox serves `/todos` with no manual step. A CDK trigger invokes it synchronously and fails the
 * deployment if it fails. The migrations are idempotent and take an advisory lock, so running them
 * on every deploy costs one quick invocation; the `DeployRun` property changes on each synthesis,
 * which is what makes CloudFormation call the trigger again even when nothing else changed.
 */
export function runMigrationsOnDeploy(migrate: lambda.IFunction, db: DatabaseResources, deployRun: string): triggers.Trigger {
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
  resource.addPropertyOverride('DeployRun', deployRun);
  return trigger;
}
