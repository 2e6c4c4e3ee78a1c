/** The client-side sign-up flows, as an app would call them, against a (local) user pool. */
import {
  AdminConfirmSignUpCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import type { LocalCognito } from "./stand-ins/cognito";

export interface NewUser {
  readonly email: string;
  readonly password: string;
  readonly attributes?: Record<string, string>;
}

/** SignUp; returns the new user's sub. */
export async function signUp(client: CognitoIdentityProviderClient, clientId: string, user: NewUser): Promise<string> {
  const res = await client.send(
    new SignUpCommand({
      ClientId: clientId,
      Username: user.email,
      Password: user.password,
      UserAttributes: [{ Name: "email", Value: user.email }, ...Object.entries(user.attributes ?? {}).map(([Name, Value]) => ({ Name, Value }))],
    }),
  );
  return res.UserSub!;
}

/** ConfirmSignUp with the code the pool "emailed". */
export async function confirmWithEmailedCode(client: CognitoIdentityProviderClient, clientId: string, cognito: LocalCognito, email: string): Promise<void> {
  const code = await cognito.lastCode(email);
  if (!code) throw new Error(`no confirmation code was delivered to ${email}`);
  await client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));
}

export async function adminConfirm(client: CognitoIdentityProviderClient, userPoolId: string, email: string): Promise<void> {
  await client.send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: email }));
}

/** ForgotPassword + ConfirmForgotPassword with the delivered code. */
export async function resetPassword(
  client: CognitoIdentityProviderClient,
  clientId: string,
  cognito: LocalCognito,
  email: string,
  newPassword: string,
): Promise<void> {
  const before = (await cognito.mailbox()).length;
  await client.send(new ForgotPasswordCommand({ ClientId: clientId, Username: email }));
  const delivered = (await cognito.mailbox()).slice(before).find((m) => m.destination === email || m.username === email);
  const code = delivered?.code;
  if (!code) throw new Error(`no password reset code was delivered to ${email}`);
  await client.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: email, ConfirmationCode: code, Password: newPassword }));
}
