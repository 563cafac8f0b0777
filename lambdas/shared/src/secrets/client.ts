import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const clients = new Map<string, SecretsManagerClient>();

/**
 * One client per region for the life of the container (a client holds its connection pool and
 * resolved credentials). Everything else — credentials, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, retry
 * mode — comes from the SDK's standard configuration; nothing here names an endpoint.
 *
 * Timeouts are explicit so that an unreachable service costs seconds, not the function's timeout:
 * with the SDK's 3 attempts, a cold start's worst case stays well under a 10 s Lambda timeout.
 */
export function secretsManagerClient(region: string): SecretsManagerClient {
  let client = clients.get(region);
  if (!client) {
    client = new SecretsManagerClient({
      region,
      // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes and keeps waiting.
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
    });
    clients.set(region, client);
  }
  return client;
}

/**
 * Test hook: a new container creates new clients, which read the environment (endpoint,
 * credentials) afresh. The old ones are only forgotten: a test may still hold one.
 */
export function resetSecretsManagerClientsForTests(): void {
  clients.clear();
}
