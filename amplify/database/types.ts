import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { DatabaseConnection } from '../functions/environment';

/** Where the functions run when they must be inside a VPC to reach the database. */
export interface FunctionPlacement {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** What either database mode hands to the functions. */
export interface DatabaseResources {
  readonly connection: DatabaseConnection;
  /** The one secret the functions may read. */
  readonly secret: ISecret;
  /** A customer-managed key encrypting the secret: the functions also get `kms:Decrypt` on it. */
  readonly kmsKeyArn?: string;
  readonly placement?: FunctionPlacement;
  /** Constructs the migration must run after (the database instance and its secret attachment). */
  readonly migrateAfter: readonly Construct[];
}
