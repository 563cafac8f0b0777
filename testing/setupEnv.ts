/**
 * Runs before each test file. Tests never reach real AWS: the Secrets Manager endpoint defaults to a
 * closed loopback port (tests that need the service start `FakeSecretsManager` and point the SDK at
 * it), the instance-metadata lookup is off, and credentials are dummies.
 */
process.env.NODE_ENV = 'test';
process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'http://127.0.0.1:9';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// The developer's own ~/.aws files (a profile's region, say) must not change what a test sees.
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
process.env.AWS_SECRET_ACCESS_KEY = 'local-test-secret-key';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_DEV = 'false';
// Debug lines too are captured and scanned for passwords (testing/logCapture.ts).
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'DEBUG';
