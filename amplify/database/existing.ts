import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ExistingDatabaseSettings } from '../settings';
import type { DatabaseResources } from './types';

/**
 * The user's own database: nothing is created. The secret is imported by name, which makes every
 * grant name `arn:…:secret:<name>-??????` (Secrets Manager appends six random characters to each
 * secret's ARN), so the functions can read that secret and no other.
 */
export function existingDatabase(scope: Construct, settings: ExistingDatabaseSettings): DatabaseResources {
  const secret = Secret.fromSecretNameV2(scope, 'DatabaseSecret', settings.secretName);
  return {
    connection: {
      host: settings.host,
      port: settings.port,
      name: settings.name,
      user: settings.user,
      secretName: settings.secretName,
      ssl: settings.ssl,
    },
    secret,
    ...(settings.kmsKeyArn !== undefined ? { kmsKeyArn: settings.kmsKeyArn } : {}),
    ...(settings.network !== undefined ? { placement: settings.network } : {}),
    migrateAfter: [],
  };
}
