/**
 * Provisioned mode, synthesised in-process with bundling ON: the project's bundler
 * (scripts/bundle.ts, run by amplify/functions/bundledFunction.ts) really builds every handler, so a
 * broken import in a function fails this suite. (existing.test.ts skips bundling.)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { FUNCTION_NAMES } from '@lambdas/shared/routes';
import { bundleFunction } from '../../scripts/bundle';
import { assetReport } from '../../scripts/synthReport';
import { sharedBackendTests, functionEnvironment } from './support/sharedAssertions';
import { synthesizeBackend, type SynthesizedBackend } from './support/synthBackend';
import { ENDPOINT_RULES, securityGroupRules } from './support/network';
import { followReference, functionLogicalId, logicalIdAt, resources, secretAttachment, type Json } from './support/templates';

let synth: SynthesizedBackend;

beforeAll(async () => {
  synth = await synthesizeBackend({ settings: { DEPLOY_DB_MODE: 'provisioned' }, bundling: true });
}, 120_000);
afterAll(() => synth?.cleanup());

const logicalIdIn = (stackId: 'database' | 'function', construct: Construct): string => {
  const stack = synth.stacks.get(stackId);
  if (stack === undefined) throw new Error(`no ${stackId} stack`);
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
};

const databaseTemplate = (): Json => synth.template('database').toJSON();

const logicalIdByPath = (stackId: 'database', suffix: string): string => logicalIdAt(synth.template(stackId).toJSON(), suffix);

const attachment = (secret: 'Database/Secret' | 'AppUserSecret') => secretAttachment(databaseTemplate(), secret);

sharedBackendTests(() => synth, {
  protectedRoutesAuth: 'AWS_IAM',
  environment: { DB_SSL: 'true', DB_PORT: '5432', DB_NAME: 'app', DB_AUTH: 'password', NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' },
  byFunction: {
    health: { DB_USER: 'app_user' },
    todos: { DB_USER: 'app_user' },
    migrate: { DB_USER: 'app_admin', DB_APP_USER: 'app_user' },
  },
  // The master secret is migrate's alone; the API functions read the application role's.
  readableSecrets: () => ({
    health: [attachment('AppUserSecret')],
    todos: [attachment('AppUserSecret')],
    migrate: [attachment('Database/Secret'), attachment('AppUserSecret')],
  }),
});

test('bundling ran: each function has a real ESM bundle in its asset', () => {
  const report = assetReport(synth.outdir);
  expect(report.map((r) => r.function).sort()).toEqual([...FUNCTION_NAMES].sort());
  for (const entry of report) {
    expect(existsSync(join(synth.outdir, entry.assetDir, 'index.mjs'))).toBe(true);
    // A bundle with Sequelize + pg is well over 100 KB; a stub or an empty build would not be.
    expect(entry.bundleBytes).toBeGreaterThan(100_000);
  }
  expect(readdirSync(synth.outdir).filter((f) => f.startsWith('asset.')).every((f) => statSync(join(synth.outdir, f)).isDirectory())).toBe(true);
});

describe('the deployed assets are the project\'s bundle (scripts/bundle.ts), not a second esbuild build', () => {
  const root = join(__dirname, '..', '..');
  /** The asset directory the synthesised function names (its `aws:asset:path` in the cloud assembly). */
  const assetDir = (name: (typeof FUNCTION_NAMES)[number]): string => {
    const entry = assetReport(synth.outdir).find((e) => e.function === name);
    if (entry === undefined) throw new Error(`no asset for ${name} in ${synth.outdir}`);
    return join(synth.outdir, entry.assetDir);
  };
  const functionProps = (name: (typeof FUNCTION_NAMES)[number]): Json => {
    const id = functionLogicalId(synth.module.backend[name].resources.lambda);
    return resources(synth.template('function').toJSON(), 'AWS::Lambda::Function').find(([logicalId]) => logicalId === id)?.[1].Properties ?? {};
  };

  test('the todos asset is under 1 MB: bundleStubs.ts\'s cuts (zone data, other dialects…) reach the deployment', () => {
    const bytes = statSync(join(assetDir('todos'), 'index.mjs')).size;
    // Amplify's own esbuild (NodejsFunction, no plugins) produced ≈ 2.5 MB.
    expect(bytes).toBeGreaterThan(100_000);
    expect(bytes).toBeLessThan(1_000_000);
  });

  test('each asset\'s index.mjs is byte-for-byte what bundleFunction builds', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'asset-compare-'));
    try {
      const built = await Promise.all(FUNCTION_NAMES.map((name) => bundleFunction(root, name, join(outdir, name))));
      for (const result of built) {
        // The code only: the map's relative source paths depend on the output directory.
        expect([result.fn, readFileSync(join(assetDir(result.fn), 'index.mjs')).equals(readFileSync(result.outfile))]).toEqual([result.fn, true]);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);

  test.each(FUNCTION_NAMES)('%s: the handler string names the asset\'s file and export, which plain node imports', async (name) => {
    const props = functionProps(name);
    const dir = assetDir(name);
    expect(props.Handler).toBe('index.handler');
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    // Source maps are enabled because the asset ships one.
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    // As Lambda loads it: ESM, from the asset directory (no node_modules anywhere above /tmp), no database.
    const script = "const m = await import('./index.mjs'); process.stdout.write(typeof m.handler);";
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', NODE_OPTIONS: '--enable-source-maps', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeout: 20_000,
    });
    expect(stdout).toBe('function');
  });
});

