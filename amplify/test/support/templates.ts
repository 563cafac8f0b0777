import type { NestedStack, Stack } from 'aws-cdk-lib';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { SynthesizedBackend } from './synthBackend';

export type Json = Record<string, unknown>;
export interface Resource {
  readonly Type: string;
  readonly Properties?: Json;
  readonly DependsOn?: string | string[];
  readonly Metadata?: Json;
}

export function resources(template: Json, type?: string): Array<[string, Resource]> {
  const all = Object.entries((template.Resources ?? {}) as Record<string, Resource>);
  return type === undefined ? all : all.filter(([, r]) => r.Type === type);
}

/** The logical id of an Amplify function's `AWS::Lambda::Function` in the `function` stack. */
export function functionLogicalId(fn: IFunction): string {
  const cfn = fn.node.defaultChild as CfnFunction;
  return (fn.stack as Stack).getLogicalId(cfn);
}

/** Every IAM policy statement of a template, with the policy that holds it. */
export function statements(template: Json): Array<{ policy: string; statement: Json }> {
  return resources(template, 'AWS::IAM::Policy').flatMap(([id, r]) => {
    const doc = (r.Properties?.PolicyDocument ?? {}) as { Statement?: Json[] };
    return (doc.Statement ?? []).map((statement) => ({ policy: id, statement }));
  });
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * What a value in a nested stack's template stands for in the producing stack: a `{ Ref: param }`
 * is followed through the root template's parameter wiring (`Fn::GetAtt [stack, Outputs.X]`) to
 * the output's value in the producing nested stack. Returns `{ stack, value }`.
 */
export function followReference(synth: SynthesizedBackend, consumer: NestedStack, value: unknown): { stack: string; value: unknown } {
  const ref = (value as { Ref?: string } | undefined)?.Ref;
  if (typeof ref !== 'string') return { stack: consumer.node.id, value };
  const consumerTemplate = synth.template(consumer.node.id as 'function').toJSON();
  if (!(ref in ((consumerTemplate.Parameters ?? {}) as Json))) return { stack: consumer.node.id, value };
  const rootJson = synth.template('root').toJSON();
  const consumerResource = consumer.nestedStackResource;
  if (consumerResource === undefined) throw new Error('nested stack without its resource');
  const consumerId = synth.root.getLogicalId(consumerResource as never);
  const parameters = (resources(rootJson).find(([id]) => id === consumerId)?.[1].Properties?.Parameters ?? {}) as Json;
  const wired = parameters[ref] as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const getAtt = wired?.['Fn::GetAtt'];
  if (getAtt === undefined) return { stack: 'root', value: wired };
  const [producerId, attribute] = getAtt;
  const producer = [...synth.stacks.values()].find((s) => s.nestedStackResource && synth.root.getLogicalId(s.nestedStackResource as never) === producerId);
  if (producer === undefined) throw new Error(`no nested stack ${producerId}`);
  const outputs = (synth.template(producer.node.id as 'function').toJSON().Outputs ?? {}) as Record<string, { Value: unknown }>;
  return { stack: producer.node.id, value: outputs[attribute.replace(/^Outputs\./, '')]?.Value };
}

/** Every `cdk_nag` suppression recorded in any template: `{ path, id, reason }`. */
export function nagSuppressions(synth: SynthesizedBackend): Array<{ resource: string; id: string; reason: string }> {
  return synth.allTemplates().flatMap(({ json }) =>
    resources(json).flatMap(([logicalId, r]) => {
      const rules = ((r.Metadata?.cdk_nag as { rules_to_suppress?: Array<{ id: string; reason: string }> } | undefined)?.rules_to_suppress ?? []);
      return rules.map((rule) => ({ resource: logicalId, id: rule.id, reason: rule.reason }));
    }),
  );
}

/** Keys whose value would be a credential: a password, or a secret's literal contents. */
// Amplify Auth's outputs name its password *policy* and passwordless options: settings, not passwords.
const CREDENTIAL_KEYS = /passw(or)?d(?!Policy|less)|^SecretString$/i;
/** A connection string with a password in it: `scheme://user:password@host`. */
const CREDENTIAL_URL = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

/**
 * Every string property (at any depth) whose key names a password or a secret's contents, and every
 * string value holding a connection string with a password, with its path. A value that is a
 * CloudFormation dynamic reference to Secrets Manager (`{{resolve:secretsmanager:…}}`) is not a
 * literal and is left out.
 */
export function literalPasswords(json: unknown, path = ''): string[] {
  if (typeof json === 'string') return CREDENTIAL_URL.test(json) ? [path] : [];
  if (Array.isArray(json)) return json.flatMap((item, i) => literalPasswords(item, `${path}[${i}]`));
  if (typeof json !== 'object' || json === null) return [];
  return Object.entries(json).flatMap(([key, value]) => {
    const here = `${path}.${key}`;
    if (CREDENTIAL_KEYS.test(key) && !isDynamicSecretReference(value)) {
      // A password is only acceptable as a dynamic reference; anything else (even a token join) is reported.
      // (A number is a generator setting such as PasswordLength, not a password.)
      if (typeof value === 'string') return [here];
      if (typeof value === 'object' && value !== null && !JSON.stringify(value).includes('{{resolve:secretsmanager:')) return [here];
    }
    return literalPasswords(value, here);
  });
}

function isDynamicSecretReference(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('{{resolve:secretsmanager:');
}

/** The logical id of the resource whose CDK path ends with `suffix` (`/Database/Resource`) in a template. */
export function logicalIdAt(template: Json, suffix: string): string {
  const found = resources(template).find(([, r]) => String(r.Metadata?.['aws:cdk:path'] ?? '').endsWith(suffix));
  if (found === undefined) throw new Error(`no resource at …${suffix}`);
  return found[0];
}

/** `{ Ref }` to the secret attachment (what the functions are given) of the master or the application secret. */
export const secretAttachment = (template: Json, secret: 'Database/Secret' | 'AppUserSecret'): Json => ({ Ref: logicalIdAt(template, `/${secret}/Attachment/Resource`) });
