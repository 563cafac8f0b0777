import { ConfigError } from '../config/errors';

/** Production could not obtain database credentials from Secrets Manager and has no fallback. */
export class CredentialsUnavailableError extends ConfigError {
  override name = 'CredentialsUnavailableError';
  constructor(
    readonly secretName: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? `${options.cause.name}: ${options.cause.message}` : 'unknown error';
    super(`Could not read database credentials from secret "${secretName}" (${reason}) and DB_PASSWORD is not set`, options);
  }
}

/** `DB_AUTH=iam` cannot sign a token with this configuration (no TLS, a secret as well, no region). */
export class IamAuthConfigError extends ConfigError {
  override name = 'IamAuthConfigError';
}
