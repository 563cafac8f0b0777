/**
 * Provisioned mode with `DEPLOY_DB_AUTH=iam` and no proxy: the API functions sign IAM tokens that
 * the instance itself checks (IAM authentication on), read no secret, and may connect as exactly the
 * application role; no application secret exists, so migrate grants the role `rds_iam`.
 */
import { sharedBackendTests } from './support/sharedAssertions';
import { synthesizeBackend, type SynthesizedBackend } from './support/synthBackend';
import { logicalIdAt, resources, type Json } from './support/templates';

let synth: SynthesizedBackend;

beforeAll(async () => {
  synth = await synthesizeBackend({ settings: { DEPLOY_DB_MODE: 'provisioned', DEPLOY_DB_AUTH: 'iam' }, bundling: false });
}, 120_000);
afterAll(() => synth?.cleanup());

const databaseTemplate = (): Json => synth.template('database').toJSON();
const logicalIdByPath = (suffix: string): string => logicalIdAt(databaseTemplate(), suffix);
/** `arn:<partition>:rds-db:<region>:<account>:dbuser:<the instance's db-… resource id>/app_user` */
const instanceDbUserArn = (): unknown => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':dbuser:', { 'Fn::GetAtt': [logicalIdByPath('/Database/Resource'), 'DbiResourceId'] }, '/app_user'],
  ],
});

sharedBackendTests(() => synth, {
  protectedRoutesAuth: 'AWS_IAM',
  environment: { DB_SSL: 'true', DB_PORT: '5432', DB_NAME: 'app', NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' },
  byFunction: {
    health: { DB_USER: 'app_user', DB_AUTH: 'iam' },
    todos: { DB_USER: 'app_user', DB_AUTH: 'iam' },
    migrate: { DB_USER: 'app_admin', DB_AUTH: 'password', DB_APP_USER: 'app_user' },
  },
  readableSecrets: () => ({ health: [], todos: [], migrate: [{ Ref: logicalIdByPath('/Database/Secret/Attachment/Resource') }] }),
  iamConnect: () => ({ health: instanceDbUserArn(), todos: instanceDbUserArn() }),
});

test('IAM authentication is on at the instance; there is no proxy and no application secret', () => {
  expect(resources(databaseTemplate(), 'AWS::RDS::DBInstance').map(([, r]) => r.Properties?.EnableIAMDatabaseAuthentication)).toEqual([true]);
  expect(resources(databaseTemplate(), 'AWS::RDS::DBProxy')).toEqual([]);
  expect(resources(databaseTemplate(), 'AWS::SecretsManager::Secret')).toHaveLength(1);
  const [[, trigger] = ['', undefined]] = resources(synth.template('function').toJSON(), 'Custom::Trigger');
  expect(trigger?.Properties?.AppRole).toEqual({ User: 'app_user', Auth: 'iam' });
});
