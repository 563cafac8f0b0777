import { REGION_VARIABLES } from './region';

/**
 * Typed errors of the secret manager. Messages name the secret and the field at fault and never
 * contain a secret value: callers may log them or return their names.
 */
export class SecretManagerError extends Error {
  override name = 'SecretManagerError';
}

/** A `secret_info` entry lacks a required key (`Secret` or `dbType`). */
export class MissingSecretKeyError extends SecretManagerError {
  override name = 'MissingSecretKeyError';
  constructor(
    readonly key: 'Secret' | 'dbType',
    readonly entry?: number,
  ) {
    super(`${entry === undefined ? 'Secret info' : `Secret entry #${entry}`} is missing the required key "${key}"`);
  }
}

/** None of `REGION_VARIABLES` is set, and no region was passed. */
export class MissingRegionError extends SecretManagerError {
  override name = 'MissingRegionError';
  constructor() {
    super(`No AWS region: set ${REGION_VARIABLES.join(' or ')}`);
  }
}

export class UnknownDatabaseTypeError extends SecretManagerError {
  override name = 'UnknownDatabaseTypeError';
  constructor(
    readonly dbType: string,
    supported: readonly string[],
  ) {
    super(`Unknown database type "${dbType}" (supported: ${supported.join(', ')})`);
  }
}

/** The secret has no SecretString, or it is not a JSON object. */
export class InvalidSecretJsonError extends SecretManagerError {
  override name = 'InvalidSecretJsonError';
  constructor(
    readonly secretName: string,
    problem: string,
  ) {
    super(`Secret "${secretName}" ${problem}`);
  }
}

/** The secret JSON lacks a field (or holds one of the wrong type). */
export class MissingSecretFieldError extends SecretManagerError {
  override name = 'MissingSecretFieldError';
  constructor(
    readonly secretName: string,
    readonly field: string,
    problem = 'is missing',
  ) {
    super(`Secret "${secretName}": field "${field}" ${problem}`);
  }
}

/** Secrets Manager refused or failed the request. `cause` is the SDK's error; `awsErrorName` its name. */
export class SecretsManagerRequestError extends SecretManagerError {
  override name = 'SecretsManagerRequestError';
  readonly awsErrorName: string;
  constructor(
    readonly secretName: string,
    cause: unknown,
  ) {
    const awsErrorName = cause instanceof Error ? cause.name : 'UnknownError';
    super(`Secrets Manager request for "${secretName}" failed: ${awsErrorName}`, { cause });
    this.awsErrorName = awsErrorName;
  }
}

/** `initializeSecretConnections` could not load some secrets; the others are cached. */
export class SecretPreloadError extends SecretManagerError {
  override name = 'SecretPreloadError';
  constructor(readonly failures: ReadonlyArray<{ secretName: string; dbType: string; error: Error }>) {
    super(`Could not preload ${failures.length} secret(s): ${failures.map((f) => `${f.secretName} (${f.error.name})`).join(', ')}`);
  }
}
