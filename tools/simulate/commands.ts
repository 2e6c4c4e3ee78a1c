/**
 * The steps a history is made of, as fast-check commands: what users and
 * admins do in Cognito (each queuing the trigger and the CloudTrail event it
 * causes), what the app writes, how deliveries go (late, twice, lost, failed,
 * forged), faults, the scheduled worker's steps (tiny slices, retries of the
 * same input, crashes), the CLI's reconcile and restore. Users and queued
 * items are picked by position when the step runs, so any history is valid;
 * each step's label is what a shrunk history prints.
 */
import fc from "fast-check";
import type { ModelUser, Status } from "./cognito-model";
import { apiCall, hostedConfirm, inviteAccepted } from "./events";
import { afterEngineRun, afterStep, afterWorkerStep, afterRestore, deliverEvent, deliverTrigger } from "./invariants";
import { InvariantViolation, OTHER_POOL, OTHER_POOL_SUB, POOL, RESIDENT, type World } from "./world";

// Usernames may hold $ and ' (Cognito allows symbols and punctuation): a template must take them literally.
const NAMES = ["ann", "bob", "cy", "di", "eve$'"];

class Step implements fc.AsyncCommand<object, World> {
  constructor(
    readonly label: string,
    readonly exec: (w: World) => Promise<unknown>,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_model: object, w: World): Promise<void> {
    w.log.push(this.label);
    await this.exec(w);
    await afterStep(w, this.label);
  }
  toString(): string {
    return this.label;
  }
}

/** A delivery that fails is retried or dead-lettered; a broken invariant ends the history. */
const rethrowViolation = (err: unknown) => {
  if (err instanceof InvariantViolation) throw err;
};

const pickFrom = <T>(items: readonly T[], i: number): T | undefined => (items.length === 0 ? undefined : items[i % items.length]);
const usersIn = (w: World, ...statuses: Status[]) => w.cognito.users().filter((u) => statuses.length === 0 || statuses.includes(u.status));

/** The trigger fires: its event carries the user's attributes as they are now. */
const queueTrigger = (w: World, u: ModelUser) => w.triggers.push({ sub: u.sub, username: u.username, attributes: { ...u.attributes } });
const queueEvent = (w: World, event: ReturnType<typeof apiCall>) => w.events.push({ event, attempts: 0 });
const call = (w: World, name: string, u: ModelUser, admin: boolean) => queueEvent(w, apiCall(name, u.sub, POOL, admin));

const pick = fc.nat(99);
const admin = fc.boolean();