test('DB_HOST and DB_SECRET_NAME: the API functions use the instance and the application secret; migrate the master secret, and sets the application role\'s password from its secret', () => {
  const functionStack = synth.stacks.get('function');
  if (functionStack === undefined) throw new Error('no function stack');
  const instance = { stack: 'database', value: { 'Fn::GetAtt': [logicalIdByPath('database', '/Database/Resource'), 'Endpoint.Address'] } };
  for (const name of ['health', 'todos'] as const) {
    const env = functionEnvironment(synth, name);
    expect(followReference(synth, functionStack, env.DB_HOST)).toEqual(instance);
    expect(followReference(synth, functionStack, env.DB_SECRET_NAME)).toEqual({ stack: 'database', value: attachment('AppUserSecret') });
    expect(env.DB_POOLER).toBeUndefined();
  }
  const migrate = functionEnvironment(synth, 'migrate');
  expect(followReference(synth, functionStack, migrate.DB_HOST)).toEqual(instance);
  expect(followReference(synth, functionStack, migrate.DB_SECRET_NAME)).toEqual({ stack: 'database', value: attachment('Database/Secret') });
  expect(followReference(synth, functionStack, migrate.DB_APP_SECRET_NAME)).toEqual({ stack: 'database', value: attachment('AppUserSecret') });
  // The application secret is generated for app_user, like the master's: never a password in the template.
  synth.template('database').hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password', SecretStringTemplate: '{"username":"app_user","dbname":"app"}' }) });
  // No proxy unless asked for, and no IAM authentication on the instance.
  expect(resources(databaseTemplate(), 'AWS::RDS::DBProxy')).toEqual([]);
  expect(resources(databaseTemplate(), 'AWS::RDS::DBInstance').map(([, r]) => r.Properties?.EnableIAMDatabaseAuthentication ?? false)).toEqual([false]);
});

test('the database is encrypted, private, TLS-only PostgreSQL with a generated secret', () => {
  const db = synth.template('database');
  db.hasResourceProperties('AWS::RDS::DBInstance', {
    Engine: 'postgres',
    StorageEncrypted: true,
    PubliclyAccessible: false,
    MasterUserPassword: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('\\{\\{resolve:secretsmanager:')])]) }),
  });
  db.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
  db.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password', SecretStringTemplate: '{"username":"app_admin"}' }) });
});

