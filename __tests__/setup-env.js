// Tests never reach AWS: fixed dummy credentials and region for every SDK client.
process.env.AWS_ACCESS_KEY_ID = "test";
process.env.AWS_SECRET_ACCESS_KEY = "test";
process.env.AWS_REGION = process.env.AWS_REGION || "us-east-1";
delete process.env.AWS_PROFILE;
// This machine runs Node 20 (Lambda runs 22); the SDK's notice about that is known, not news.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";
