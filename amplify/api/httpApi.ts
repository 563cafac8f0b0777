import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CORS_POLICY } from '@lambdas/shared/cors';
import type { FunctionName, HttpMethod, Route } from '@lambdas/shared/routes';
import { suppress } from '../nag';
import type { ApiSettings } from '../settings';

export interface HttpApiProps {
  /** The route manifest (`ROUTES`); this module lists none of its own. */
  readonly routes: readonly Route[];
  readonly handler: (name: Route['function']) => IFunction;
  readonly settings: ApiSettings;
}

/** A route of the deployed API that needs a SigV4-signed request (API Gateway's IAM authoriser). */
export interface ProtectedRoute {
  readonly method: apigw.HttpMethod;
  readonly path: string;
}

export interface CreatedApi {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /**
   * The base URL, `https://<id>.execute-api.<region>.amazonaws.com`, without a trailing slash:
   * Amplify JS joins `endpoint + path`, so a client's `path: '/todos'` must not make `//todos`.
   */
  readonly url: string;
  /** Every route with the IAM authoriser: what a signed-in browser user must be allowed to invoke. */
  readonly protectedRoutes: readonly ProtectedRoute[];
}

/** A manifest route's authorisation in this deployment: `iam` routes may be opened for demos. */
export function effectiveAuth(route: Route, settings: ApiSettings): 'public' | 'iam' {
  return route.auth === 'public' ? 'public' : settings.protectedRoutesAuth;
}

/**
 * The methods an API Gateway route may name, less `OPTIONS` and `ANY`: a route that matches `OPTIONS`
 * receives the browsers' CORS preflights, which then meet the IAM authoriser (403) or the function
 * (405) instead of API Gateway's own CORS answer.
 */
export const FALLBACK_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

export interface MethodFallback {
  readonly path: string;
  readonly methods: ReadonlyArray<(typeof FALLBACK_METHODS)[number]>;
  readonly function: Route['function'];
  readonly auth: 'public' | 'iam';
}

/**
 * For each manifest path, the methods the manifest does not list there: routed to the path's function
 * (which answers a JSON 405 with `Allow`, as the local server does) and as protected as the most
 * protected route on that path.
 */
export function methodFallbacks(routes: readonly Route[], settings: ApiSettings): MethodFallback[] {
  const byPath = new Map<string, Route[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
  return [...byPath].map(([path, onPath]) => {
    const functions = new Set(onPath.map((route) => route.function));
    const [fn] = functions;
    if (functions.size !== 1 || fn === undefined) throw new Error(`Routes on ${path} are served by several functions: ${[...functions].join(', ')}`);
    const listed = new Set<string>(onPath.map((route) => route.method));
    return {
      path,
      methods: FALLBACK_METHODS.filter((method) => !listed.has(method)),
      function: fn,
      auth: onPath.some((route) => effectiveAuth(route, settings) === 'iam') ? 'iam' : 'public',
    };
  });
}

/** One JSON object per request; no headers (an Authorization header would be a credential). */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    sourceIp: '$context.identity.sourceIp',
    caller: '$context.identity.userArn',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    responseLength: '$context.responseLength',
  }),
);

/**
 * The HTTP API (API Gateway v2): one route per manifest entry, each integrated with its function
 * (payload format 2.0, as the handlers expect), IAM authorisation where the manifest says so,
 * CORS (the policy in `lambdas/shared/src/api/cors.ts`, answered by API Gateway itself), and JSON access logs.
 */
export function createHttpApi(scope: Construct, props: HttpApiProps): CreatedApi {
  const api = new apigw.HttpApi(scope, 'HttpApi', {
    description: 'Todos API backed by PostgreSQL (routes from lambdas/shared/src/api/routes.ts)',
    createDefaultStage: false,
    corsPreflight: {
      allowOrigins: [...props.settings.corsOrigins],
      allowMethods: CORS_POLICY.allowMethods.map((method) => apigw.CorsHttpMethod[method]),
      allowHeaders: [...CORS_POLICY.allowHeaders],
      exposeHeaders: [...CORS_POLICY.exposeHeaders],
      maxAge: Duration.seconds(CORS_POLICY.maxAgeSeconds),
    },
  });

  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  const stage = new apigw.HttpStage(scope, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    // A ceiling that protects the database (and the bill) from a runaway client.
    throttle: { rateLimit: 50, burstLimit: 100 },
  });

  const integrations = new Map<FunctionName, HttpLambdaIntegration>();
  const integrationFor = (name: Route['function']): HttpLambdaIntegration => {
    let integration = integrations.get(name);
    if (integration === undefined) {
      integration = new HttpLambdaIntegration(`${name}Integration`, props.handler(name), { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
      integrations.set(name, integration);
    }
    return integration;
  };
  const iamAuthorizer = new HttpIamAuthorizer();
  const protectedRoutes: ProtectedRoute[] = [];

  const addRoute = (path: string, method: apigw.HttpMethod, fn: Route['function'], auth: 'public' | 'iam', publicReason: string): void => {
    const [created] = api.addRoutes({ path, methods: [method], integration: integrationFor(fn), ...(auth === 'iam' ? { authorizer: iamAuthorizer } : {}) });
    if (auth === 'iam') protectedRoutes.push({ method, path });
    if (auth === 'public' && created !== undefined) suppress(created, [{ id: 'AwsSolutions-APIG4', reason: publicReason }]);
  };
  const openedOnPurpose = (what: string): string => `${what} was opened on purpose with DEPLOY_API_AUTH=public (demo deployments).`;

  for (const route of props.routes) {
    addRoute(
      route.path,
      apigw.HttpMethod[route.method satisfies HttpMethod],
      route.function,
      effectiveAuth(route, props.settings),
      route.auth === 'public'
        ? `${route.method} ${route.path} is public by design in the route manifest (a health check must answer unauthenticated probes).`
        : openedOnPurpose(`${route.method} ${route.path}`),
    );
  }

  // The methods the manifest does not list on a path go to the path's function, which answers 405
  // with an `Allow` header as the local server does (without these routes API Gateway would answer a
  // bare 404 of its own). One route per method, never `ANY`: see FALLBACK_METHODS.
  for (const fallback of methodFallbacks(props.routes, props.settings)) {
    for (const method of fallback.methods) {
      addRoute(
        fallback.path,
        apigw.HttpMethod[method],
        fallback.function,
        fallback.auth,
        props.settings.protectedRoutesAuth === 'public'
          ? openedOnPurpose(`${method} ${fallback.path}`)
          : `${method} ${fallback.path} only answers 405: the public routes on this path do not serve that method.`,
      );
    }
  }

  // `stage.url` ends with `/`; the API's own endpoint does not (and serves the $default stage).
  return { api, stage, url: api.apiEndpoint, protectedRoutes };
}
