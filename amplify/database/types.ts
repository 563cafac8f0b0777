import type * as iam from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AppRoleConnection, DatabaseConnection } from '../functions/environment';

/** Where the functions run when they must be inside a VPC to reach the database. */
export interface FunctionPlacement {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** How one group of functions reaches the database, and exactly what it may read or sign for. */
export interface DatabaseAccess {
  readonly connection: DatabaseConnection;
  /** The secrets these functions may read (none for the API functions with IAM authentication). */
  readonly secrets: readonly ISecret[];
  /** IAM authentication: `rds-db:connect` as `connection.user`, on this database (or proxy) only. */
  readonly grantConnect?: (grantee: iam.IGrantable) => void;
  /** A customer-managed key encrypting the secrets: the functions also get `kms:Decrypt` on it. */
  readonly kmsKeyArn?: string;
  readonly placement?: FunctionPlacement;
  /** The migrate function only: the application role it creates for the API functions. */
  readonly appRole?: AppRoleConnection;
}

/**
 * What either database mode hands to the functions: the API functions (`health`, `todos`) connect
 * as the least-privileged application role (through the proxy, when there is one); `migrate`
 * connects directly as the owner and is the only one that may read the owner's secret.
 */
export interface DatabaseResources {
  readonly api: DatabaseAccess;
  readonly migrate: DatabaseAccess;
  /** Constructs the migration must run after (the database instance and its secret attachment). */
  readonly migrateAfter: readonly Construct[];
}
