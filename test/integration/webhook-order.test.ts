import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import {
  deliveryOf,
  echo,
  edit,
  fromBusiness,
  fromCustomer,
  midOf,
  react,
  read,
  text,
  unreact,
  unsend,
  webhookPost,
} from "../support/webhook-fixtures";
import { connectIntegration, scanAll } from "../support/webhook-seed";

const CUSTOMER = "3416870925138842";
let tableName: string;
let handle: (event: HttpEvent) => Promise<HttpResult>;

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  handle = (event) => handler(event, lambdaContext("webhook-receive"));
});

interface Scenario {
  readonly withEcho: boolean;
  readonly withUnsend: boolean;
  readonly withUnreact: boolean;
}

/** One conversation's events, with their times; the account is filled in per run. */
function eventsOf(scenario: Scenario, account: string): Record<string, unknown>[] {
  const c = (at: number, body: Record<string, unknown>) => fromCustomer(at, body, CUSTOMER, account);
  const events = [
    c(1_000, {
      message: {
        mid: midOf("p1"),
        text: "one",
        attachments: [{ type: "image", payload: { url: "https://x/1" } }],
      },
    }),
    c(1_500, edit(midOf("p1"), "one v1", 1)),
    c(1_600, edit(midOf("p1"), "one v2", "2")),
    c(2_000, text(midOf("p2"), "two")),
    c(2_200, edit(midOf("p2"), "two v1", 1)),
  ];
  if (scenario.withUnsend) events.push(c(2_500, unsend(midOf("p2"))));
  if (scenario.withEcho) {
    events.push(fromBusiness(3_000, echo(midOf("p3"), "three"), CUSTOMER, account));
    events.push(c(3_500, react(midOf("p3"))));
    events.push(c(3_700, read(midOf("p3"))));
    if (scenario.withUnreact) events.push(c(3_600, unreact(midOf("p3"))));
  }
  return events;
}

/** The items of one organisation, with its ids replaced so two organisations' results compare. */
async function snapshot(imoId: string, account: string) {
  const items = (await scanAll(tableName)).filter(
    (item) => item.imoId === imoId && item.entity !== "integration",
  );
  return items
    .map(({ receivedAt: _processingTime, ...item }) =>
      JSON.parse(JSON.stringify(item).replaceAll(imoId, "IMO").replaceAll(account, "ACCOUNT")),
    )
    .sort((a, b) => `${a.pk}`.localeCompare(`${b.pk}`));
}

let run = 0;

describe("order independence through the handler (property)", () => {
  it("any order, repetitions and batching leave the same items as one in-order delivery of each event", {
    timeout: 240_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ withEcho: fc.boolean(), withUnsend: fc.boolean(), withUnreact: fc.boolean() }),
        fc.infiniteStream(fc.integer({ min: 0, max: 1_000_000 })),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 40, maxLength: 40 }),
        async (scenario, ranks, repeats, batchSizes) => {
          run += 1;
          const inOrderAccount = `178414${String(run).padStart(11, "0")}`;
          const shuffledAccount = `178415${String(run).padStart(11, "0")}`;
          await connectIntegration(tableName, `imo-in-order-${run}`, inOrderAccount);
          await connectIntegration(tableName, `imo-shuffled-${run}`, shuffledAccount);

          for (const event of eventsOf(scenario, inOrderAccount)) {
            expect((await handle(webhookPost(deliveryOf([event], inOrderAccount)))).statusCode).toBe(200);
          }

          const events = eventsOf(scenario, shuffledAccount);
          const deliveries = events.flatMap((event, i) =>
            Array.from({ length: repeats[i] ?? 1 }, () => event),
          );
          const rankIterator = ranks[Symbol.iterator]();
          const keyed = deliveries.map((event) => ({ event, rank: rankIterator.next().value ?? 0 }));
          keyed.sort((a, b) => a.rank - b.rank);
          // Shuffled deliveries go out in batches of random sizes, so runs of messages are written together too.
          let next = 0;
          for (const size of batchSizes) {
            if (next >= keyed.length) break;
            const batch = keyed.slice(next, next + size).map(({ event }) => event);
            next += size;
            expect((await handle(webhookPost(deliveryOf(batch, shuffledAccount)))).statusCode).toBe(200);
          }
          expect(next).toBeGreaterThanOrEqual(keyed.length);

          const expected = await snapshot(`imo-in-order-${run}`, inOrderAccount);
          expect(await snapshot(`imo-shuffled-${run}`, shuffledAccount)).toEqual(expected);
          expect(expected.some((item) => item.entity === "message_pending")).toBe(false);
        },
      ),
      { numRuns: 10 },
    );
  });
});