const cognitoSteps = [
  fc.record({ name: fc.constantFrom(...NAMES), given: fc.option(fc.constantFrom("Ada", "Grace"), { nil: undefined }) }).map(
    ({ name, given }) =>
      new Step(`signUp ${name}${given ? ` given_name=${given}` : ""}`, async (w) => {
        w.cognito.create(name, "UNCONFIRMED", { email: `${name}@example.com`, email_verified: "false", ...(given ? { given_name: given } : {}) });
      }),
  ),
  fc.record({ i: pick, via: fc.constantFrom("ConfirmSignUp", "AdminConfirmSignUp", "Confirm_POST") }).map(
    ({ i, via }) =>
      new Step(`confirm unconfirmed#${i} via ${via}`, async (w) => {
        const u = pickFrom(usersIn(w, "UNCONFIRMED"), i);
        if (!u) return;
        w.cognito.update(u, (x) => ((x.status = "CONFIRMED"), (x.attributes.email_verified = "true")));
        queueTrigger(w, u);
        queueEvent(w, via === "Confirm_POST" ? hostedConfirm(u.sub, POOL) : apiCall(via, u.sub, POOL, via.startsWith("Admin")));
      }),
  ),
  fc.constantFrom(...NAMES).map(
    (name) =>
      new Step(`adminCreateUser ${name} (invitation)`, async (w) => {
        const u = w.cognito.create(name, "FORCE_CHANGE_PASSWORD", { email: `${name}@example.com`, email_verified: "true" });
        if (u) call(w, "AdminCreateUser", u, true);
      }),
  ),
  fc.record({ i: pick, admin }).map(
    ({ i, admin }) =>
      new Step(`acceptInvite invited#${i}${admin ? " from a server" : ""}`, async (w) => {
        const u = pickFrom(usersIn(w, "FORCE_CHANGE_PASSWORD"), i);
        if (!u) return;
        w.cognito.update(u, (x) => (x.status = "CONFIRMED"));
        queueEvent(w, inviteAccepted(u.sub, POOL, admin));
      }),
  ),
  fc.record({ i: pick, permanent: fc.boolean() }).map(
    ({ i, permanent }) =>
      new Step(`adminSetUserPassword user#${i} permanent=${permanent}`, async (w) => {
        const u = pickFrom(usersIn(w), i);
        if (!u) return;
        if (permanent && (u.status === "FORCE_CHANGE_PASSWORD" || u.status === "RESET_REQUIRED")) w.cognito.update(u, (x) => (x.status = "CONFIRMED"));
        else if (!permanent && u.status === "CONFIRMED") w.cognito.update(u, (x) => (x.status = "FORCE_CHANGE_PASSWORD"));
        else w.cognito.update(u, () => undefined);
        call(w, "AdminSetUserPassword", u, true);
      }),
  ),
  fc.constantFrom(...NAMES).map(
    (name) =>
      new Step(`federated first sign-in ${name}`, async (w) => {
        const u = w.cognito.create(`Google_${name}`, "EXTERNAL_PROVIDER", { email: `${name}@gmail.example`, email_verified: "true" });
        if (u) queueTrigger(w, u);
      }),
  ),
  fc.nat(99).map(
    (i) =>
      new Step(`adminResetUserPassword confirmed#${i}`, async (w) => {
        const u = pickFrom(usersIn(w, "CONFIRMED"), i);
        if (u) w.cognito.update(u, (x) => (x.status = "RESET_REQUIRED"));
      }),
  ),
  fc.nat(99).map(
    (i) =>
      new Step(`confirmForgotPassword reset#${i}`, async (w) => {
        const u = pickFrom(usersIn(w, "RESET_REQUIRED"), i);
        if (!u) return;
        w.cognito.update(u, (x) => (x.status = "CONFIRMED"));
        queueTrigger(w, u);
      }),
  ),
  fc.record({ i: pick, attribute: fc.constantFrom("given_name", "email"), value: fc.constantFrom("a", "b"), admin }).map(
    ({ i, attribute, value, admin }) =>
      new Step(`${admin ? "Admin" : ""}UpdateUserAttributes user#${i} ${attribute}=${value}`, async (w) => {
        const u = pickFrom(usersIn(w), i);
        if (!u) return;
        w.cognito.update(u, (x) => {
          if (attribute === "email") Object.assign(x.attributes, { email: `${value}-${x.username}@example.com`, email_verified: "false" });
          else x.attributes.given_name = value;
        });
        call(w, admin ? "AdminUpdateUserAttributes" : "UpdateUserAttributes", u, admin);
      }),
  ),
  pick.map(
    (i) =>
      new Step(`VerifyUserAttribute email user#${i}`, async (w) => {
        const u = pickFrom(usersIn(w), i);
        if (!u) return;
        w.cognito.update(u, (x) => (x.attributes.email_verified = "true"));
        call(w, "VerifyUserAttribute", u, false);
      }),
  ),
  fc.record({ i: pick, admin }).map(
    ({ i, admin }) =>
      new Step(`${admin ? "Admin" : ""}DeleteUserAttributes given_name user#${i}`, async (w) => {
        const u = pickFrom(usersIn(w), i);
        if (!u) return;
        w.cognito.update(u, (x) => delete x.attributes.given_name);
        call(w, admin ? "AdminDeleteUserAttributes" : "DeleteUserAttributes", u, admin);
      }),
  ),
  fc.record({ i: pick, enabled: fc.boolean() }).map(
    ({ i, enabled }) =>
      new Step(`Admin${enabled ? "Enable" : "Disable"}User user#${i}`, async (w) => {
        const u = pickFrom(usersIn(w), i);
        if (!u) return;
        w.cognito.update(u, (x) => (x.enabled = enabled));
        call(w, enabled ? "AdminEnableUser" : "AdminDisableUser", u, true);
      }),
  ),
  fc.record({ i: pick, admin }).map(
    ({ i, admin }) =>
      new Step(`${admin ? "Admin" : ""}DeleteUser user#${i}`, async (w) => {
        const u = pickFrom(usersIn(w).filter((x) => x.username !== RESIDENT), i);
        if (!u) return;
        // The trigger ran inside the confirmation, before anything else could happen to the user.
        for (const t of w.triggers.filter((t) => t.sub === u.sub)) {
          w.triggers.splice(w.triggers.indexOf(t), 1);
          await deliverTrigger(w, t).catch(rethrowViolation);
        }
        w.cognito.remove(u);
        w.markDeleted(u);
        call(w, admin ? "AdminDeleteUser" : "DeleteUser", u, admin);
      }),
  ),
];

const appSteps = [
  fc.record({ i: pick, bio: fc.constantFrom("hello", "bye") }).map(
    ({ i, bio }) =>
      new Step(`app writes bio=${bio} to row#${i}`, async (w) => {
        const row = pickFrom(await w.items(), i);
        if (row) await w.appWrite(row, bio);
      }),
  ),
];

