/**
 * Decides, once at start-up, which API this client talks to and whether it needs sign-in.
 *
 * - Local (`VITE_API_ENDPOINT` set, as `pnpm dev:web` does): only the REST endpoint is configured.
 *   With no Auth category Amplify has no credentials, so it sends requests unsigned — which is what
 *   `pnpm dev` expects (every route is open locally).
 * - Deployed (no `VITE_API_ENDPOINT`): the repo root's `amplify_outputs.json`, written by
 *   `npx ampx sandbox`. Its `auth` section configures Cognito; the HTTP API's endpoint is published
 *   under `custom.API`, which Amplify does not read by itself, so it is added as `API.REST`.
 */
import { Amplify } from 'aws-amplify';
import { API_NAME } from './api';

export type AppConfig =
  | { kind: 'local'; endpoint: string; pageSize: number }
  | { kind: 'deployed'; endpoint: string; signInRequired: boolean; pageSize: number }
  | { kind: 'unconfigured'; reason: string };

/** What this client reads from amplify_outputs.json (the rest is Amplify's business). */
interface OutputsWithApi {
  auth?: unknown;
  custom?: { API?: Record<string, { endpoint?: string; region?: string; protectedRoutesAuth?: 'iam' | 'public' }> };
}

// A glob, not an import: the file exists only after a sandbox deploy, and a plain import of a
// missing file would fail the build. Eager, so it is inlined into the bundle when present.
const outputsModules = import.meta.glob<Record<string, unknown>>('../../../amplify_outputs.json', { eager: true, import: 'default' });
const amplifyOutputs = Object.values(outputsModules)[0];

const DEFAULT_PAGE_SIZE = 10;

/** `?pageSize=N` in the page URL, else VITE_PAGE_SIZE, else 10; clamped to the API's 1–100. */
function pageSize(): number {
  const raw = new URLSearchParams(window.location.search).get('pageSize') ?? import.meta.env.VITE_PAGE_SIZE;
  const parsed = Number.parseInt(raw ?? '', 10);
  return Number.isFinite(parsed) ? Math.min(100, Math.max(1, parsed)) : DEFAULT_PAGE_SIZE;
}

/** The endpoint is joined to paths as strings by Amplify: a trailing slash would give `//todos`. */
const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export function configureAmplify(): AppConfig {
  const localEndpoint = import.meta.env.VITE_API_ENDPOINT?.trim();
  if (localEndpoint) {
    const endpoint = trimSlash(localEndpoint);
    // No region and no Auth: nothing to sign with, so every request goes out unsigned.
    Amplify.configure({ API: { REST: { [API_NAME]: { endpoint } } } });
    return { kind: 'local', endpoint, pageSize: pageSize() };
  }

  if (!amplifyOutputs) {
    return {
      kind: 'unconfigured',
      reason:
        'No API configured. Locally: run `pnpm dev`, then `pnpm dev:web`. Against AWS: run `npx ampx sandbox` ' +
        '(it writes amplify_outputs.json at the repo root), then `pnpm --filter @examples/web dev`.',
    };
  }
  const outputs = amplifyOutputs as OutputsWithApi;
  const api = outputs.custom?.API?.[API_NAME];
  if (!api?.endpoint) {
    return { kind: 'unconfigured', reason: `amplify_outputs.json has no custom.API.${API_NAME}.endpoint: deploy the backend again with \`npx ampx sandbox\`.` };
  }
  const endpoint = trimSlash(api.endpoint);

  // The documented pattern for a REST API defined with CDK: configure from the outputs, then add
  // the custom API to the resulting config. With a region, Amplify signs requests (SigV4) with the
  // signed-in user's identity-pool credentials.
  Amplify.configure(amplifyOutputs);
  const existing = Amplify.getConfig();
  Amplify.configure({
    ...existing,
    API: { ...existing.API, REST: { [API_NAME]: { endpoint, ...(api.region ? { region: api.region } : {}) } } },
  });
  // Sign-in only where it buys something: a deployment with DEPLOY_API_AUTH=public opens the todos
  // routes (the backend publishes that as protectedRoutesAuth), and one without Auth cannot sign in.
  return { kind: 'deployed', endpoint, signInRequired: outputs.auth !== undefined && api.protectedRoutesAuth !== 'public', pageSize: pageSize() };
}
