/**
 * Local stand-in for Cognito user pools (cognito-local, in a child process).
 *
 * Each pool's PostConfirmation trigger is its LambdaConfig's function, as in
 * Cognito. Known differences from Cognito: trigger errors are swallowed (the Lambda
 * runner records them instead), ListUsers does not paginate, email_verified
 * is not set on confirmation, and every write rewrites the pool's JSON file
 * (slow for big pools). Added here: AdminRespondToAuthChallenge, and
 * AdminInitiateAuth's NEW_PASSWORD_REQUIRED for invited users.
 */
import { join } from "node:path";
import { childServiceEnv, startChildService } from "../http/child-service";

export interface DeliveredCode {
  readonly username: string;
  readonly destination: string;
  readonly code: string;
}

export interface LocalCognitoOptions {
  /** Where pools and users are stored. */
  readonly dataDir: string;
  /** Lambda API endpoint that runs the triggers. */
  readonly lambdaEndpoint: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
}

export interface LocalCognito {
  /** Value for AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER. */
  readonly endpoint: string;
  readonly port: number;
  /** Codes "sent" by email or SMS so far, oldest first. */
  mailbox(): Promise<DeliveredCode[]>;
  /** The newest code sent to a username or address. */
  lastCode(usernameOrDestination: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startLocalCognito(options: LocalCognitoOptions): Promise<LocalCognito> {
  const host = options.host ?? "127.0.0.1";
  const service = await startChildService(
    join(__dirname, "cognito-process.ts"),
    {
      ...childServiceEnv(host, options.port),
      COGNITO_LOCAL_DATA_DIR: options.dataDir,
      COGNITO_LOCAL_LAMBDA_ENDPOINT: options.lambdaEndpoint,
    },
    { name: "Cognito (cognito-local)" },
  );
  const endpoint = `http://${host}:${service.port}`;
  const mailbox = async (): Promise<DeliveredCode[]> => (await fetch(`${endpoint}/_local/codes`)).json() as Promise<DeliveredCode[]>;
  return {
    endpoint,
    port: service.port,
    mailbox,
    async lastCode(who) {
      return (await mailbox()).reverse().find((m) => m.username === who || m.destination === who)?.code;
    },
    stop: service.stop,
  };
}
