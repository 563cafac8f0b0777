/**
 * The shape this backend publishes under `custom.API` in `amplify_outputs.json` (the key and fields
 * Amplify's docs use for a REST endpoint, so Amplify JS can call it too), read back by `pnpm invoke`.
 */
export const API_OUTPUT_NAME = 'todosApi';

export interface ApiOutput {
  readonly endpoint: string;
  readonly region: string;
  readonly apiName: string;
  /** How the manifest's `iam` routes are authorised in this deployment. */
  readonly protectedRoutesAuth: 'iam' | 'public';
}

export interface AmplifyOutputsWithApi {
  readonly custom?: { readonly API?: Readonly<Record<string, Partial<ApiOutput>>> };
}