const deliverySteps = [
  fc.record({ i: pick, how: fc.constantFrom("ok", "ok", "fail", "twice") }).map(
    ({ i, how }) =>
      new Step(`trigger#${i} ${how === "fail" ? "fails (the user stays confirmed, no row)" : how === "twice" ? "runs twice" : "runs"}`, async (w) => {
        const t = pickFrom(w.triggers, i);
        if (!t) return;
        w.triggers.splice(w.triggers.indexOf(t), 1);
        if (how === "fail") return;
        for (let n = how === "twice" ? 2 : 1; n > 0; n--) await deliverTrigger(w, t).catch(rethrowViolation);
      }),
  ),
  fc.record({ i: pick, how: fc.constantFrom("once", "once", "once", "twice", "lost") }).map(
    ({ i, how }) =>
      new Step(`event#${i} ${how === "lost" ? "is lost" : how === "twice" ? "delivered twice" : "delivered"}`, async (w) => {
        const p = pickFrom(w.events, i);
        if (!p) return;
        const name = `${p.event.detail.eventName}`;
        if (how === "lost") return void w.events.splice(w.events.indexOf(p), 1);
        for (let n = how === "twice" ? 2 : 1; n > 0; n--) {
          try {
            await deliverEvent(w, p.event);
            if (w.events.includes(p)) w.events.splice(w.events.indexOf(p), 1);
          } catch (err) {
            rethrowViolation(err);
            // Lambda retries twice, then the dead-letter queue keeps it.
            if (++p.attempts >= 3 && w.events.includes(p)) w.events.splice(w.events.indexOf(p), 1);
            w.log.push(`  ${name} failed (${(err as Error).name}), attempt ${p.attempts}`);
          }
        }
      }),
  ),
  fc.record({ i: pick, kind: fc.constantFrom("live sub + $'", "3000-character sub", "another pool", "another pool's user, claimed for this pool", "no sub") }).map(
    ({ i, kind }) =>
      new Step(`forged AdminDeleteUser event: ${kind} (user#${i})`, async (w) => {
        const u = pickFrom(usersIn(w), i);
        const sub = u?.sub ?? "00000000-0000-4000-8000-000000000001";
        const forged =
          kind === "live sub + $'" ? apiCall("AdminDeleteUser", `${sub}$'`, POOL, true)
          : kind === "3000-character sub" ? apiCall("AdminDeleteUser", "a".repeat(3000), POOL, true)
          : kind === "another pool" ? apiCall("AdminDeleteUser", sub, OTHER_POOL, true)
          : kind === "another pool's user, claimed for this pool" ? apiCall("AdminDeleteUser", OTHER_POOL_SUB, POOL, true)
          : apiCall("AdminDeleteUser", undefined, POOL, true);
        // Delivered like any event: a failure is retried by Lambda, then dead-lettered; nothing else.
        await deliverEvent(w, forged, "the user-events function (forged event)").catch((err: Error) => (rethrowViolation(err), w.log.push(`  forged event failed (${err.name})`)));
      }),
  ),
];

const faultSteps = [
  fc.record({ n: fc.integer({ min: 1, max: 6 }), operation: fc.constantFrom(undefined, "ListUsers", "AdminGetUser") }).map(
    ({ n, operation }) =>
      new Step(`Cognito throttles the next ${n} ${operation ?? ""} calls`.replace("  ", " "), async (w) => void Object.assign(w.cognito.faults, { throttleCalls: n, throttleOperation: operation })),
  ),
  fc.integer({ min: 0, max: 3 }).map((n) => new Step(n ? `ListUsers lags ${n} writes behind` : "ListUsers catches up", async (w) => void (w.cognito.faults.lag = n))),
  fc.boolean().map((on) => new Step(on ? "ListUsers lists nobody" : "ListUsers lists again", async (w) => void (w.cognito.faults.emptyListing = on))),
  fc.integer({ min: 1, max: 4 }).map((n) => new Step(`DynamoDB fails the next ${n} calls`, async (w) => void (w.ddbOutage = n))),
];

const reconcileSteps = [
  fc.record({ slice: fc.integer({ min: 0, max: 4 }), again: fc.boolean() }).map(
    ({ slice, again }) =>
      new Step(`worker step (slice ${slice} ms${again ? ", retried with the same input" : ""})`, async (w) => {
        let state;
        try {
          state = await w.workerStep(slice, again);
        } catch (err) {
          // The state machine retries the step with the same input later.
          return void w.log.push(`  worker step failed (${(err as Error).name})`);
        }
        await afterWorkerStep(w, state);
      }),
  ),
  fc.constant(new Step("worker crashes: the run's state is lost", async (w) => void (w.run = undefined))),
  fc.constant(
    new Step("reconcile (CLI)", async (w) => {
      let run;
      try {
        run = await w.engineRun();
      } catch (err) {
        return void w.log.push(`  reconcile failed (${(err as Error).name}: ${(err as Error).message})`);
      }
      await afterEngineRun(w, run);
    }),
  ),
  pick.map(
    (i) =>
      new Step(`restore the backup of prune#${i}`, async (w) => {
        const runs = [...new Set(w.pruned.map((p) => p.run))];
        const run = pickFrom(runs, i);
        if (run) await afterRestore(w, run);
      }),
  ),
];

/** Every kind of step, weighted so histories have users before they have faults. */
export const STEPS = fc.oneof(
  { arbitrary: fc.oneof(...cognitoSteps), weight: 6 },
  { arbitrary: fc.oneof(...appSteps), weight: 1 },
  { arbitrary: fc.oneof(...deliverySteps), weight: 5 },
  { arbitrary: fc.oneof(...faultSteps), weight: 1 },
  { arbitrary: fc.oneof(...reconcileSteps), weight: 2 },
);
