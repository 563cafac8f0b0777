import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ENV_SCHEMA, type EnvName } from '../../../lambdas/shared/src/config/env';
import { FUNCTION_NAMES, ROUTES, routeKey } from '../../../lambdas/shared/src/routes';
import { asArray, functionLogicalId, literalPasswords, nagSuppressions, resources, statements, type Json } from './templates';
import type { SynthesizedBackend } from './synthBackend';

/** The variables the functions cannot start without: no default in ENV_SCHEMA and not optional. */
const REQUIRED_AT_RUNTIME = (Object.keys(ENV_SCHEMA) as EnvName[]).filter((name) => !ENV_SCHEMA[name].safeParse(undefined).success);

export interface Expectations {
  /** Asserts that a Secrets Manager statement's resource is the configured secret (and nothing else). */
  readonly isConfiguredSecret: (synth: SynthesizedBackend, resource: unknown) => void;
  readonly protectedRoutesAuth: 'AWS_IAM' | 'NONE';
  readonly environment: Partial<Record<EnvName | 'NODE_EXTRA_CA_CERTS', string | RegExp>>;
}

function functionResource(synth: SynthesizedBackend, name: (typeof FUNCTION_NAMES)[number]): Json {
  const fn = synth.module.backend[name].resources.lambda;
  const id = functionLogicalId(fn);
  const found = resources(synth.template('function').toJSON(), 'AWS::Lambda::Function').find(([logicalId]) => logicalId === id);
  if (found === undefined) throw new Error(`function ${name} (${id}) is not in the function stack`);
  return found[1].Properties ?? {};
}

