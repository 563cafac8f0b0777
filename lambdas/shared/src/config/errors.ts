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
