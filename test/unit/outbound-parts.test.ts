import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { outboundItem } from "../../lambdas/adapters/dynamo/outbound-item";
import { partItem } from "../../lambdas/adapters/dynamo/outbound-part-item";
import { storedChangeOf } from "../../lambdas/adapters/events/stream-records";
import { messageObject } from "../../lambdas/adapters/meta/message-body";
import { deriveEvents } from "../../lambdas/domain/events/derive";
import {
  type Media,
  needsParts,
  parentStatusAfter,
  partMessages,
  partsQueue,
  splitMedia,
} from "../../lambdas/domain/outbound/parts";
import type { OutboundMessage } from "../../lambdas/domain/outbound/ports";
import { messageView } from "../../lambdas/http/inbox-bodies";

const image = (n: number): Media => ({ type: "image", url: `https://cdn.example/${n}.jpg` });
const video: Media = { type: "video", url: "https://cdn.example/v.mp4" };
const file: Media = { type: "file", url: "https://cdn.example/f.pdf" };

const parent: OutboundMessage = {
  imoId: "imo-1",
  userId: "user-1",
  igAccountId: "17841400000000001",
  igsid: "3416870925138842",
  messageId: "0b6f3a52-0000-4000-8000-000000000001",
  status: "queued",
  content: { media: [image(1), image(2), video, image(3)] },
  acceptedAt: 1_773_151_542_491,
  attempts: 0,
};

describe("splitting media into parts (Instagram send-message: one or more images, a video, or an audio file)", () => {
  it("only media Meta cannot take as one message is split", () => {
    expect(needsParts([image(1), image(2)])).toBe(false);
    expect(needsParts([video])).toBe(false);
    expect(needsParts([image(1), video])).toBe(true);
    expect(needsParts([video, video])).toBe(true);
  });

  it("keeps order; consecutive images travel together, anything else alone", () => {
    expect(splitMedia([image(1), image(2), video, image(3), file, file])).toEqual([
      { images: [image(1).url, image(2).url] },
      { attachment: video },
      { attachment: image(3) },
      { attachment: file },
      { attachment: file },
    ]);
  });

  it("a part's Meta body is the documented single-media or images body; the parent is never sent as such", () => {
    const [first, second] = splitMedia([image(1), image(2), video]);
    expect(first && messageObject(first)).toEqual({
      attachments: [image(1), image(2)].map((m) => ({ type: "image", payload: { url: m.url } })),
    });
    expect(second && messageObject(second)).toEqual({
      attachment: { type: "video", payload: { url: video.url } },
    });
    expect(() => messageObject(parent.content)).toThrow();
  });

  it("the parent's status follows its parts: sent only when the last part is sent, failed on any failure", () => {
    const second = { parentId: "p", index: 1, count: 3 };
    const last = { parentId: "p", index: 2, count: 3 };
    expect(parentStatusAfter({ ...second, index: 0 }, "queued")).toBe("queued");
    expect(parentStatusAfter(second, "queued")).toBe("sending");
    expect(parentStatusAfter(second, "sending")).toBe("sending");
    expect(parentStatusAfter(second, "sent")).toBe("sending");
    expect(parentStatusAfter(last, "sent")).toBe("sent");
    expect(parentStatusAfter(second, "failed")).toBe("failed");
  });

  it("enqueues one record per part still queued, in order; other messages as themselves", async () => {
    const enqueued: string[] = [];
    const queue = partsQueue({ enqueue: async (m) => void enqueued.push(m.messageId) });
    await queue.enqueue(parent);
    expect(enqueued).toEqual(["p1", "p2", "p3"].map((p) => `${parent.messageId}-${p}`));
    enqueued.length = 0;
    await queue.enqueue({
      ...parent,
      status: "sending",
      parts: [
        { kind: "images", media: 2, status: "sent", mid: "m1" },
        { kind: "attachment", media: 1, status: "queued" },
        { kind: "attachment", media: 1, status: "queued" },
      ],
    });
    expect(enqueued).toEqual([`${parent.messageId}-p2`, `${parent.messageId}-p3`]);
    enqueued.length = 0;
    await queue.enqueue({ ...parent, content: { text: "hi" } });
    expect(enqueued).toEqual([parent.messageId]);
  });
});

describe("events describe the app message once, never a part", () => {
  const record = (old: Record<string, unknown> | undefined, next: Record<string, unknown>, seq: string) =>
    ({
      dynamodb: {
        Keys: marshall({ pk: next.pk, sk: next.sk }),
        SequenceNumber: seq,
        ApproximateCreationDateTime: 1_773_151_543,
        ...(old ? { OldImage: marshall(old, { removeUndefinedValues: true }) } : {}),
        NewImage: marshall(next, { removeUndefinedValues: true }),
      },
    }) as unknown as DynamoDBRecord;
  const view = messageView;

  it("a part item's writes are no event", () => {
    const [part] = partMessages(parent);
    if (part === undefined) throw new Error("no part");
    const queued = partItem(part, 1);
    const sent = { ...queued, status: "sent", mid: "m1" };
    expect(deriveEvents(storedChangeOf(record(undefined, queued, "1")), view)).toEqual([]);
    expect(deriveEvents(storedChangeOf(record(queued, sent, "2")), view)).toEqual([]);
  });

  it("the parent announces each status once, with its per-part detail in the message view", () => {
    const queued = outboundItem(parent, 1);
    const created = deriveEvents(storedChangeOf(record(undefined, queued, "1")), view);
    expect(created.map((e) => [e.type, (e.data as { status?: string }).status])).toEqual([
      ["message.status_changed", "queued"],
    ]);
    const rich = queued.rich as { parts: Record<string, unknown>[] };
    const sending = {
      ...queued,
      status: "sending",
      rich: { ...rich, parts: [{ ...rich.parts[0], status: "sending" }, ...rich.parts.slice(1)] },
    };
    const nextPart = {
      ...sending,
      rich: { ...rich, parts: [{ ...rich.parts[0], status: "sent", mid: "m1" }, ...rich.parts.slice(1)] },
    };
    expect(deriveEvents(storedChangeOf(record(queued, sending, "2")), view)).toHaveLength(1);
    // Part 1 sent, part 2 not yet: the app message is still `sending`, nothing to announce.
    expect(deriveEvents(storedChangeOf(record(sending, nextPart, "3")), view)).toEqual([]);
    const stored = storedChangeOf(record(sending, nextPart, "3")).new;
    if (stored?.kind !== "message") throw new Error("the parent is a message");
    expect(messageView(stored.message).rich).toMatchObject({
      kind: "parts",
      parts: [
        { kind: "images", media: 2, status: "sent", mid: "m1" },
        { status: "queued" },
        { status: "queued" },
      ],
    });
  });
});
