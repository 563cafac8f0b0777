import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ENV_SCHEMA, type EnvName } from '@lambdas/shared/env';
import { CORS_POLICY } from '@lambdas/shared/cors';
import { FUNCTION_NAMES, ROUTES, routeKey } from '@lambdas/shared/routes';
import { FALLBACK_METHODS } from '../../api/httpApi';
import { migrationsFingerprint } from '../../database/migrations';
import { asArray, followReference, functionLogicalId, literalPasswords, nagSuppressions, resources, statements, type Json } from './templates';
import type { SynthesizedBackend } from './synthBackend';

/** The variables the functions cannot start without: no default in ENV_SCHEMA and not optional. */
const REQUIRED_AT_RUNTIME = (Object.keys(ENV_SCHEMA) as EnvName[]).filter((name) => !ENV_SCHEMA[name].safeParse(undefined).success);

type Environment = Partial<Record<EnvName | 'NODE_EXTRA_CA_CERTS', string | RegExp>>;
type FunctionName = (typeof FUNCTION_NAMES)[number];

export interface Expectations {
  /**
   * Per function, the secrets it may read: each Secrets Manager statement's resource, followed to the
   * stack that defines it (`followReference`), in any order. `[]`: none at all.
   */
  readonly readableSecrets: (synth: SynthesizedBackend) => Record<FunctionName, unknown[]>;
  /** Per function with IAM database authentication, the one `rds-db:connect` resource (followed); others have none. */
  readonly iamConnect?: (synth: SynthesizedBackend) => Partial<Record<FunctionName, unknown>>;
  readonly protectedRoutesAuth: 'AWS_IAM' | 'NONE';
  /** Variables every function has, and (`byFunction`) those of one function. */
  readonly environment: Environment;
  readonly byFunction?: Partial<Record<FunctionName, Environment>>;
}

/** The IAM statements of the policies attached to a function's execution role. */
function functionStatements(synth: SynthesizedBackend, name: FunctionName): Json[] {
  const lambda = synth.module.backend[name].resources.lambda;
  const functionStack = synth.stacks.get('function');
  if (functionStack === undefined || lambda.role === undefined) throw new Error(`no function stack or no role for ${name}`);
  const roleId = functionStack.getLogicalId(lambda.role.node.defaultChild as never);
  return resources(synth.template('function').toJSON(), 'AWS::IAM::Policy')
    .filter(([, r]) => asArray(r.Properties?.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, r]) => ((r.Properties?.PolicyDocument as { Statement?: Json[] } | undefined)?.Statement ?? []));
}

/** `followReference` applied to every `{ Ref }` inside a value (an ARN built with Fn::Join from another stack's output). */
function resolveDeep(synth: SynthesizedBackend, stack: Parameters<typeof followReference>[1], value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveDeep(synth, stack, item));
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value) return followReference(synth, stack, value).value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(synth, stack, item)]));
}

