import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** A cdk-nag suppression: the AwsSolutions rule it silences and why that is acceptable here. */
export interface Suppression {
  readonly id: `AwsSolutions-${string}`;
  readonly reason: string;
  /** Limit the suppression to these findings (e.g. one managed policy) instead of the whole rule. */
  readonly appliesTo?: readonly string[];
}

const MIN_REASON = 10;

/**
 * Records suppressions on `construct` and its children. cdk-nag itself requires a reason of at
 * least 10 characters; checking here fails at the line that wrote a lazy reason.
 */
export function suppress(construct: IConstruct, suppressions: readonly Suppression[]): void {
  for (const s of suppressions) {
    if (s.reason.trim().length < MIN_REASON) throw new Error(`cdk-nag suppression ${s.id} needs a real reason (>= ${MIN_REASON} characters)`);
  }
  NagSuppressions.addResourceSuppressions(
    construct,
    suppressions.map((s) => ({ id: s.id, reason: s.reason, ...(s.appliesTo ? { appliesTo: [...s.appliesTo] } : {}) })),
    true,
  );
}
