import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { suppress } from '../nag';
import type { ProvisionedDatabaseSettings } from '../settings';
import type { DatabaseResources } from './types';

const ENGINE = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 });

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
 * Provisioned mode: VPC, encrypted RDS PostgreSQL with a generated secret, a Secrets Manager
 * endpoint, and security groups through which only the functions reach either.
 */
export function provisionedDatabase(scope: Construct, settings: ProvisionedDatabaseSettings): DatabaseResources {
  const vpc = privateNetwork(scope);
  const isolated: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

  // No default egress: the functions may open connections to the database and the endpoint only.
  const functionsSg = new ec2.SecurityGroup(scope, 'FunctionsSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: 'Lambda functions of the API: egress to the database and the Secrets Manager endpoint only',
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
    // `open: true` would admit the whole VPC CIDR; admit the functions' group instead.
    open: false,
  });
  endpointSg.connections.allowFrom(functionsSg, ec2.Port.tcp(443), 'HTTPS from the functions');

  const databaseSg = new ec2.SecurityGroup(scope, 'DatabaseSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: 'RDS PostgreSQL: the database port from the functions only',
  });

  // RDS for PostgreSQL 15+ defaults rds.force_ssl to 1; set it explicitly so a parameter-group
  // change cannot silently allow plaintext connections.
  const parameterGroup = new rds.ParameterGroup(scope, 'DatabaseParameters', {
    engine: ENGINE,
    description: 'TLS required for every connection',
    parameters: { 'rds.force_ssl': '1' },
  });

  const destroy = settings.removal === 'destroy';
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
  instance.connections.allowDefaultPortFrom(functionsSg, 'PostgreSQL from the functions');

  const secret = instance.secret;
  if (secret === undefined) throw new Error('Credentials.fromGeneratedSecret always creates a secret');

  suppress(instance, [
    { id: 'AwsSolutions-SMG4', reason: 'Rotation is opt-in (docs/deploy.md#rotation); the functions re-read the secret when the database rejects a rotated password.' },
    { id: 'AwsSolutions-RDS3', reason: 'Single-AZ keeps the sandbox/demo database affordable; enable Multi-AZ for production workloads.' },
    { id: 'AwsSolutions-RDS10', reason: 'Deletion protection follows DEPLOY_DB_REMOVAL: off for disposable sandboxes so `ampx sandbox delete` works, on otherwise.' },
    { id: 'AwsSolutions-RDS11', reason: 'A non-default port is obscurity only; the security group admits the functions alone and the instance is not public.' },
  ]);
  // `cloudwatchLogsRetention` adds CDK's log-retention function (a stack-wide singleton, not a child
  // of the instance): RDS creates the log group itself, so only a custom resource can set its retention.
  for (const helper of Stack.of(instance).node.children.filter((c) => c.node.id.startsWith('LogRetention'))) {
    suppress(helper, [
      { id: 'AwsSolutions-IAM4', reason: 'CDK log-retention helper uses AWSLambdaBasicExecutionRole, only for its own logs.' },
      { id: 'AwsSolutions-IAM5', reason: 'CDK log-retention helper sets retention on log groups RDS names at deploy time.' },
    ]);
  }

  return {
    connection: {
      // A fallback only: the generated secret holds the host, which the shared code prefers.
      host: instance.dbInstanceEndpointAddress,
      port: settings.port,
      name: settings.name,
      user: settings.user,
      // The ARN (a valid SecretId) of the attached secret: exact, and available as a token.
      secretName: secret.secretArn,
      ssl: true,
    },
    secret,
    placement: { subnetIds: vpc.selectSubnets(isolated).subnetIds, securityGroupIds: [functionsSg.securityGroupId] },
    migrateAfter: [instance],
  };
}
