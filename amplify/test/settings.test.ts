import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSettings, SettingsError, SETTINGS } from '../settings';

const problems = (source: Record<string, string>, backendType?: string): readonly string[] => {
  try {
    readSettings(source, backendType);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected a SettingsError');
};

test('no settings: a provisioned database with documented defaults, IAM-protected API, any origin', () => {
  expect(readSettings({}, 'sandbox')).toEqual({
    api: { protectedRoutesAuth: 'iam', corsOrigins: ['*'] },
    database: { mode: 'provisioned', port: 5432, name: 'app', user: 'app_admin', appUser: 'app_user', auth: 'password', proxy: false, instanceType: 't4g.micro', removal: 'destroy' },
  });
});

test('a provisioned database is snapshotted on deletion outside sandboxes unless told otherwise', () => {
  expect(readSettings({}, 'branch').database).toMatchObject({ removal: 'snapshot' });
  expect(readSettings({ DEPLOY_DB_REMOVAL: 'destroy' }, 'branch').database).toMatchObject({ removal: 'destroy' });
});

test('existing mode reads every connection setting', () => {
  const settings = readSettings({
    DEPLOY_DB_MODE: 'existing',
    DEPLOY_DB_HOST: 'db.example.com',
    DEPLOY_DB_PORT: '6543',
    DEPLOY_DB_NAME: 'shop',
    DEPLOY_DB_USER: 'shop_app',
    DEPLOY_DB_SECRET_NAME: 'shop/db',
    DEPLOY_DB_SSL: 'false',
    DEPLOY_API_AUTH: 'public',
    DEPLOY_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
  });
  expect(settings).toEqual({
    api: { protectedRoutesAuth: 'public', corsOrigins: ['https://app.example.com', 'http://localhost:5173'] },
    database: { mode: 'existing', host: 'db.example.com', port: 6543, name: 'shop', user: 'shop_app', secretName: 'shop/db', ssl: false, auth: 'password' },
  });
});

test('provisioned: the proxy, IAM authentication and the application role\'s name', () => {
  expect(readSettings({ DEPLOY_DB_PROXY: 'true', DEPLOY_DB_AUTH: 'iam', DEPLOY_DB_APP_USER: 'orders_api' }, 'sandbox').database).toMatchObject({ proxy: true, auth: 'iam', appUser: 'orders_api', user: 'app_admin' });
  expect(problems({ DEPLOY_DB_PROXY: 'yes', DEPLOY_DB_AUTH: 'kerberos', DEPLOY_DB_APP_USER: 'app_admin' })).toEqual([
    'DEPLOY_DB_AUTH must be one of password, iam, got "kerberos"',
    'DEPLOY_DB_APP_USER must differ from DEPLOY_DB_USER (the master user, which only the migrations use)',
    'DEPLOY_DB_PROXY must be one of false, true, got "yes"',
  ]);
  expect(problems({ DEPLOY_DB_APP_SECRET_NAME: 'x', DEPLOY_DB_RESOURCE_ID: 'db-ABC', DEPLOY_DB_POOLER: 'transaction' })).toEqual([
    'DEPLOY_DB_APP_SECRET_NAME only applies to DEPLOY_DB_MODE=existing (the mode is provisioned)',
    'DEPLOY_DB_RESOURCE_ID only applies to DEPLOY_DB_MODE=existing (the mode is provisioned)',
    'DEPLOY_DB_POOLER only applies to DEPLOY_DB_MODE=existing (the mode is provisioned)',
  ]);
});

test('existing: the application role split, IAM needs the role, the resource id and TLS; a proxy is your DEPLOY_DB_HOST', () => {
  const base = { DEPLOY_DB_MODE: 'existing', DEPLOY_DB_HOST: 'db.example.com', DEPLOY_DB_USER: 'shop_owner', DEPLOY_DB_SECRET_NAME: 'shop/owner' };
  expect(readSettings({ ...base, DEPLOY_DB_APP_USER: 'shop_api', DEPLOY_DB_APP_SECRET_NAME: 'shop/api' }).database).toMatchObject({ auth: 'password', appUser: { user: 'shop_api', secretName: 'shop/api' } });
  expect(readSettings({ ...base, DEPLOY_DB_AUTH: 'iam', DEPLOY_DB_APP_USER: 'shop_api', DEPLOY_DB_RESOURCE_ID: 'prx-0123abcd', DEPLOY_DB_POOLER: 'transaction' }).database).toMatchObject({ auth: 'iam', appUser: { user: 'shop_api' }, resourceId: 'prx-0123abcd', pooler: 'transaction' });
  expect(problems({ ...base, DEPLOY_DB_POOLER: 'session' })).toEqual(['DEPLOY_DB_POOLER must be one of none, transaction, got "session"']);
  expect(problems({ ...base, DEPLOY_DB_APP_USER: 'shop_api' })).toEqual([
    "DEPLOY_DB_APP_SECRET_NAME is required with DEPLOY_DB_APP_USER and DEPLOY_DB_AUTH=password (the API functions read that role's password from it)",
  ]);
  expect(problems({ ...base, DEPLOY_DB_AUTH: 'iam', DEPLOY_DB_SSL: 'false', DEPLOY_DB_PROXY: 'true' })).toEqual([
    'DEPLOY_DB_AUTH=iam needs DEPLOY_DB_APP_USER in existing mode: the migrations log in as DEPLOY_DB_USER with its password, which RDS refuses to a member of rds_iam',
    'DEPLOY_DB_RESOURCE_ID is required with DEPLOY_DB_MODE=existing and DEPLOY_DB_AUTH=iam (the rds-db:connect grant names it)',
    'DEPLOY_DB_AUTH=iam needs DEPLOY_DB_SSL=true (RDS accepts IAM tokens over TLS only)',
    "DEPLOY_DB_PROXY only applies to DEPLOY_DB_MODE=provisioned; with your own database, set DEPLOY_DB_HOST to your RDS Proxy's endpoint (docs/deploy.md#rds-proxy)",
  ]);
  expect(problems({ ...base, DEPLOY_DB_APP_USER: 'shop_owner', DEPLOY_DB_APP_SECRET_NAME: 'x', DEPLOY_DB_RESOURCE_ID: 'db-1' })).toEqual([
    "DEPLOY_DB_APP_USER must differ from DEPLOY_DB_USER (the migrations' user, which owns the tables)",
    'DEPLOY_DB_RESOURCE_ID only applies to DEPLOY_DB_AUTH=iam',
  ]);
});

test('existing mode reports every missing or malformed value at once', () => {
  expect(problems({ DEPLOY_DB_MODE: 'existing', DEPLOY_DB_PORT: '70000', DEPLOY_DB_SUBNET_IDS: 'subnet-0123456789abcdef0' })).toEqual([
    'DEPLOY_DB_SUBNET_IDS and DEPLOY_DB_SECURITY_GROUP_IDS must be set together (a function in a VPC needs both)',
    'DEPLOY_DB_HOST is required when DEPLOY_DB_MODE=existing',
    'DEPLOY_DB_PORT must be a port number (1-65535), got "70000"',
    'DEPLOY_DB_SECRET_NAME is required when DEPLOY_DB_MODE=existing',
  ]);
});

test('a secret ARN, a bad KMS ARN and malformed ids are rejected (grants would not match them)', () => {
  const found = problems({
    DEPLOY_DB_MODE: 'existing',
    DEPLOY_DB_HOST: 'h',
    DEPLOY_DB_SECRET_NAME: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf',
    DEPLOY_DB_KMS_KEY_ARN: 'alias/aws/secretsmanager',
    DEPLOY_DB_SUBNET_IDS: 'subnet-xyz',
    DEPLOY_DB_SECURITY_GROUP_IDS: 'sg-0123456789abcdef0',
  });
  expect(found).toHaveLength(3);
  expect(found.join('\n')).toMatch(/DEPLOY_DB_SECRET_NAME must be a secret name \(not an ARN\)/);
  expect(found.join('\n')).toMatch(/DEPLOY_DB_KMS_KEY_ARN must be a KMS key ARN/);
  expect(found.join('\n')).toMatch(/"subnet-xyz" is not a subnet id/);
});

test('existing-only settings are refused in provisioned mode, and enums are checked', () => {
  expect(problems({ DEPLOY_DB_HOST: 'db.example.com', DEPLOY_API_AUTH: 'none', DEPLOY_DB_MODE: 'provisioned' })).toEqual([
    'DEPLOY_DB_HOST only applies to DEPLOY_DB_MODE=existing (the mode is provisioned)',
    'DEPLOY_API_AUTH must be one of iam, public, got "none"',
  ]);
  expect(problems({ DEPLOY_DB_MODE: 'aurora' })[0]).toBe('DEPLOY_DB_MODE must be one of provisioned, existing, got "aurora"');
});

test('every setting is documented in docs/deploy.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');
  for (const name of Object.keys(SETTINGS)) expect([name, doc.includes(`\`${name}\``)]).toEqual([name, true]);
});
