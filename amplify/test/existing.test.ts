/**
 * Existing mode (the user's database and secret), with the optional VPC placement, a
 * customer-managed KMS key and the demo setting that opens the `iam` routes. Bundling is skipped
 * here (provisioned.test.ts bundles), which keeps this suite fast.
 */
import { FUNCTION_NAMES } from '@lambdas/shared/routes';
import { sharedBackendTests } from './support/sharedAssertions';
import { synthesizeBackend, type SynthesizedBackend } from './support/synthBackend';
import { functionLogicalId, resources, statements, type Json } from './support/templates';

const SETTINGS = {
  DEPLOY_DB_MODE: 'existing',
  DEPLOY_DB_HOST: 'orders.cluster-abc123.eu-west-1.rds.amazonaws.com',
  DEPLOY_DB_PORT: '6432',
  DEPLOY_DB_NAME: 'orders',
  DEPLOY_DB_USER: 'orders_app',
  DEPLOY_DB_SECRET_NAME: 'prod/orders/db',
  DEPLOY_DB_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  DEPLOY_DB_SUBNET_IDS: 'subnet-0a1b2c3d4e5f60718, subnet-0a1b2c3d4e5f60719',
  DEPLOY_DB_SECURITY_GROUP_IDS: 'sg-0123456789abcdef0',
  DEPLOY_API_AUTH: 'public',
};

let synth: SynthesizedBackend;

beforeAll(async () => {
  synth = await synthesizeBackend({ settings: SETTINGS, bundling: false });
}, 60_000);
afterAll(() => synth?.cleanup());

/** `arn:${Partition}:secretsmanager:${Region}:${AccountId}:secret:prod/orders/db-??????` */
const SECRET_ARN = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:prod/orders/db-??????']],
};

sharedBackendTests(() => synth, {
  protectedRoutesAuth: 'NONE',
  environment: {
    DB_HOST: SETTINGS.DEPLOY_DB_HOST,
    DB_PORT: '6432',
    DB_NAME: 'orders',
    DB_USER: 'orders_app',
    DB_SECRET_NAME: 'prod/orders/db',
    DB_AUTH: 'password',
    DB_SSL: 'true',
    NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
  },
  // One user for everything (no DEPLOY_DB_APP_USER): every function reads that one secret.
  readableSecrets: () => ({ health: [SECRET_ARN], todos: [SECRET_ARN], migrate: [SECRET_ARN] }),
});

test('kms:Decrypt is granted on exactly the configured key, only through Secrets Manager', () => {
  const kms = synth.allTemplates().flatMap(({ json }) => statements(json)).filter(({ statement }) => JSON.stringify(statement.Action).includes('kms:'));
  expect(kms).toHaveLength(FUNCTION_NAMES.length);
  for (const { statement } of kms) {
    expect(statement).toEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: SETTINGS.DEPLOY_DB_KMS_KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
    });
  }
});

test('the functions run in the configured subnets and security groups', () => {
  const fnTemplate = synth.template('function').toJSON();
  for (const name of FUNCTION_NAMES) {
    const id = functionLogicalId(synth.module.backend[name].resources.lambda);
    const props = resources(fnTemplate, 'AWS::Lambda::Function').find(([logicalId]) => logicalId === id)?.[1].Properties as Json;
    expect(props.VpcConfig).toEqual({ SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'], SecurityGroupIds: ['sg-0123456789abcdef0'] });
  }
});

test('nothing is provisioned: no database stack, VPC, RDS instance or generated secret', () => {
  expect([...synth.stacks.keys()].sort()).toEqual(['api', 'auth', 'function']);
  const types = synth.allTemplates().flatMap(({ json }) => resources(json).map(([, r]) => r.Type));
  for (const type of ['AWS::RDS::DBInstance', 'AWS::EC2::VPC', 'AWS::SecretsManager::Secret', 'AWS::EC2::SecurityGroup']) expect(types).not.toContain(type);
});

test('the migration still runs on deploy (against the existing database)', () => {
  const triggers = resources(synth.template('function').toJSON(), 'Custom::Trigger');
  expect(triggers).toHaveLength(1);
  expect(triggers[0]?.[1].Properties).toEqual(expect.objectContaining({ Migrations: expect.stringMatching(/^[0-9a-f]{64}$/), HandlerArn: { Ref: expect.stringMatching(/^migratelambdaCurrentVersion/) } }));
  // Nothing to wait for: the database already exists.
  expect(triggers[0]?.[1].DependsOn).toBeUndefined();
});
