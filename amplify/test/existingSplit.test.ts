/**
 * Existing mode with the owner/application split and IAM authentication through the user's own RDS
 * Proxy: migrate reads the owner's secret (and the application role's, to set the password the proxy
 * logs in with); the API functions read no secret and may connect as exactly the application role
 * on exactly that proxy.
 */
import { sharedBackendTests } from './support/sharedAssertions';
import { synthesizeBackend, type SynthesizedBackend } from './support/synthBackend';

const SETTINGS = {
  DEPLOY_DB_MODE: 'existing',
  DEPLOY_DB_HOST: 'orders-proxy.proxy-abc123.eu-west-1.rds.amazonaws.com',
  DEPLOY_DB_NAME: 'orders',
  DEPLOY_DB_USER: 'orders_owner',
  DEPLOY_DB_SECRET_NAME: 'prod/orders/owner',
  DEPLOY_DB_APP_USER: 'orders_api',
  DEPLOY_DB_APP_SECRET_NAME: 'prod/orders/api',
  DEPLOY_DB_AUTH: 'iam',
  DEPLOY_DB_RESOURCE_ID: 'prx-0123456789abcdef0',
  DEPLOY_DB_POOLER: 'transaction',
};

let synth: SynthesizedBackend;

beforeAll(async () => {
  synth = await synthesizeBackend({ settings: SETTINGS, bundling: false });
}, 60_000);
afterAll(() => synth?.cleanup());

const secretArn = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${name}-??????`]],
});
const dbUserArn = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':dbuser:prx-0123456789abcdef0/orders_api']],
};

sharedBackendTests(() => synth, {
  protectedRoutesAuth: 'AWS_IAM',
  environment: { DB_HOST: SETTINGS.DEPLOY_DB_HOST, DB_NAME: 'orders', DB_SSL: 'true', DB_POOLER: 'transaction' },
  byFunction: {
    health: { DB_USER: 'orders_api', DB_AUTH: 'iam' },
    todos: { DB_USER: 'orders_api', DB_AUTH: 'iam' },
    migrate: { DB_USER: 'orders_owner', DB_AUTH: 'password', DB_SECRET_NAME: 'prod/orders/owner', DB_APP_USER: 'orders_api', DB_APP_SECRET_NAME: 'prod/orders/api' },
  },
  readableSecrets: () => ({ health: [], todos: [], migrate: [secretArn('prod/orders/owner'), secretArn('prod/orders/api')] }),
  iamConnect: () => ({ health: dbUserArn, todos: dbUserArn }),
});
