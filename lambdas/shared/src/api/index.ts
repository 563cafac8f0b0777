/** `@lambdas/shared/api`: the HTTP API's contract (routes, CORS, schemas, operations, cursor, ETag, OpenAPI). */
export * from './routes';
export * from './cors';
export * from './schemas';
export * from './responseSchemas';
export * from './operations';
export * from './cursor';
export * from './etag';
export * from './openapi';
