/**
 * AWS Secrets Manager behind `BaseProvider`: it only fetches. The region is resolved once (the first
 * time one is needed) and checked in one place, `client()`.
 */
import { BatchGetSecretValueCommand, GetSecretValueCommand, SecretsManagerClient, type SecretValueEntry } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from './client';
import { MissingRegionError, SecretsManagerRequestError } from './errors';
import { BaseProvider, type Fetched, type ProviderOptions } from './provider';
import { regionFrom } from './region';

export interface SecretsProviderOptions extends ProviderOptions {
  /** The default region (default: `defaultRegion()`). */
  resolveRegion?: () => string | undefined | Promise<string | undefined>;
  clientForRegion?: (region: string) => SecretsManagerClient;
  /** Told when BatchGetSecretValue is refused and the values are fetched one by one. */
  onBatchRefused?: (errorName: string, count: number) => void;
  /** Told before each request (for debug logs: names, never values). */
  onRequest?: (operation: 'GetSecretValue' | 'BatchGetSecretValue', detail: Record<string, unknown>) => void;
}

/** BatchGetSecretValue accepts at most 20 ids a call. */
const BATCH_SIZE = 20;
/** Errors meaning "this caller may not use BatchGetSecretValue": fall back to one call per secret. */
const BATCH_REFUSED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'UnknownOperationException', 'InvalidRequestException']);

/**
 * The region as the AWS SDK resolves it (`AWS_REGION`, then the profile's `region` in the shared
 * config file), else `AWS_DEFAULT_REGION` (the AWS CLI's name, common on laptops and in CI, which the
 * SDK ignores); `undefined` when none is configured.
 */
export async function defaultRegion(): Promise<string | undefined> {
  const fromEnvironment = regionFrom((name) => process.env[name]);
  if (fromEnvironment) return fromEnvironment;
  // The SDK's own region provider (no network: environment and config files).
  return new SecretsManagerClient({}).config.region().catch(() => undefined);
}

export class SecretsProvider extends BaseProvider {
  private defaultRegion: Promise<string | undefined> | undefined;

  constructor(private readonly options: SecretsProviderOptions) {
    super(options);
  }

  /** The client for `region`, or the default region; a `MissingRegionError` when there is none. */
  private async client(region?: string): Promise<SecretsManagerClient> {
    if (region === undefined) this.defaultRegion ??= Promise.resolve((this.options.resolveRegion ?? defaultRegion)());
    const resolved = region ?? (await this.defaultRegion);
    if (!resolved) {
      this.defaultRegion = undefined; // configured later (a test, a script), it is found then
      throw new MissingRegionError();
    }
    return (this.options.clientForRegion ?? secretsManagerClient)(resolved);
  }

  protected async fetch(id: string, { stage, region, logDetail }: { stage?: string; region?: string; logDetail?: Record<string, unknown> }): Promise<string | undefined | null> {
    const client = await this.client(region);
    this.options.onRequest?.('GetSecretValue', { secretName: id, ...logDetail, ...(stage ? { versionStage: stage } : {}) });
    try {
      return (await client.send(new GetSecretValueCommand({ SecretId: id, ...(stage ? { VersionStage: stage } : {}) }))).SecretString;
    } catch (error) {
      // A version stage nobody holds (no rotation in progress) is an answer, not a failure.
      if (stage !== undefined && error instanceof Error && error.name === 'ResourceNotFoundException') return null;
      throw new SecretsManagerRequestError(id, error);
    }
  }

  protected async fetchMany(ids: readonly string[], region?: string): Promise<Fetched> {
    const client = await this.client(region);
    const chunks = Array.from({ length: Math.ceil(ids.length / BATCH_SIZE) }, (_, i) => ids.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE));
    const lookups = chunks.map((chunk) => this.fetchBatch(client, chunk, region));
    lookups.forEach((lookup) => lookup.catch(() => undefined));
    const owner = new Map(chunks.flatMap((chunk, i) => chunk.map((id) => [id, lookups[i] as Promise<Fetched>] as const)));
    return async (id) => (await (owner.get(id) as Promise<Fetched>))(id);
  }

  /** One BatchGetSecretValue call; a refused batch falls back to single calls. */
  private async fetchBatch(client: SecretsManagerClient, ids: readonly string[], region?: string): Promise<Fetched> {
    this.options.onRequest?.('BatchGetSecretValue', { count: ids.length });
    let values: SecretValueEntry[];
    let errors: Map<string, string>;
    try {
      const response = await client.send(new BatchGetSecretValueCommand({ SecretIdList: [...ids] }));
      values = response.SecretValues ?? [];
      errors = new Map((response.Errors ?? []).map((e) => [e.SecretId ?? '', e.ErrorCode ?? 'UnknownError']));
    } catch (error) {
      if (!(error instanceof Error) || !BATCH_REFUSED.has(error.name)) throw new SecretsManagerRequestError(ids.join(', '), error);
      this.options.onBatchRefused?.(error.name, ids.length);
      return async (id) => (await this.fetch(id, { region })) ?? undefined;
    }
    return async (id) => {
      const value = values.find((v) => v.Name === id || v.ARN === id);
      if (value) return value.SecretString;
      const code = errors.get(id) ?? 'ResourceNotFoundException';
      throw new SecretsManagerRequestError(id, Object.assign(new Error(`${code} in BatchGetSecretValue`), { name: code }));
    };
  }
}
