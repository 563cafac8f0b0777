import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { suppress, type Suppression } from '../nag';
import type { ProvisionedDatabaseSettings } from '../settings';
import type { DatabaseAccess, DatabaseResources } from './types';

const ENGINE = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 });

/** An RDS Proxy for PostgreSQL listens on 5432, whatever port the database behind it uses. */
const PROXY_PORT = 5432;

/**
 * A private network with no internet route: two AZs of isolated subnets (RDS requires two), no NAT
 * gateway (the functions only talk to the database and, through an interface endpoint, to Secrets
 * Manager). Flow logs record rejected traffic for debugging security-group mistakes.
 */
function privateNetwork(scope: Construct): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  vpc.addFlowLog('RejectedTraffic', {
    trafficType: ec2.FlowLogTrafficType.REJECT,
    destination: ec2.FlowLogDestination.toCloudWatchLogs(
      new logs.LogGroup(scope, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    ),
  });
  return vpc;
}

/**
 * Provisioned mode: VPC, encrypted RDS PostgreSQL, a Secrets Manager endpoint, and two users:
 *
 * - the master user (generated secret), which only `migrate` may read and use, directly;
 * - the application role the migrations create (`DEPLOY_DB_APP_USER`, least privilege), which the
 *   API functions connect as, with its own generated secret or (`DEPLOY_DB_AUTH=iam`) an IAM token;
 *
 * and, with `DEPLOY_DB_PROXY=true`, an RDS Proxy (TLS required) between the API functions and the
 * database. Security groups: the database admits `migrate` and either the API functions or the
 * proxy; the proxy admits the API functions; the endpoint admits both function groups.
 */
