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
    database: { mode: 'provisioned', port: 5432, name: 'app', user: 'app_admin', instanceType: 't4g.micro', removal: 'destroy' },
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
    database: { mode: 'existing', host: 'db.example.com', port: 6543, name: 'shop', user: 'shop_app', secretName: 'shop/db', ssl: false },
  });
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
