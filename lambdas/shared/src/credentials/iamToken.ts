/**
 * IAM database authentication: the password of a new connection is a token that
 * `@aws-sdk/rds-signer` signs with the function's own AWS credentials (SigV4, service `rds-db`).
 * RDS and RDS Proxy accept a token for 15 minutes after it was signed, and only over TLS.
 *
 * Signing is local (no network call), but it is not free and the role's credentials can be
 * refreshed under it, so one token serves every connection opened while it is well inside its
 * life (`TOKEN_REUSE_MS`), and a new one is signed after that. A token is a bearer credential for
 * those 15 minutes: it lives in memory only and is never logged.
 */
import { env } from '../config/variables';
import { defaultRegion } from '../secrets/secretsProvider';
import { IamAuthConfigError } from './errors';

/** RDS's validity window for a token. */
const TOKEN_LIFETIME_MS = 15 * 60_000;
/** A token older than this is not handed to a new connection: 5 minutes of margin for clock skew and slow handshakes. */
export const TOKEN_REUSE_MS = TOKEN_LIFETIME_MS - 5 * 60_000;

/** Who the token is for: it signs exactly this host, port, user and region. */
export interface TokenTarget {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
}

export interface IssuedToken {
  readonly token: string;
  readonly issuedAt: number;
}

/** The part of `@aws-sdk/rds-signer`'s `Signer` used here; tests may hand in another. */
export type SignToken = (target: TokenTarget) => Promise<string>;

/**
 * Signs with `@aws-sdk/rds-signer`. Loaded on first use: a function that never uses IAM
 * authentication never evaluates the signer at cold start. The signer takes the role's credentials
 * from the SDK's default chain (the function's environment on Lambda).
 */
export const signWithRdsSigner: SignToken = async (target) => {
  const { Signer } = await import('@aws-sdk/rds-signer');
  return new Signer(target).getAuthToken();
};

/** One container's tokens: reused while young enough, signed anew after. */
export class IamTokenSource {
  private current: (IssuedToken & { key: string }) | undefined;
  private pending: Promise<IssuedToken> | undefined;

  constructor(
    private readonly sign: SignToken = signWithRdsSigner,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A token for `target` that is at most `TOKEN_REUSE_MS` old; `fresh` signs a new one regardless. */
  async token(target: TokenTarget, options: { fresh?: boolean } = {}): Promise<IssuedToken> {
    const key = `${target.username}@${target.hostname}:${target.port}/${target.region}`;
    const cached = this.current;
    if (!options.fresh && cached?.key === key && this.now() - cached.issuedAt < TOKEN_REUSE_MS) return { token: cached.token, issuedAt: cached.issuedAt };
    // Concurrent new connections share one signing.
    this.pending ??= (async () => {
      const issuedAt = this.now();
      const token = await this.sign(target);
      this.current = { token, issuedAt, key };
      return { token, issuedAt };
    })().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forget the token (tests; a database that refused it). */
  clear(): void {
    this.current = undefined;
  }
}

const containerTokens = new IamTokenSource();

/** The container's token source (what `getDbCredentials` and each new connection use). */
export function iamTokenSource(): IamTokenSource {
  return containerTokens;
}

/**
 * The token's target from the environment: `DB_HOST`, `DB_PORT`, `DB_USER` and the region. IAM
 * authentication needs TLS (RDS refuses a token in clear text), and takes no secret.
 */
export async function iamTokenTarget(): Promise<TokenTarget> {
  if (!env.DB_SSL) throw new IamAuthConfigError('DB_AUTH=iam needs DB_SSL=true: RDS accepts an IAM token over TLS only');
  if (env.DB_SECRET_NAME !== undefined) {
    throw new IamAuthConfigError('DB_AUTH=iam signs a token instead of reading a secret: unset DB_SECRET_NAME (or set DB_AUTH=password)');
  }
  const region = await defaultRegion();
  if (region === undefined) throw new IamAuthConfigError('DB_AUTH=iam needs a region to sign for: set AWS_REGION (Lambda sets it)');
  return { hostname: env.DB_HOST, port: env.DB_PORT, username: env.DB_USER, region };
}
