import { defineBackend } from '@aws-amplify/backend';
import { Stack } from 'aws-cdk-lib';
import { allowSignedInUsersToCallApi } from './auth/apiAccess';
import { suppressAuthFindings } from './auth/nag';
import { auth } from './auth/resource';
import { ROUTES } from '@lambdas/shared/routes';
import { createHttpApi } from './api/httpApi';
import { API_OUTPUT_NAME, type ApiOutput } from './api/outputs';
import { connectFunction } from './database/access';
import { existingDatabase } from './database/existing';
import { migrationsFingerprint, runMigrationsOnDeploy } from './database/migrations';
import { provisionedDatabase } from './database/provisioned';
import { functions } from './functions';
import { suppressFunctionFindings } from './functions/nag';
import { readSettings } from './settings';

/**
 * The backend `npx ampx sandbox` deploys: Amplify Auth for browser users, the three functions, the
 * database they use (yours or a new one, per `amplify/settings.ts`), the HTTP API over the route
 * manifest, and the migration run.
 */

// Every DEPLOY_* problem is reported now, before defineBackend bundles the functions (seconds of
// work that a typo would waste). The deployment type below only picks a default.
readSettings(process.env);

const backend = defineBackend({ auth, ...functions });

const settings = readSettings(process.env, backend.stack.node.tryGetContext('amplify-backend-type') as string | undefined);

// Signed-in users get identity-pool credentials; guests get none at all (no unauthenticated identities).
backend.auth.resources.cfnResources.cfnIdentityPool.allowUnauthenticatedIdentities = false;
suppressAuthFindings(backend.auth.resources.cfnResources.cfnUserPool);

const database =
  settings.database.mode === 'provisioned'
    ? provisionedDatabase(backend.createStack('database'), settings.database)
    : existingDatabase(Stack.of(backend.health.resources.lambda), settings.database);

// The API functions connect as the application role; only migrate connects as the owner.
connectFunction(backend.health, database.api);
connectFunction(backend.todos, database.api);
connectFunction(backend.migrate, database.migrate);
for (const fn of [backend.health, backend.todos, backend.migrate]) suppressFunctionFindings(fn.resources.lambda);

runMigrationsOnDeploy(backend.migrate.resources.lambda, database, migrationsFingerprint());

const apiStack = backend.createStack('api');
const { api, url, protectedRoutes } = createHttpApi(apiStack, {
  routes: ROUTES,
  handler: (name) => backend[name].resources.lambda,
  settings: settings.api,
});
allowSignedInUsersToCallApi(apiStack, backend.auth.resources, api, protectedRoutes);

const apiOutput: ApiOutput = {
  endpoint: url,
  region: backend.stack.region,
  apiName: API_OUTPUT_NAME,
  protectedRoutesAuth: settings.api.protectedRoutesAuth,
};
backend.addOutput({ custom: { API: { [API_OUTPUT_NAME]: apiOutput } } });

export { backend, database, settings };
