import { defineAuth } from '@aws-amplify/backend';

/**
 * Amplify Auth for browser users: a Cognito user pool (sign-in with email and password, a code sent
 * by email to confirm the address) and an identity pool that turns a signed-in user into temporary
 * AWS credentials, which Amplify JS uses to SigV4-sign calls to the API's IAM-protected routes.
 * What those credentials may do is granted in `apiAccess.ts`; nothing else.
 */
export const auth = defineAuth({
  loginWith: { email: true },
});
