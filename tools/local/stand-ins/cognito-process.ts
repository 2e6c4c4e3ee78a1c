/**
 * Child process of the local Cognito: cognito-local assembled with its own
 * state directory, a quiet logger, a mailbox for confirmation codes (served at
 * GET /_local/codes) and its Lambda client pointed at our runner. A separate
 * process because cognito-local's dependencies include ES-only modules that
 * jest's module loader cannot require. Settings come in COGNITO_LOCAL_* and CHILD_SERVICE_* variables. Triggers come from each pool's LambdaConfig, as in Cognito.
 */
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { serveAsChild } from "../http/child-service";
import { allowedHosts, AWS_JSON_1_1, guarded } from "../http/guard";

const root = dirname(require.resolve("cognito-local/package.json"));
const lib = (path: string) => require(join(root, "lib", path));
const pino = require(require.resolve("pino", { paths: [root] }));
// cognito-local is built on SDK v2; its end-of-support notice is not ours to act on.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
const AWS = require(require.resolve("aws-sdk", { paths: [root] }));

interface DeliveredCode {
  username: string;
  destination: string;
  code: string;
}

async function createCognitoServer(): Promise<Server> {
  const env = process.env;
  const dataDir = env.COGNITO_LOCAL_DATA_DIR!;

  const { DateClock, TriggersService, LambdaService, MessagesService } = lib("services/index.js");
  const { CognitoServiceFactoryImpl } = lib("services/cognitoService.js");
  const { CryptoService } = lib("services/crypto.js");
  const { StormDBDataStoreFactory } = lib("services/dataStore/stormDb.js");
  const { MessageDeliveryService } = lib("services/messageDelivery/messageDelivery.js");
  const { otp } = lib("services/otp.js");
  const { JwtTokenGenerator } = lib("services/tokenGenerator.js");
  const { UserPoolServiceFactoryImpl } = lib("services/userPoolService.js");
  const { DefaultConfig } = lib("server/config.js");
  const { Router } = lib("server/Router.js");
  const { createServer: createCognitoApp } = lib("server/server.js");

  const logger = pino({ level: env.COGNITO_LOCAL_LOG_LEVEL ?? "silent" });
  const ctx = { logger };
  const mailbox: DeliveredCode[] = [];
  const capture = (_ctx: unknown, user: { Username: string }, destination: string, message: { __code?: string }) => {
    if (message.__code) mailbox.push({ username: user.Username, destination, code: message.__code });
    return Promise.resolve();
  };

  const config = {
    ...DefaultConfig,
    LambdaClient: { credentials: { accessKeyId: "local", secretAccessKey: "local" }, region: "local", endpoint: env.COGNITO_LOCAL_LAMBDA_ENDPOINT },
    TriggerFunctions: {},
    ServerConfig: { port: 0, hostname: "127.0.0.1", development: false, https: false },
  };
  const clock = new DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(dataDir);
  const cognito = await new CognitoServiceFactoryImpl(dataDir, dataStoreFactory, new UserPoolServiceFactoryImpl(clock, dataStoreFactory)).create(
    ctx,
    config.UserPoolDefaults,
  );
  // As in Cognito, each pool's own LambdaConfig says which function its PostConfirmation calls (none: no trigger).
  class PoolLambdaService extends LambdaService {
    constructor(...args: unknown[]) {
      super(...args);
    }
    enabled(trigger: string) {
      return trigger === "PostConfirmation" || super.enabled(trigger);
    }
    async invoke(ctx: unknown, trigger: string, event: { userPoolId: string }) {
      if (trigger !== "PostConfirmation") return super.invoke(ctx, trigger, event);
      const pool = await cognito.getUserPool(ctx, event.userPoolId);
      const arn: string | undefined = pool.options.LambdaConfig?.PostConfirmation;
      if (!arn) return {};
      // invoke() reads the function name synchronously, before its first await.
      (this as any).config = { ...(this as any).config, PostConfirmation: arn };
      return super.invoke(ctx, trigger, event);
    }
  }
  const lambda = new PoolLambdaService({}, new AWS.Lambda(config.LambdaClient));
  const triggers = new TriggersService(clock, cognito, lambda, new CryptoService(config.KMSConfig));
  const services = {
    clock,
    cognito,
    config,
    messages: new MessagesService(triggers, new MessageDeliveryService({ sendEmail: capture, sendSms: capture })),
    otp,
    tokenGenerator: new JwtTokenGenerator(clock, triggers, config.TokenConfig),
    triggers,
  };
  const app = createCognitoApp(withAdminChallenges(Router(services), services), logger, config.ServerConfig, services).application;
  // cognito-local's own CORS middleware would grant any origin: the guard takes that away.
  return createServer(
    guarded({ hosts: allowedHosts(env.CHILD_SERVICE_HOST ?? "127.0.0.1"), bodyTypes: AWS_JSON_1_1 }, (req, res) => {
      if (req.method === "GET" && req.url === "/_local/codes") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(mailbox));
      } else {
        app(req, res);
      }
    }),
  );
}

type Route = (ctx: unknown, req: Record<string, any>) => Promise<Record<string, any>>;

/**
 * What cognito-local lacks for invited users signed in by a server:
 * AdminInitiateAuth answers NEW_PASSWORD_REQUIRED for a FORCE_CHANGE_PASSWORD
 * user whose temporary password is right, and AdminRespondToAuthChallenge is
 * RespondToAuthChallenge for a client of the named pool (as in Cognito,
 * neither runs PostConfirmation).
 */
function withAdminChallenges(router: (target: string) => Route, services: { cognito: any }): (target: string) => Route {
  const { InvalidPasswordError, ResourceNotFoundError } = lib("errors.js");
  const { attributesToRecord } = lib("services/userPoolService.js");
  const { v4 } = require(require.resolve("uuid", { paths: [root] }));
  const poolOfClient = async (ctx: unknown, req: Record<string, any>) => {
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    if (pool.options.Id !== req.UserPoolId) throw new ResourceNotFoundError();
    return pool;
  };
  return (target) => {
    if (target === "AdminRespondToAuthChallenge") {
      return async (ctx, req) => {
        await poolOfClient(ctx, req);
        const { UserPoolId: _pool, ContextData: _context, ...rest } = req;
        return router("RespondToAuthChallenge")(ctx, rest);
      };
    }
    if (target === "AdminInitiateAuth") {
      return async (ctx, req) => {
        if (req.AuthFlow === "ADMIN_USER_PASSWORD_AUTH" || req.AuthFlow === "ADMIN_NO_SRP_AUTH") {
          const pool = await poolOfClient(ctx, req);
          const user = await pool.getUserByUsername(ctx, req.AuthParameters?.USERNAME ?? "");
          if (user?.UserStatus === "FORCE_CHANGE_PASSWORD") {
            if (user.Password !== req.AuthParameters?.PASSWORD) throw new InvalidPasswordError();
            return {
              ChallengeName: "NEW_PASSWORD_REQUIRED",
              ChallengeParameters: { USER_ID_FOR_SRP: user.Username, requiredAttributes: "[]", userAttributes: JSON.stringify(attributesToRecord(user.Attributes)) },
              Session: v4(),
            };
          }
        }
        return router(target)(ctx, req);
      };
    }
    return router(target);
  };
}

serveAsChild("Cognito (cognito-local)", createCognitoServer);
