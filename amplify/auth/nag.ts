import type { IConstruct } from 'constructs';
import { suppress } from '../nag';

/** cdk-nag findings on Amplify Auth's user pool that this template leaves to the adopter, and why. */
export function suppressAuthFindings(userPool: IConstruct): void {
  suppress(userPool, [
    {
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional for a template: requiring it makes every sign-in of the example client need an authenticator app. Turn it on with defineAuth({ multifactor: { mode: "REQUIRED", totp: true } }) (docs/deploy.md).',
    },
    {
      id: 'AwsSolutions-COG8',
      reason:
        "Cognito's Plus feature plan (threat protection) is billed per monthly active user; a sandbox does not need it. Production: set userPoolTier PLUS and enforce threat protection (docs/deploy.md).",
    },
  ]);
}
