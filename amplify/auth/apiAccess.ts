import { type CfnElement, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ProtectedRoute } from '../api/httpApi';
import { suppress } from '../nag';

export interface BrowserUserRoles {
  /** The identity pool's role for signed-in users. */
  readonly authenticatedUserIamRole: iam.IRole;
  /** The identity pool's role for guests; it is granted nothing (and the pool issues no guest identities). */
  readonly unauthenticatedUserIamRole: iam.IRole;
}

/** The API Gateway stage every route is deployed to (`createHttpApi` creates only `$default`). */
const STAGE = '$default';

/**
 * The `execute-api:Invoke` resource of one route. An execute-api ARN names the request path, so a
 * path parameter becomes `*` (`/todos/{id}` → `/todos/*`).
 */
export function invokeArn(api: apigw.IHttpApi, route: ProtectedRoute): string {
  return api.arnForExecuteApi(route.method, arnPath(route), STAGE);
}

const arnPath = (route: ProtectedRoute): string => route.path.replace(/\{[^}/]+\}/g, '*');

/**
 * Lets a signed-in browser user call exactly this API's IAM-protected routes, method by method (not
 * `execute-api:*`, not another API). The policy lives in `scope` (the API's stack), so the auth stack
 * knows nothing of the API. With `DEPLOY_API_AUTH=public` there is no protected route and no policy.
 */
export function allowSignedInUsersToCallApi(scope: Construct, roles: BrowserUserRoles, api: apigw.IHttpApi, routes: readonly ProtectedRoute[]): iam.Policy | undefined {
  if (routes.length === 0) return undefined;
  const policy = new iam.Policy(scope, 'SignedInUsersInvokeApi', {
    roles: [roles.authenticatedUserIamRole],
    statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: routes.map((route) => invokeArn(api, route)) })],
  });
  // cdk-nag reports each resource with a `*`: exactly the routes with a path parameter, named one by one.
  const apiLogicalId = Stack.of(api).getLogicalId(api.node.defaultChild as CfnElement);
  const wildcards = routes
    .filter((route) => arnPath(route).includes('*'))
    .map((route) => `Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${STAGE}/${route.method}${arnPath(route)}`);
  if (wildcards.length > 0) {
    suppress(policy, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'Each resource is one route of this API; its only wildcard stands for the {id} path parameter (/todos/*), which an execute-api ARN cannot name otherwise.',
        appliesTo: wildcards,
      },
    ]);
  }
  return policy;
}
