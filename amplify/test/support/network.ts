import { resources, type Json } from './templates';

/** A security group's construct id (`…/DatabaseSecurityGroup/Resource` → `DatabaseSecurityGroup`), from its logical id. */
function groupName(template: Json, reference: unknown): string {
  const id = (reference as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  const found = resources(template).find(([logicalId]) => logicalId === id);
  const path = String(found?.[1].Metadata?.['aws:cdk:path'] ?? '');
  const match = /\/([^/]+)\/Resource$/.exec(path);
  return match?.[1] ?? `?${JSON.stringify(reference)}`;
}

const port = (value: unknown): string => (typeof value === 'number' ? String(value) : 'db'); // a token: the database's port

/**
 * Every security-group rule of a template as `Target <- Source:port` (ingress) and
 * `Source -> Target:port` (egress), sorted; a CIDR rule shows its CIDR, so none can hide.
 */
export function securityGroupRules(template: Json): string[] {
  const ingress = resources(template, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => {
    const p = r.Properties as Json;
    return `${groupName(template, p.GroupId)} <- ${p.SourceSecurityGroupId !== undefined ? groupName(template, p.SourceSecurityGroupId) : String(p.CidrIp ?? p.CidrIpv6)}:${port(p.FromPort)}`;
  });
  const egress = resources(template, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => {
    const p = r.Properties as Json;
    return `${groupName(template, p.GroupId)} -> ${p.DestinationSecurityGroupId !== undefined ? groupName(template, p.DestinationSecurityGroupId) : String(p.CidrIp ?? p.CidrIpv6)}:${port(p.FromPort)}`;
  });
  const inline = resources(template, 'AWS::EC2::SecurityGroup').flatMap(([, r]) =>
    [...((r.Properties?.SecurityGroupIngress as Json[] | undefined) ?? []), ...((r.Properties?.SecurityGroupEgress as Json[] | undefined) ?? [])]
      // CDK's marker for "no egress at all" (a group with allowAllOutbound: false and no rule yet).
      .filter((rule) => !(rule.CidrIp === '255.255.255.255/32' && rule.Description === 'Disallow all traffic'))
      .map((rule) => `${String(r.Properties?.GroupDescription)}: inline ${JSON.stringify(rule)}`),
  );
  return [...ingress, ...egress, ...inline].sort();
}

/** The Secrets Manager endpoint's rules in provisioned mode: HTTPS from both function groups, and nothing else. */
export const ENDPOINT_RULES = [
  'SecretsManagerEndpointSecurityGroup <- FunctionsSecurityGroup:443',
  'SecretsManagerEndpointSecurityGroup <- MigrateSecurityGroup:443',
  'FunctionsSecurityGroup -> SecretsManagerEndpointSecurityGroup:443',
  'MigrateSecurityGroup -> SecretsManagerEndpointSecurityGroup:443',
] as const;
