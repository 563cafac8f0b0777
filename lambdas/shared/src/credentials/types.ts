/** Where a container's database credentials came from. */
export type CredentialsSource = 'env' | 'secrets-manager' | 'iam';

/**
 * The one record of connection credentials, from `.env` or the secret all the way to the driver
 * (pg names the same fields; Sequelize's options call `user` `username`, set in one place:
 * `credentialOptions` in `db/options.ts`).
 */
export interface DbCredentials {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly source: CredentialsSource;
}

/** The version stages of a secret that may hold the database's password during a rotation. */
export type SecretStage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';
