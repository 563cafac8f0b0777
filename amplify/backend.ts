import { defineBackend } from '@aws-amplify/backend';
import { Stack } from 'aws-cdk-lib';
import { ROUTES } from '../lambdas/shared/src/routes';
import { createHttpApi } from './api/httpApi';
import { API_OUTPUT_NAME, type ApiOutput } from './api/outputs';
import { connectFunction } from './database/access';
import { existingDatabase } from './database/existing';
import { runMigrationsOnDeploy } from './database/migrations';
import { provisionedDatabase } from './database/provisioned';
import { functions } from './functions';
import { suppressFunctionFindings } from './functions/nag';
import { readSettings } from './settings';

/**
 * The backend `npx ampx sandbox` deploys: the three functions, the database they use (yours or a
 * new one, per `amplify/settings.ts`), the HTTP API over the route manifest, and the migration run.
 */
const backend = defineBackend(functions);

const settings = readSettings(process.env, backend.stack.node.tryGetContext('amplify-backend-type') as string | undefined);

const database =
  settings.database.mode === 'provisioned'
    ? provisionedDatabase(backend.createStack('database'), settings.database)
    : existingDatabase(Stack.of(backend.health.resources.lambda), settings.database);

for (const fn of [backend.health, backend.todos, backend.migrate]) {
  connectFunction(fn, database);
  suppressFunctionFindings(fn.resources.lambda);
}

runMigrationsOnDeploy(backend.migrate.resources.lambda, database, new Date().toISOString());

const { url } = createHttpApi(backend.createStack('api'), {
  routes: ROUTES,
  handler: (name) => backend[name].resources.lambda,
  settings: settings.api,
});

const apiOutput: ApiOutput = {
  endpoint: url,
  region: backend.stack.region,
  apiName: API_OUTPUT_NAME,
  protectedRoutesAuth: settings.api.protectedRoutesAuth,
};
backend.addOutput({ custom: { API: { [API_OUTPUT_NAME]: apiOutput } } });

export { backend, database, settings };