export function functionEnvironment(synth: SynthesizedBackend, name: (typeof FUNCTION_NAMES)[number]): Record<string, unknown> {
  return ((functionResource(synth, name).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
}

/** Assertions both database modes must satisfy. */
export function sharedBackendTests(getSynth: () => SynthesizedBackend, expect_: Expectations): void {
  test.each(FUNCTION_NAMES)('%s runs on nodejs22.x with explicit timeout and memory', (name) => {
    const props = functionResource(getSynth(), name);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Timeout).toEqual(expect.any(Number));
    expect(props.Timeout).toBeGreaterThan(3); // Amplify's default of 3 s is too short for a cold secret fetch + TLS connect.
    expect(props.MemorySize).toEqual(expect.any(Number));
  });

  test.each(FUNCTION_NAMES)('%s has the DB_* variables, NODE_ENV=production and no password', (name) => {
    const variables = functionEnvironment(getSynth(), name);
    for (const required of REQUIRED_AT_RUNTIME) expect(variables).toHaveProperty(required);
    for (const variable of ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_SECRET_NAME', 'DB_SSL'] as const) expect(variables).toHaveProperty(variable);
    expect(variables.NODE_ENV).toBe('production');
    for (const [variable, expected] of Object.entries(expect_.environment)) {
      if (expected instanceof RegExp) expect(String(variables[variable])).toMatch(expected);
      else expect(variables[variable]).toBe(expected);
    }
    expect(Object.keys(variables).filter((key) => /PASSWORD/i.test(key))).toEqual([]);
    // Every application variable the backend sets is one the shared env.ts knows.
    const known = new Set<string>([...Object.keys(ENV_SCHEMA), 'NODE_EXTRA_CA_CERTS', 'POWERTOOLS_SERVICE_NAME', 'AMPLIFY_SSM_ENV_CONFIG', 'NODE_OPTIONS']);
    expect(Object.keys(variables).filter((key) => !known.has(key))).toEqual([]);
  });

  test('the API functions keep the 5 s statement timeout; migrate lifts it below its own timeout', () => {
    const synth = getSynth();
    for (const name of ['health', 'todos'] as const) expect(functionEnvironment(synth, name).DB_STATEMENT_TIMEOUT_MS).toBeUndefined();
    const migrate = functionResource(synth, 'migrate');
    const statementMs = Number(functionEnvironment(synth, 'migrate').DB_STATEMENT_TIMEOUT_MS);
    expect(statementMs).toBeGreaterThan(60_000);
    expect(statementMs + 1_000).toBeLessThan(Number(migrate.Timeout) * 1_000); // the client-side query timeout too
  });

  test('every Secrets Manager / KMS statement names exactly the configured secret or key, never *', () => {
    const synth = getSynth();
    const all = synth.allTemplates().flatMap(({ json }) => statements(json));
    const secretStatements = all.filter(({ statement }) => asArray(statement.Action as string | string[]).some((a) => a.startsWith('secretsmanager:')));
    // One per function that needs the database.
    expect(new Set(secretStatements.map((s) => s.policy)).size).toBe(FUNCTION_NAMES.length);
    for (const { statement } of secretStatements) {
      expect(statement.Effect).toBe('Allow');
      expect(asArray(statement.Action as string | string[]).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      const resourcesOf = asArray(statement.Resource);
      expect(resourcesOf).toHaveLength(1);
      expect(resourcesOf[0]).not.toBe('*');
      expect_.isConfiguredSecret(synth, resourcesOf[0]);
    }
  });

  test('API routes are exactly the manifest (plus an ANY route per path for 405s), with the manifest\'s authorisation', () => {
    const routes = resources(getSynth().template('api').toJSON(), 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties as { RouteKey: string; AuthorizationType?: string });
    const paths = [...new Set(ROUTES.map((route) => route.path))];
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...ROUTES.map(routeKey), ...paths.map((path) => `ANY ${path}`)].sort());
    for (const path of paths) {
      const strictest = ROUTES.some((route) => route.path === path && route.auth === 'iam') ? expect_.protectedRoutesAuth : 'NONE';
      expect([path, routes.find((r) => r.RouteKey === `ANY ${path}`)?.AuthorizationType ?? 'NONE']).toEqual([path, strictest]);
    }
    for (const route of ROUTES) {
      const synthesized = routes.find((r) => r.RouteKey === routeKey(route));
      expect([routeKey(route), synthesized?.AuthorizationType ?? 'NONE']).toEqual([routeKey(route), route.auth === 'public' ? 'NONE' : expect_.protectedRoutesAuth]);
    }
    expect(routes.find((r) => r.RouteKey === 'GET /health')?.AuthorizationType ?? 'NONE').toBe('NONE');
  });

  test('the API has CORS and JSON access logs, and its URL is published as custom.API', () => {
    const synth = getSynth();
    const api = synth.template('api');
    api.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.objectLike({ AllowOrigins: Match.anyValue() }) });
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
    const outputs = JSON.stringify(synth.template('root').toJSON().Outputs);
    expect(outputs).toContain('{\\"custom\\":{\\"API\\":{\\"todosApi\\":{\\"endpoint\\":\\"https://');
  });

  test('no template holds a literal password', () => {
    for (const { id, json } of getSynth().allTemplates()) expect([id, literalPasswords(json)]).toEqual([id, []]);
    // The check itself finds what it looks for.
    expect(
      literalPasswords({
        A: { Properties: { MasterUserPassword: 'hunter2', SecretString: '{"password":"x"}', Env: { URL: 'postgres://app:s3cret@db:5432/app' } } },
        B: { Properties: { Password: '{{resolve:secretsmanager:arn:secret:SecretString:password}}', PasswordLength: 30, Url: 'https://example.com/x' } },
      }),
    ).toEqual(['.A.Properties.MasterUserPassword', '.A.Properties.SecretString', '.A.Properties.Env.URL']);
  });

  test('cdk-nag AwsSolutions reports no unsuppressed error or warning', () => {
    const root = getSynth().root;
    const findings = [
      ...Annotations.fromStack(root).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(root).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].map((f) => `${f.id}: ${String(f.entry.data).split(':')[0]}`);
    expect(findings).toEqual([]);
  });

  test('every cdk-nag suppression names an AwsSolutions rule and gives a real reason', () => {
    const suppressions = nagSuppressions(getSynth());
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) {
      expect(s.id).toMatch(/^AwsSolutions-[A-Z]+\d+$/);
      expect(s.reason.trim().length).toBeGreaterThanOrEqual(10);
    }
  });
}