export function provisionedDatabase(scope: Construct, settings: ProvisionedDatabaseSettings): DatabaseResources {
  const vpc = privateNetwork(scope);
  const isolated: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

  // No default egress anywhere: each group may open connections to what it needs and nothing else.
  const functionsSg = new ec2.SecurityGroup(scope, 'FunctionsSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: settings.proxy
      ? 'API functions: egress to the RDS Proxy and the Secrets Manager endpoint only'
      : 'API functions: egress to the database and the Secrets Manager endpoint only',
  });
  const migrateSg = new ec2.SecurityGroup(scope, 'MigrateSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: 'migrate function: egress to the database (directly, never through a proxy) and the Secrets Manager endpoint only',
  });

  // Secrets Manager without a NAT gateway: private DNS makes the SDK's default endpoint resolve here.
  const endpointSg = new ec2.SecurityGroup(scope, 'SecretsManagerEndpointSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: 'Secrets Manager interface endpoint: HTTPS from the functions only',
  });
  vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
    service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    subnets: isolated,
    securityGroups: [endpointSg],
    privateDnsEnabled: true,
    // `open: true` would admit the whole VPC CIDR; admit the functions' groups instead.
    open: false,
  });
  endpointSg.connections.allowFrom(functionsSg, ec2.Port.tcp(443), 'HTTPS from the API functions');
  endpointSg.connections.allowFrom(migrateSg, ec2.Port.tcp(443), 'HTTPS from migrate');

  const databaseSg = new ec2.SecurityGroup(scope, 'DatabaseSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: settings.proxy ? 'RDS PostgreSQL: the database port from the RDS Proxy and migrate only' : 'RDS PostgreSQL: the database port from the functions only',
  });

  // RDS for PostgreSQL 15+ defaults rds.force_ssl to 1; set it explicitly so a parameter-group
  // change cannot silently allow plaintext connections.
  const parameterGroup = new rds.ParameterGroup(scope, 'DatabaseParameters', {
    engine: ENGINE,
    description: 'TLS required for every connection',
    parameters: { 'rds.force_ssl': '1' },
  });

  const destroy = settings.removal === 'destroy';
  const directIam = settings.auth === 'iam' && !settings.proxy;
  const instance = new rds.DatabaseInstance(scope, 'Database', {
    engine: ENGINE,
    instanceType: new ec2.InstanceType(settings.instanceType),
    vpc,
    vpcSubnets: isolated,
    securityGroups: [databaseSg],
    port: settings.port,
    databaseName: settings.name,
    // AWS's standard secret JSON (host, port, dbname, username, password, engine), which the shared
    // SecretManager reads; the password never appears in the template.
    credentials: rds.Credentials.fromGeneratedSecret(settings.user),
    // The functions' IAM tokens go to the instance itself only without a proxy (the proxy checks them otherwise).
    iamAuthentication: directIam,
    parameterGroup,
    storageEncrypted: true,
    publiclyAccessible: false,
    storageType: rds.StorageType.GP3,
    allocatedStorage: 20,
    maxAllocatedStorage: 100,
    multiAz: false,
    backupRetention: Duration.days(1),
    autoMinorVersionUpgrade: true,
    cloudwatchLogsExports: ['postgresql'],
    cloudwatchLogsRetention: logs.RetentionDays.ONE_MONTH,
    caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    deletionProtection: !destroy,
    removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
  });
  instance.connections.allowDefaultPortFrom(migrateSg, 'PostgreSQL from migrate');

  const masterSecret = instance.secret;
  if (masterSecret === undefined) throw new Error('Credentials.fromGeneratedSecret always creates a secret');

  // The application role's password: generated, attached to the instance (so it holds host, port
  // and dbname like the master secret), and set on the role by migrate as a SCRAM verifier. Not
  // needed when the functions sign IAM tokens straight to the instance.
  const appUserSecret = directIam ? undefined : new rds.DatabaseSecret(scope, 'AppUserSecret', { username: settings.appUser, dbname: settings.name });
  const appSecret = appUserSecret?.attach(instance);

  const rotationOptIn: Suppression = { id: 'AwsSolutions-SMG4', reason: 'Rotation is opt-in (docs/deploy.md#rotation); the functions re-read the secret when the database rejects a rotated password.' };
  suppress(instance, [
    rotationOptIn,
    { id: 'AwsSolutions-RDS3', reason: 'Single-AZ keeps the sandbox/demo database affordable; enable Multi-AZ for production workloads.' },
    { id: 'AwsSolutions-RDS10', reason: 'Deletion protection follows DEPLOY_DB_REMOVAL: off for disposable sandboxes so `ampx sandbox delete` works, on otherwise.' },
    { id: 'AwsSolutions-RDS11', reason: 'A non-default port is obscurity only; the security group admits the functions alone and the instance is not public.' },
  ]);
  if (appUserSecret !== undefined) suppress(appUserSecret, [rotationOptIn]);
  // `cloudwatchLogsRetention` adds CDK's log-retention function (a stack-wide singleton, not a child
  // of the instance): RDS creates the log group itself, so only a custom resource can set its retention.
  for (const helper of Stack.of(instance).node.children.filter((c) => c.node.id.startsWith('LogRetention'))) {
    suppress(helper, [
      { id: 'AwsSolutions-IAM4', reason: 'CDK log-retention helper uses AWSLambdaBasicExecutionRole, only for its own logs.' },
      { id: 'AwsSolutions-IAM5', reason: 'CDK log-retention helper sets retention on log groups RDS names at deploy time.' },
    ]);
  }

  const endpoint = { port: settings.port, name: settings.name, ssl: true } as const;
  const subnetIds = vpc.selectSubnets(isolated).subnetIds;

  // Where the API functions connect (the instance, or the proxy in front of it), and what checks their IAM tokens there.
  let target: { host: string; port?: number; pooler?: 'transaction'; grantConnect: (grantee: iam.IGrantable) => void };
  if (settings.proxy) {
    if (appSecret === undefined) throw new Error('A proxy logs in to the database with the application secret');
    const proxySg = new ec2.SecurityGroup(scope, 'ProxySecurityGroup', {
      vpc,
      allowAllOutbound: false,
      description: 'RDS Proxy: the database port from the API functions; egress to the database only',
    });
    const proxy = new rds.DatabaseProxy(scope, 'Proxy', {
      proxyTarget: rds.ProxyTarget.fromInstance(instance),
      // The proxy logs in to the database as the application role; the master secret is not its to read.
      secrets: [appSecret],
      vpc,
      vpcSubnets: isolated,
      securityGroups: [proxySg],
      requireTLS: true,
      // With IAM authentication the proxy checks each function's token (rds-db:connect on the proxy).
      iamAuth: settings.auth === 'iam',
      debugLogging: false,
    });
    // Amplify tags every resource of the stack; CloudFormation's schema for a proxy target group (as
    // cfn-lint reads it) has no Tags, and an unknown property would fail the deployment. It needs none.
    (proxy.node.findChild('ProxyTargetGroup') as rds.CfnDBProxyTargetGroup).addPropertyDeletionOverride('Tags');
    proxy.connections.allowFrom(functionsSg, ec2.Port.tcp(PROXY_PORT), 'PostgreSQL from the API functions');
    instance.connections.allowDefaultPortFrom(proxySg, 'PostgreSQL from the RDS Proxy');
    target = { host: proxy.endpoint, port: PROXY_PORT, pooler: 'transaction', grantConnect: (g) => proxy.grantConnect(g, settings.appUser) };
  } else {
    instance.connections.allowDefaultPortFrom(functionsSg, 'PostgreSQL from the API functions');
    target = { host: instance.dbInstanceEndpointAddress, grantConnect: (g) => instance.grantConnect(g, settings.appUser) };
  }
  const { grantConnect, ...where } = target;
  const api: DatabaseAccess =
    settings.auth === 'iam' || appSecret === undefined
      ? { connection: { ...endpoint, ...where, user: settings.appUser, auth: 'iam' }, secrets: [], grantConnect }
      : { connection: { ...endpoint, ...where, user: settings.appUser, secretName: appSecret.secretArn, auth: 'password' }, secrets: [appSecret] };

  const migrate: DatabaseAccess = {
    // A fallback only: the generated secret holds the host, which the shared code prefers.
    connection: { ...endpoint, host: instance.dbInstanceEndpointAddress, user: settings.user, secretName: masterSecret.secretArn, auth: 'password' },
    secrets: appSecret !== undefined ? [masterSecret, appSecret] : [masterSecret],
    appRole: { user: settings.appUser, ...(appSecret !== undefined ? { secretName: appSecret.secretArn } : {}) },
    placement: { subnetIds, securityGroupIds: [migrateSg.securityGroupId] },
  };

  return {
    api: { ...api, placement: { subnetIds, securityGroupIds: [functionsSg.securityGroupId] } },
    migrate,
    migrateAfter: [instance],
  };
}
