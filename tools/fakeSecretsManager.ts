/**
 * A local server that speaks the AWS Secrets Manager JSON 1.1 protocol (`X-Amz-Target:
 * secretsmanager.<Operation>`), so tests and benchmarks drive the real
 * `@aws-sdk/client-secrets-manager` client — signing, serialisation, retries and error parsing
 * included — over HTTP on loopback (`AWS_ENDPOINT_URL_SECRETS_MANAGER`).
 *
 * Implements CreateSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage,
 * BatchGetSecretValue and DescribeSecret with version stages (AWSCURRENT / AWSPENDING /
 * AWSPREVIOUS), and can inject throttling, 5xx, delays and a refused batch call.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Version {
  id: string;
  secretString: string;
  stages: Set<string>;
  created: number;
}

interface StoredSecret {
  name: string;
  arn: string;
  versions: Version[];
}

export type Fault =
  | { kind: 'throttle'; operation?: string; times?: number }
  | { kind: 'server-error'; operation?: string; times?: number }
  | { kind: 'delay'; ms: number; operation?: string; times?: number }
  | { kind: 'access-denied'; operation?: string; times?: number };

export interface RecordedCall {
  operation: string;
  secretIds: string[];
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

export class FakeSecretsManager {
  private readonly secrets = new Map<string, StoredSecret>();
  private faults: Array<Fault & { remaining: number }> = [];
  private server: Server | undefined;
  readonly calls: RecordedCall[] = [];
  /** Refuse BatchGetSecretValue with AccessDeniedException (a role without that permission). */
  refuseBatch = false;
  /**
   * Called after each request's answer is computed, before it is sent (and awaited): lets a test
   * change state between two calls, the database included.
   */
  afterCall: ((call: RecordedCall) => void | Promise<void>) | undefined;

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('FakeSecretsManager is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sets the environment the SDK reads so that clients created afterwards talk to this server. */
  configureEnvironment(env: NodeJS.ProcessEnv = process.env): void {
    env.AWS_ENDPOINT_URL_SECRETS_MANAGER = this.endpoint;
    env.AWS_REGION = env.AWS_REGION ?? REGION;
    env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
    env.AWS_SECRET_ACCESS_KEY = 'local-test-secret-key';
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }

  // ---- test-side API (no HTTP) ------------------------------------------------------------

  /** Creates (or replaces) a secret whose AWSCURRENT value is `value` (JSON-encoded unless a string). */
  putSecret(name: string, value: unknown): void {
    const secretString = typeof value === 'string' ? value : JSON.stringify(value);
    const existing = this.secrets.get(name);
    if (existing) {
      this.addVersion(existing, secretString, ['AWSCURRENT']);
      return;
    }
    const suffix = Math.random().toString(36).slice(2, 8).padEnd(6, 'x');
    this.secrets.set(name, {
      name,
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`,
      versions: [{ id: randomUUID(), secretString, stages: new Set(['AWSCURRENT']), created: Date.now() }],
    });
  }

  /** Stages a new value as AWSPENDING (step one of AWS's rotation); returns its version id. */
  stagePending(name: string, value: unknown): string {
    const secret = this.require(name);
    return this.addVersion(secret, typeof value === 'string' ? value : JSON.stringify(value), ['AWSPENDING']).id;
  }

  /** Moves AWSCURRENT onto the AWSPENDING version (the rotation's finishSecret step). */
  promotePending(name: string): void {
    const secret = this.require(name);
    const pending = secret.versions.find((v) => v.stages.has('AWSPENDING'));
    if (!pending) throw new Error(`no AWSPENDING version of ${name}`);
    this.moveStage(secret, 'AWSCURRENT', pending.id);
    pending.stages.delete('AWSPENDING');
  }

  valueOf(name: string, stage = 'AWSCURRENT'): string | undefined {
    return this.secrets.get(name)?.versions.find((v) => v.stages.has(stage))?.secretString;
  }

  arnOf(name: string): string {
    return this.require(name).arn;
  }

  /** Queue a fault for the next `times` (default 1) matching requests. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  reset(): void {
    this.secrets.clear();
    this.calls.length = 0;
    this.faults = [];
    this.refuseBatch = false;
    this.afterCall = undefined;
  }

  callCount(operation?: string): number {
    return operation === undefined ? this.calls.length : this.calls.filter((c) => c.operation === operation).length;
  }

  // ---- protocol ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : target;
    try {
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
        throw new ApiError('MissingAuthenticationTokenException', 'Request is not signed');
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ApiError('SerializationException', 'Body is not JSON');
      }
      const ids = Array.isArray(input.SecretIdList) ? input.SecretIdList.map(String) : [String(input.SecretId ?? input.Name ?? '')];
      this.calls.push({ operation, secretIds: ids });
      await this.applyFaults(operation);
      const output = this.dispatch(operation, input);
      await this.afterCall?.(this.calls[this.calls.length - 1] as RecordedCall);
      this.send(res, 200, output);
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError('InternalServiceError', String(error), 500);
      res.setHeader('x-amzn-ErrorType', e.type);
      this.send(res, e.status, { __type: e.type, message: e.message });
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  }

  private async applyFaults(operation: string): Promise<void> {
    const fault = this.faults.find((f) => f.remaining > 0 && (f.operation === undefined || f.operation === operation));
    if (!fault) return;
    fault.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    switch (fault.kind) {
      case 'delay':
        // Unref'd: a client that gave up on a slow response must not keep the test process alive.
        await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
        return;
      case 'throttle':
        throw new ApiError('ThrottlingException', 'Rate exceeded');
      case 'server-error':
        throw new ApiError('InternalServiceError', 'Injected failure', 500);
      case 'access-denied':
        throw new ApiError('AccessDeniedException', 'Injected access denial');
    }
  }

  private dispatch(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'GetSecretValue':
        return this.getSecretValue(String(input.SecretId ?? ''), input.VersionStage as string | undefined, input.VersionId as string | undefined);
      case 'BatchGetSecretValue': {
        if (this.refuseBatch) throw new ApiError('AccessDeniedException', 'not authorized to perform: secretsmanager:BatchGetSecretValue');
        const ids = Array.isArray(input.SecretIdList) ? input.SecretIdList.map(String) : [];
        if (ids.length === 0 || ids.length > 20) throw new ApiError('InvalidParameterException', 'SecretIdList must hold 1 to 20 ids');
        const values: unknown[] = [];
        const errors: unknown[] = [];
        for (const id of ids) {
          try {
            values.push(this.getSecretValue(id));
          } catch (error) {
            const e = error as ApiError;
            errors.push({ SecretId: id, ErrorCode: e.type, Message: e.message });
          }
        }
        return { SecretValues: values, Errors: errors };
      }
      case 'CreateSecret': {
        const name = String(input.Name ?? '');
        if (this.secrets.has(name)) throw new ApiError('ResourceExistsException', `Secret ${name} already exists`);
        this.putSecret(name, String(input.SecretString ?? ''));
        const secret = this.require(name);
        return { ARN: secret.arn, Name: name, VersionId: secret.versions[0]?.id };
      }
      case 'PutSecretValue': {
        const secret = this.find(String(input.SecretId ?? ''));
        const stages = Array.isArray(input.VersionStages) ? input.VersionStages.map(String) : ['AWSCURRENT'];
        const version = this.addVersion(secret, String(input.SecretString ?? ''), stages);
        return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
      }
      case 'UpdateSecretVersionStage': {
        const secret = this.find(String(input.SecretId ?? ''));
        const stage = String(input.VersionStage ?? '');
        if (typeof input.MoveToVersionId === 'string') this.moveStage(secret, stage, input.MoveToVersionId);
        else secret.versions.find((v) => v.id === input.RemoveFromVersionId)?.stages.delete(stage);
        return { ARN: secret.arn, Name: secret.name };
      }
      case 'DescribeSecret': {
        const secret = this.find(String(input.SecretId ?? ''));
        return { ARN: secret.arn, Name: secret.name, VersionIdsToStages: Object.fromEntries(secret.versions.map((v) => [v.id, [...v.stages]])) };
      }
      default:
        throw new ApiError('UnknownOperationException', `Operation ${operation} is not supported by the fake`);
    }
  }

  private getSecretValue(id: string, stage?: string, versionId?: string): unknown {
    const secret = this.find(id);
    const version = versionId ? secret.versions.find((v) => v.id === versionId) : secret.versions.find((v) => v.stages.has(stage ?? 'AWSCURRENT'));
    if (!version) throw new ApiError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage ?? 'AWSCURRENT'}`);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.secretString,
      VersionStages: [...version.stages],
      CreatedDate: version.created / 1000,
    };
  }

  private addVersion(secret: StoredSecret, secretString: string, stages: string[]): Version {
    const version: Version = { id: randomUUID(), secretString, stages: new Set(), created: Date.now() };
    secret.versions.push(version);
    for (const stage of stages) this.moveStage(secret, stage, version.id);
    return version;
  }

  /** Moving AWSCURRENT demotes the old current version to AWSPREVIOUS, as Secrets Manager does. */
  private moveStage(secret: StoredSecret, stage: string, toVersionId: string): void {
    const target = secret.versions.find((v) => v.id === toVersionId);
    if (!target) throw new ApiError('ResourceNotFoundException', 'No such version');
    for (const version of secret.versions) {
      if (version !== target && version.stages.delete(stage) && stage === 'AWSCURRENT') {
        for (const v of secret.versions) v.stages.delete('AWSPREVIOUS');
        version.stages.add('AWSPREVIOUS');
      }
    }
    target.stages.add(stage);
  }

  private find(id: string): StoredSecret {
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  private require(name: string): StoredSecret {
    const secret = this.secrets.get(name);
    if (!secret) throw new Error(`no secret ${name}`);
    return secret;
  }
}
