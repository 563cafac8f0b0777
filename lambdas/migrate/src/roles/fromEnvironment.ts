/**
 * The application role the deployment asks for: `DB_APP_USER`, with its password from the secret
 * `DB_APP_SECRET_NAME` (read with the shared SecretManager; the same secret the API functions read,
 * so the two can never disagree), or without one for IAM authentication.
 */
import { env } from '@lambdas/shared';
import { SecretManager } from '@lambdas/shared/secrets';
import { AppRoleError, type AppRole } from './appRole';

export async function appRoleFromEnvironment(secrets: SecretManager = new SecretManager()): Promise<AppRole | undefined> {
  const user = env.DB_APP_USER;
  if (user === undefined) return undefined;
  const secretName = env.DB_APP_SECRET_NAME;
  if (secretName === undefined) return { user };
  const secret = await secrets.getValueForSecret({ dbType: 'POSTGRES', Secret: secretName });
  if (secret.user !== user) throw new AppRoleError(`Secret "${secretName}" holds the password of "${secret.user}", not of DB_APP_USER (${user})`);
  return { user, password: secret.password };
}
