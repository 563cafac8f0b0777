import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ExistingDatabaseSettings } from '../settings';
import type { DatabaseAccess, DatabaseResources } from './types';

/**
 * `rds-db:connect` as exactly `user` on exactly the database (or proxy) `resourceId`:
 * `arn:aws:rds-db:<region>:<account>:dbuser:<db-…|cluster-…|prx-…>/<user>`, what RDS checks an IAM token against.
 */
function grantIamConnect(resourceId: string, user: string): (grantee: iam.IGrantable) => void {
  return (grantee) => {
    const stack = Stack.of(grantee.grantPrincipal as unknown as Construct);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['rds-db:connect'],
      resourceArns: [stack.formatArn({ service: 'rds-db', resource: 'dbuser', resourceName: `${resourceId}/${user}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    });
  };
}

/**
 * The user's own database: nothing is created. Secrets are imported by name, which makes every
 * grant name `arn:…:secret:<name>-??????` (Secrets Manager appends six random characters to each
 * secret's ARN), so each function reads its own secret and no other.
 *
 * With `DEPLOY_DB_APP_USER`, the same split as provisioned mode: migrate connects as DEPLOY_DB_USER
 * (the owner; only migrate reads its secret) and creates the application role; the API functions
 * connect as that role, with its secret's password or an IAM token. Without it, one user for all.
 */
export function existingDatabase(scope: Construct, settings: ExistingDatabaseSettings): DatabaseResources {
  const ownerSecret = Secret.fromSecretNameV2(scope, 'DatabaseSecret', settings.secretName);
  const appSecretName = settings.appUser?.secretName;
  const appSecret: ISecret | undefined = appSecretName !== undefined ? Secret.fromSecretNameV2(scope, 'AppUserSecret', appSecretName) : undefined;
  const shared = {
    ...(settings.kmsKeyArn !== undefined ? { kmsKeyArn: settings.kmsKeyArn } : {}),
    ...(settings.network !== undefined ? { placement: settings.network } : {}),
  };
  // Behind your pooler every function goes through it, migrate included (its time limits are SET LOCAL).
  const endpoint = { host: settings.host, port: settings.port, name: settings.name, ssl: settings.ssl, ...(settings.pooler !== undefined ? { pooler: settings.pooler } : {}) };

  const migrate: DatabaseAccess = {
    connection: { ...endpoint, user: settings.user, secretName: settings.secretName, auth: 'password' },
    secrets: appSecret !== undefined ? [ownerSecret, appSecret] : [ownerSecret],
    ...(settings.appUser !== undefined ? { appRole: { user: settings.appUser.user, ...(appSecretName !== undefined ? { secretName: appSecretName } : {}) } } : {}),
    ...shared,
  };

  const apiUser = settings.appUser?.user ?? settings.user;
  const apiSecret = settings.appUser !== undefined ? appSecret : ownerSecret;
  const api: DatabaseAccess =
    settings.auth === 'iam'
      ? { connection: { ...endpoint, user: apiUser, auth: 'iam' }, secrets: [], grantConnect: grantIamConnect(settings.resourceId ?? '', apiUser), ...shared }
      : {
          connection: { ...endpoint, user: apiUser, secretName: settings.appUser !== undefined ? (appSecretName ?? '') : settings.secretName, auth: 'password' },
          secrets: apiSecret !== undefined ? [apiSecret] : [],
          ...shared,
        };
  return { api, migrate, migrateAfter: [] };
}
