import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metaJson, signMetaBody } from "../../dev/meta-simulator/signing";
import {
  batch,
  customerAttachments,
  customerText,
  reaction,
  read,
  type WebhookPayload,
} from "../../dev/meta-simulator/webhook-payloads";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Paths } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { freshTable } from "../support/local-aws";
import { tableSnapshot } from "../support/table-scan";

/**
 * Fuzzing of `POST /instagram/webhook`: generated deliveries with mutated bodies, signatures, headers,
 * transport encodings and sizes. Whatever arrives: never a 5xx; a body whose signature is not an HMAC of its
 * exact bytes under a configured secret is never accepted and never changes the table; any rejection leaves
 * the table unchanged.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const RUNS = 2_200;
const IG_ACCOUNT = "17841400000000088";
const SECRETS = [FAKE.igAppSecret, FAKE.metaAppSecret];
const db = documentClient();
let tableName: string;
let handler: Handler;

const hmac = (body: Buffer, secret: string) => createHmac("sha256", secret).update(body).digest("hex");

/** True when the header is exactly what Meta would send for these bytes with a configured secret. */
function signedByMeta(body: Buffer, header: string | undefined): boolean {
  return SECRETS.some((secret) => header === `sha256=${hmac(body, secret)}`);
}

/** Hex case is not part of the signature's bytes; a verifier may accept uppercase hex of a right signature. */
function signedIgnoringHexCase(body: Buffer, header: string | undefined): boolean {
  return SECRETS.some((secret) => header?.toLowerCase() === `sha256=${hmac(body, secret)}`);
}

const id = fc.bigInt({ min: 10n ** 15n, max: 10n ** 17n }).map(String);
const mid = fc
  .string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    minLength: 20,
    maxLength: 40,
  })
  .map((s) => `aWdf${s}ZDZD`);
const messageText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom("Hi! Do you still have the linen shirt in size M?", "\u2764\ufe0f café 😀", ""),
);

/** A delivery as Meta would send it: one or more events for the connected account (or a stranger's). */
const payload: fc.Arbitrary<WebhookPayload> = fc
  .array(
    fc.record({
      kind: fc.constantFrom("text", "attachment", "reaction", "read"),
      account: fc.oneof({ weight: 4, arbitrary: fc.constant(IG_ACCOUNT) }, { weight: 1, arbitrary: id }),
      igsid: fc.oneof(fc.constantFrom("3416870925138842", "3416870925138843"), id),
      mid,
      text: messageText,
      timestamp: fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((events) =>
    batch(
      ...events.map((e) => {
        const parties = { igAccountId: e.account, igsid: e.igsid, timestamp: e.timestamp, mid: e.mid };
        switch (e.kind) {
          case "text":
            return customerText({ ...parties, text: e.text });
          case "attachment":
            return customerAttachments({
              ...parties,
              attachments: [
                { type: "image", url: `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=${e.igsid}` },
              ],
            });
          case "reaction":
            return reaction(parties);
          default:
            return read(parties);
        }
      }),
    ),
  );

type BodyMutation =
  | { kind: "none" }
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "append"; extra: string }
  | { kind: "pretty" }
  | { kind: "rawUtf8" }
  | { kind: "replace"; with: string | Uint8Array }
  | { kind: "huge"; repeat: number };

const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "none" as const }) },
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("append" as const),
    extra: fc.constantFrom(" ", "\n", "}", ",", "\u0000", "x"),
  }),
  fc.constant({ kind: "pretty" as const }),
  fc.constant({ kind: "rawUtf8" as const }),
  fc.record({
    kind: fc.constant("replace" as const),
    with: fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(
        "",
        "{}",
        "[]",
        "null",
        '{"object":"page","entry":[]}',
        '{"object":"instagram"}',
        '{"object":"instagram","entry":{}}',
      ),
    ),
  }),
  fc.record({ kind: fc.constant("huge" as const), repeat: fc.integer({ min: 2_000, max: 60_000 }) }),
);

function mutate(original: string, mutation: BodyMutation): Buffer {
  const bytes = Buffer.from(original, "utf8");
  switch (mutation.kind) {
    case "none":
      return bytes;
    case "flip": {
      const copy = Buffer.from(bytes);
      const at = mutation.at % copy.length;
      copy[at] = (copy[at] ?? 0) ^ (1 << mutation.bit);
      return copy;
    }
    case "truncate":
      return bytes.subarray(0, mutation.at % bytes.length);
    case "append":
      return Buffer.concat([bytes, Buffer.from(mutation.extra)]);
    case "pretty":
      return Buffer.from(JSON.stringify(JSON.parse(original), null, 2));
    case "rawUtf8":
      // The same JSON with non-ASCII sent raw instead of Meta's \u escapes: different bytes.
      return Buffer.from(JSON.stringify(JSON.parse(original)), "utf8");
    case "replace":
      return typeof mutation.with === "string" ? Buffer.from(mutation.with) : Buffer.from(mutation.with);
    case "huge":
      return Buffer.from(`${original.slice(0, -2)},"padding":"${"x".repeat(mutation.repeat * 10)}"}]}`);
  }
}

type SignatureChoice =
  | { kind: "valid"; secret: 0 | 1 }
  | { kind: "overOriginal" }
  | { kind: "missing" }
  | { kind: "noPrefix" }
  | { kind: "upper" }
  | { kind: "sha1" }
  | { kind: "wrongSecret" }
  | { kind: "truncated"; length: number }
  | { kind: "garbage"; value: string }
  | { kind: "twice" };

