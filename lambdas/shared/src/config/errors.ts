/** Base class of every configuration error the shared package raises. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * A variable is missing or malformed. The message names the variable and what is wrong with it,
 * never its value (it may be a password).
 */
export class EnvVarError extends ConfigError {
  override name = 'EnvVarError';
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Environment variable ${variable} ${problem}`);
  }
}

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