test('every function runs in the private subnets, the API functions in their group and migrate in its own, and may create ENIs', () => {
  const functionStack = synth.stacks.get('function');
  if (functionStack === undefined) throw new Error('no function stack');
  const fnTemplate = synth.template('function').toJSON();
  for (const name of FUNCTION_NAMES) {
    const group = logicalIdByPath('database', name === 'migrate' ? '/MigrateSecurityGroup/Resource' : '/FunctionsSecurityGroup/Resource');
    const lambda = synth.module.backend[name].resources.lambda;
    const props = resources(fnTemplate, 'AWS::Lambda::Function').find(([id]) => id === functionLogicalId(lambda))?.[1].Properties ?? {};
    const vpc = props.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
    expect(vpc.SubnetIds).toHaveLength(2);
    for (const subnet of vpc.SubnetIds) expect(followReference(synth, functionStack, subnet).value).toEqual({ Ref: expect.stringMatching(/^VpcprivateSubnet\dSubnet/) });
    expect(vpc.SecurityGroupIds.map((sg) => followReference(synth, functionStack, sg).value)).toEqual([{ 'Fn::GetAtt': [group, 'GroupId'] }]);
    const role = resources(fnTemplate, 'AWS::IAM::Role').find(([id]) => id === logicalIdIn('function', lambda.role as unknown as Construct))?.[1];
    expect(JSON.stringify(role?.Properties?.ManagedPolicyArns)).toContain('service-role/AWSLambdaVPCAccessExecutionRole');
  }
});

test('security groups: the database admits the API functions and migrate on its port, the endpoint both on 443; nothing else in or out', () => {
  expect(securityGroupRules(databaseTemplate())).toEqual(
    [
      'DatabaseSecurityGroup <- FunctionsSecurityGroup:db',
      'DatabaseSecurityGroup <- MigrateSecurityGroup:db',
      'FunctionsSecurityGroup -> DatabaseSecurityGroup:db',
      'MigrateSecurityGroup -> DatabaseSecurityGroup:db',
      ...ENDPOINT_RULES,
    ].sort(),
  );
  const ingress = resources(databaseTemplate(), 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties as Json);
  const dbPort = ingress.find((r) => JSON.stringify(r.GroupId).includes(logicalIdByPath('database', '/DatabaseSecurityGroup/Resource')));
  expect([dbPort?.FromPort, dbPort?.ToPort]).toEqual([{ 'Fn::GetAtt': [logicalIdByPath('database', '/Database/Resource'), 'Endpoint.Port'] }, { 'Fn::GetAtt': [logicalIdByPath('database', '/Database/Resource'), 'Endpoint.Port'] }]);
  synth.template('database').hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.secretsmanager'])]) }), VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  expect(resources(databaseTemplate(), 'AWS::EC2::NatGateway')).toEqual([]);
});

test('migrate runs on deploy when a migration (or the migrate function) changed, after the database exists', () => {
  const fnTemplate = synth.template('function').toJSON();
  const [[, trigger] = ['', undefined]] = resources(fnTemplate, 'Custom::Trigger');
  expect(trigger?.Properties).toEqual(
    expect.objectContaining({ InvocationType: 'RequestResponse', Migrations: expect.stringMatching(/^[0-9a-f]{64}$/), HandlerArn: { Ref: expect.stringMatching(/^migratelambdaCurrentVersion/) } }),
  );
  // The function stack (trigger included) is deployed after the database stack.
  const root = synth.template('root').toJSON();
  const databaseStackId = synth.root.getLogicalId(synth.stacks.get('database')?.nestedStackResource as CfnResource);
  const functionStack = resources(root).find(([id]) => id === synth.root.getLogicalId(synth.stacks.get('function')?.nestedStackResource as CfnResource))?.[1];
  expect(functionStack?.DependsOn).toContain(databaseStackId);
});