const signatureChoice: fc.Arbitrary<SignatureChoice> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      secret: fc.constantFrom(0 as const, 1 as const),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "overOriginal" as const }) },
  fc.constant({ kind: "missing" as const }),
  fc.constant({ kind: "noPrefix" as const }),
  fc.constant({ kind: "upper" as const }),
  fc.constant({ kind: "sha1" as const }),
  fc.constant({ kind: "wrongSecret" as const }),
  fc.record({ kind: fc.constant("truncated" as const), length: fc.integer({ min: 0, max: 70 }) }),
  fc.record({ kind: fc.constant("garbage" as const), value: fc.string({ maxLength: 100 }) }),
  fc.constant({ kind: "twice" as const }),
);

function signatureFor(body: Buffer, original: string, choice: SignatureChoice): string | undefined {
  const right = signMetaBody(body, FAKE.igAppSecret);
  switch (choice.kind) {
    case "valid":
      return signMetaBody(body, SECRETS[choice.secret] ?? FAKE.igAppSecret);
    case "overOriginal":
      // Signed as Meta signed the original bytes; after a mutation it covers different bytes.
      return signMetaBody(original, FAKE.igAppSecret);
    case "missing":
      return undefined;
    case "noPrefix":
      return right.slice("sha256=".length);
    case "upper":
      return `sha256=${right.slice("sha256=".length).toUpperCase()}`;
    case "sha1":
      return `sha1=${createHmac("sha1", FAKE.igAppSecret).update(body).digest("hex")}`;
    case "wrongSecret":
      return signMetaBody(body, "0123456789abcdef0123456789abcdef");
    case "truncated":
      return right.slice(0, choice.length);
    case "garbage":
      return choice.value;
    case "twice":
      return `${right},${right}`;
  }
}

const transport = fc.record({
  contentType: fc.constantFrom(
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    // Form-encoded bodies go to the signed_request callbacks (deauthorize, data deletion).
    "application/x-www-form-urlencoded",
    undefined,
  ),
  base64: fc.boolean(),
  extraHeaders: fc.dictionary(
    fc.constantFrom("content-encoding", "x-hub-signature", "user-agent", "x-forwarded-for"),
    fc.string({ maxLength: 30 }),
    { maxKeys: 2 },
  ),
});

const delivery = fc.record({ payload, mutation: bodyMutation, signature: signatureChoice, transport });

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  const now = Date.now();
  await putIntegration(
    tableName,
    {
      imoId: "fuzz-org",
      userId: "fuzz-user",
      igAccountId: IG_ACCOUNT,
      appScopedUserId: "27000000000000088",
      username: "fuzz_shop",
      connectedAt: now,
      updatedAt: now,
    },
    db,
  );
  ({ handler } = (await import("../../lambdas/handlers/webhook-receive")) as { handler: Handler });
});

afterAll(() => {
  db.destroy();
});

describe("webhook fuzzing", () => {
  it(`${RUNS} generated deliveries: no 5xx, no unsigned event accepted, rejections write nothing`, async () => {
    let before = await tableSnapshot(tableName);
    const outcomes = { accepted: 0, rejected: 0, unsignedRejected: 0 };
    await fc.assert(
      fc.asyncProperty(delivery, async ({ payload: value, mutation, signature, transport: t }) => {
        const original = metaJson(value);
        const body = mutate(original, mutation);
        const signatureHeader = signatureFor(body, original, signature);
        const headers: Record<string, string> = { ...t.extraHeaders };
        if (t.contentType !== undefined) headers["content-type"] = t.contentType;
        if (signatureHeader !== undefined) headers["x-hub-signature-256"] = signatureHeader;
        const event = httpEvent({
          method: "POST",
          route: Paths.webhook,
          headers,
          body: t.base64 ? body : body.toString("utf8"),
        });
        // A string body that is not valid UTF-8 is not what the HTTP API delivers: it base64-encodes binary.
        if (!t.base64 && !Buffer.from(body.toString("utf8"), "utf8").equals(body)) {
          event.body = body.toString("base64");
          event.isBase64Encoded = true;
        }
        const result = await handler(event, lambdaContext("webhook-receive"));
        const after = await tableSnapshot(tableName);
        expect(result.statusCode, `answered ${result.statusCode}: ${result.body}`).toBeLessThan(500);
        if (!signedIgnoringHexCase(body, signatureHeader)) {
          expect(result.statusCode, "an unsigned delivery is rejected").toBeGreaterThanOrEqual(400);
          outcomes.unsignedRejected += 1;
        }
        if (result.statusCode >= 400) {
          expect(after, "a rejected delivery left the table unchanged").toBe(before);
          outcomes.rejected += 1;
        } else {
          expect(signedByMeta(body, signatureHeader) || signedIgnoringHexCase(body, signatureHeader)).toBe(
            true,
          );
          outcomes.accepted += 1;
        }
        before = after;
      }),
      { numRuns: RUNS },
    );
    // The generator must exercise both sides: signed deliveries accepted and tampered ones rejected.
    expect(outcomes.accepted).toBeGreaterThan(RUNS / 25);
    expect(outcomes.unsignedRejected).toBeGreaterThan(RUNS / 4);
  });
});