const byJson = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

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
    for (const variable of ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_AUTH', 'DB_SSL'] as const) expect(variables).toHaveProperty(variable);
    // A secret to read exactly when the function logs in with a password.
    expect([name, variables.DB_SECRET_NAME !== undefined]).toEqual([name, variables.DB_AUTH === 'password']);
    expect(variables.NODE_ENV).toBe('production');
    for (const [variable, expected] of Object.entries({ ...expect_.environment, ...expect_.byFunction?.[name] })) {
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

  test.each(FUNCTION_NAMES)('%s may read exactly its secrets (GetSecretValue + DescribeSecret on each ARN, never *), and sign in as exactly its user', (name) => {
    const synth = getSynth();
    const functionStack = synth.stacks.get('function');
    if (functionStack === undefined) throw new Error('no function stack');
    const own = functionStatements(synth, name);
    const secretStatements = own.filter((statement) => asArray(statement.Action as string | string[]).some((a) => a.startsWith('secretsmanager:')));
    for (const statement of secretStatements) {
      expect(statement.Effect).toBe('Allow');
      expect(asArray(statement.Action as string | string[]).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      expect(asArray(statement.Resource)).toHaveLength(1);
    }
    const readable = secretStatements.map((statement) => resolveDeep(synth, functionStack, asArray(statement.Resource)[0]));
    expect(readable.sort(byJson)).toEqual([...expect_.readableSecrets(synth)[name]].sort(byJson));
    const connect = own.filter((statement) => asArray(statement.Action as string | string[]).some((a) => a.startsWith('rds-db:')));
    const expected = expect_.iamConnect?.(synth)[name];
    if (expected === undefined) {
      expect(connect).toEqual([]);
    } else {
      expect(connect).toHaveLength(1);
      expect(connect[0]).toMatchObject({ Effect: 'Allow', Action: 'rds-db:connect' });
      expect(asArray(connect[0]?.Resource)).toHaveLength(1);
      expect(resolveDeep(synth, functionStack, asArray(connect[0]?.Resource)[0])).toEqual(expected);
    }
    // Nothing else anywhere grants Secrets Manager or rds-db to a wildcard.
    for (const { json } of synth.allTemplates()) {
      for (const { statement } of statements(json)) {
        if (asArray(statement.Action as string | string[]).some((a) => /^(secretsmanager|rds-db):/.test(a))) expect(asArray(statement.Resource)).not.toContain('*');
      }
    }
  });

  /** The API's routes as synthesised: route key and authorisation type. */
  const apiRoutes = (): Array<{ RouteKey: string; AuthorizationType?: string }> =>
    resources(getSynth().template('api').toJSON(), 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties as { RouteKey: string; AuthorizationType?: string });

  test("API routes are exactly the manifest plus one route per other method and path (for 405s), with the manifest's authorisation", () => {
    const routes = apiRoutes();
    const paths = [...new Set(ROUTES.map((route) => route.path))];
    const fallbacks = paths.flatMap((path) => FALLBACK_METHODS.filter((method) => !ROUTES.some((r) => r.path === path && r.method === method)).map((method) => `${method} ${path}`));
    expect(fallbacks).toContain('PUT /todos');
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...ROUTES.map(routeKey), ...fallbacks].sort());
    for (const key of fallbacks) {
      const path = key.split(' ')[1];
      const strictest = ROUTES.some((route) => route.path === path && route.auth === 'iam') ? expect_.protectedRoutesAuth : 'NONE';
      expect([key, routes.find((r) => r.RouteKey === key)?.AuthorizationType ?? 'NONE']).toEqual([key, strictest]);
    }
    for (const route of ROUTES) {
      const synthesized = routes.find((r) => r.RouteKey === routeKey(route));
      expect([routeKey(route), synthesized?.AuthorizationType ?? 'NONE']).toEqual([routeKey(route), route.auth === 'public' ? 'NONE' : expect_.protectedRoutesAuth]);
    }
    expect(routes.find((r) => r.RouteKey === 'GET /health')?.AuthorizationType ?? 'NONE').toBe('NONE');
  });

  test('no route can catch a CORS preflight: no OPTIONS, ANY or $default route, so API Gateway answers every preflight itself', () => {
    const keys = apiRoutes().map((r) => r.RouteKey);
    expect(keys.length).toBeGreaterThan(ROUTES.length);
    expect(keys.filter((key) => /^(OPTIONS|ANY) /.test(key) || key === '$default')).toEqual([]);
  });

  test("the API's CORS configuration is the policy of lambdas/shared/src/api/cors.ts", () => {
    const [[, api] = ['', undefined]] = resources(getSynth().template('api').toJSON(), 'AWS::ApiGatewayV2::Api');
    const cors = api?.Properties?.CorsConfiguration as Record<string, unknown>;
    expect(cors).toEqual({
      AllowOrigins: [...getSynth().module.settings.api.corsOrigins],
      AllowMethods: [...CORS_POLICY.allowMethods],
      AllowHeaders: [...CORS_POLICY.allowHeaders],
      ExposeHeaders: [...CORS_POLICY.exposeHeaders],
      MaxAge: CORS_POLICY.maxAgeSeconds,
    });
    // What a browser needs for the ETag protocol and SigV4.
    expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['if-match', 'if-none-match', 'authorization', 'x-amz-date', 'x-amz-security-token', 'content-type']));
    expect(cors.ExposeHeaders).toEqual(expect.arrayContaining(['etag', 'location', 'apigw-requestid']));
  });

  test('signed-in users may invoke exactly the protected routes of this API; guests get no identity and no permission', () => {
    const synth = getSynth();
    synth.template('auth').hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: false });
    synth.template('auth').hasResourceProperties('AWS::Cognito::UserPool', { UsernameAttributes: ['email'] });
    const invoke = synth.allTemplates().flatMap(({ id, json }) =>
      resources(json, 'AWS::IAM::Policy').flatMap(([, r]) =>
        ((r.Properties?.PolicyDocument as { Statement?: Json[] } | undefined)?.Statement ?? [])
          .filter((st) => asArray(st.Action as string | string[]).some((a) => a.startsWith('execute-api:')))
          .map((statement) => ({ stack: id, roles: r.Properties?.Roles, statement })),
      ),
    );
    // Nothing grants the guest role anything: no policy in any template names it.
    const guestRole = synth.stacks.get('auth')?.getLogicalId(synth.module.backend.auth.resources.unauthenticatedUserIamRole.node.defaultChild as never);
    expect(guestRole).toBeDefined();
    const policiesNamingGuest = synth.allTemplates().flatMap(({ json }) => resources(json, 'AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r.Properties?.Roles ?? []).includes(String(guestRole))));
    expect(policiesNamingGuest).toEqual([]);

    const protectedKeys = apiRoutes().filter((r) => r.AuthorizationType === 'AWS_IAM').map((r) => r.RouteKey);
    if (expect_.protectedRoutesAuth === 'NONE') {
      // DEPLOY_API_AUTH=public: nothing is protected, so nobody needs (or gets) an invoke grant.
      expect(protectedKeys).toEqual([]);
      expect(invoke).toEqual([]);
      return;
    }
    expect(invoke).toHaveLength(1);
    const [{ stack, roles, statement }] = invoke as [(typeof invoke)[number]];
    expect(stack).toBe('api');
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toBe('execute-api:Invoke');
    // Attached to one role: the authenticated role of the auth stack, followed through the root's wiring.
    expect(asArray(roles as unknown[])).toHaveLength(1);
    const origin = followReference(synth, synth.stacks.get('api')!, asArray(roles as unknown[])[0]);
    const authRole = synth.stacks.get('auth')?.getLogicalId(synth.module.backend.auth.resources.authenticatedUserIamRole.node.defaultChild as never);
    expect(origin).toEqual({ stack: 'auth', value: { Ref: authRole } });
    // One resource per protected route: arn:…:execute-api:<region>:<account>:<this API's id>/$default/<METHOD>/<path, {id} as *>.
    const tails = asArray(statement.Resource as unknown[]).map((arn) => {
      const parts = (arn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      expect(JSON.stringify(parts)).toMatch(/"Ref":"HttpApi[0-9A-F]{8}"/); // this API, never *
      return String(parts[parts.length - 1]);
    });
    const expected = protectedKeys.map((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return `/$default/${method}${path.replace(/\{[^}]+\}/g, '*')}`;
    });
    expect(expected).toContain('/$default/GET/todos/*');
    expect(tails.sort()).toEqual(expected.sort());
  });

  test('the migration trigger carries the fingerprint of the migration files, nothing that changes per synthesis', () => {
    const triggers = getSynth().allTemplates().flatMap(({ json }) => resources(json, 'Custom::Trigger'));
    expect(triggers).toHaveLength(1);
    const props = triggers[0]?.[1].Properties ?? {};
    expect(props.Migrations).toBe(migrationsFingerprint());
    expect(props).not.toHaveProperty('DeployRun');
  });

  test('the API has JSON access logs, and its URL is published as custom.API without a trailing slash, beside Amplify Auth', () => {
    const synth = getSynth();
    synth.template('api').hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
    const outputs = synth.template('root').toJSON().Outputs as Record<string, { Value: unknown }>;
    const parts = (outputs.customOutputs?.Value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const at = parts.findIndex((part) => typeof part === 'string' && part.endsWith('{"custom":{"API":{"todosApi":{"endpoint":"'));
    expect(at).toBeGreaterThanOrEqual(0);
    // The endpoint is the API's own `ApiEndpoint` (https://<id>.execute-api.<region>.amazonaws.com), then
    // straight the closing quote: no `/` for Amplify JS to double when a path starts with one.
    expect(JSON.stringify(parts[at + 1])).toMatch(/ApiEndpoint/);
    expect(String(parts[at + 2])).toMatch(/^","region":"/);
    // Amplify Auth is published beside it: Amplify.configure(outputs) is the whole client set-up.
    for (const key of ['userPoolId', 'webClientId', 'identityPoolId']) expect(outputs).toHaveProperty(key);
    expect(outputs.allowUnauthenticatedIdentities?.Value).toBe('false');
  });

  test('no template holds a literal password', () => {
    for (const { id, json } of getSynth().allTemplates()) expect([id, literalPasswords(json)]).toEqual([id, []]);
    // The check itself finds what it looks for.
    expect(
      literalPasswords({
        A: { Properties: { MasterUserPassword: 'hunter2', SecretString: '{"password":"x"}', Env: { URL: 'postgres://app:s3cret@db:5432/app' } } },
        B: { Properties: { Password: '{{resolve:secretsmanager:arn:secret:SecretString:password}}', PasswordLength: 30, Url: 'https://example.com/x' } },
        C: { passwordPolicyMinLength: '8', passwordlessOptions: '', DbPassword: 'not-a-policy' },
      }),
    ).toEqual(['.A.Properties.MasterUserPassword', '.A.Properties.SecretString', '.A.Properties.Env.URL', '.C.DbPassword']);
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
