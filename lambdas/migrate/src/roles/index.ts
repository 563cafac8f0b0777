export { APP_ROLE_IDLE_SESSION_TIMEOUT_MS, AppRoleError, appRoleSettings, ensureAppRole, type AppRole, type AppRoleReport } from './appRole';
export { appRoleFromEnvironment } from './fromEnvironment';
export { scramSha256Verifier, UnsupportedPasswordError } from './scramVerifier';
