import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { databaseEnvironment } from '../functions/environment';
import { suppress } from '../nag';
import type { DatabaseAccess, FunctionPlacement } from './types';

/** The part of an Amplify `backend.<function>` this module uses. */
export interface BackendFunction {
  readonly resources: { readonly lambda: IFunction; readonly cfnResources: { readonly cfnFunction: CfnFunction } };
  addEnvironment(key: string, value: string): void;
}

const VPC_ACCESS_POLICY = 'service-role/AWSLambdaVPCAccessExecutionRole';

/**
 * Gen 2's `defineFunction` has no VPC option (amplify-backend#1112), so the subnets and security
 * groups go on the underlying CloudFormation function. The ENI permissions come from AWS's managed
 * policy, attached to the role itself: CloudFormation then creates the role (with them) before the
 * function, which it validates at creation.
 */
function placeInVpc(fn: BackendFunction, placement: FunctionPlacement): void {
  fn.resources.cfnResources.cfnFunction.vpcConfig = {
    subnetIds: [...placement.subnetIds],
    securityGroupIds: [...placement.securityGroupIds],
  };
  const role = fn.resources.lambda.role;
  if (role === undefined) throw new Error(`${fn.resources.lambda.node.path} has no execution role to grant VPC access to`);
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(VPC_ACCESS_POLICY));
  suppress(role, [
    {
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaVPCAccessExecutionRole is the documented minimum for a function to create its ENIs in the VPC.',
      appliesTo: [`Policy::arn:<AWS::Partition>:iam::aws:policy/${VPC_ACCESS_POLICY}`],
    },
  ]);
}

/**
 * Everything a function needs to use the database: its `DB_*` variables, read access to exactly
 * its secrets (`secretsmanager:GetSecretValue` + `DescribeSecret` on each ARN, no `*`) or
 * `rds-db:connect` as its one database user, `kms:Decrypt` on a customer-managed key only through
 * Secrets Manager, and a VPC placement.
 */
export function connectFunction(fn: BackendFunction, db: DatabaseAccess): void {
  for (const [name, value] of Object.entries(databaseEnvironment(db.connection, db.appRole))) {
    if (value !== undefined) fn.addEnvironment(name, value);
  }
  for (const secret of db.secrets) secret.grantRead(fn.resources.lambda);
  db.grantConnect?.(fn.resources.lambda);
  if (db.kmsKeyArn !== undefined && db.secrets.length > 0) {
    fn.resources.lambda.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [db.kmsKeyArn],
        // Usable only for Secrets Manager's decryption of the secret, not for arbitrary ciphertext.
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(fn.resources.lambda).region}.amazonaws.com` } },
      }),
    );
  }
  if (db.placement !== undefined) placeInVpc(fn, db.placement);
}
