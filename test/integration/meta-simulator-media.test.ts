import { afterEach, describe, expect, it } from "vitest";
import { call, type Harness, sendText, startHarness } from "./meta-simulator-harness";

/* Attachment fetch rules and the per-thread throttle (docs/meta-simulator.md). */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CUSTOMER = "3416870925138842";
const attachment = (type: string, url: string) => ({
  json: { recipient: { id: CUSTOMER }, message: { attachment: { type, payload: { url } } } },
});

describe("attachments (send-message and attachment-upload pages)", () => {
  it("refuses unreachable URLs, unsupported formats and files over the size maximum; sends the rest", async () => {
    h = await startHarness({
      media: {
        "https://cdn.example/ok.jpg": { contentType: "image/jpeg", bytes: 8_000_000 },
        "https://cdn.example/big.png": { contentType: "image/png", bytes: 8_000_001 },
        "https://cdn.example/anim.webp": { contentType: "image/webp", bytes: 10_000 },
        "https://cdn.example/clip.mp4": { contentType: "video/mp4", bytes: 25_000_000 },
        "https://cdn.example/long.mp4": { contentType: "video/mp4", bytes: 25_000_001 },
        "https://cdn.example/terms.pdf": { contentType: "application/pdf", bytes: 1_000 },
      },
    });
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const send = (type: string, url: string) =>
      call(h?.sim as Harness["sim"], token, "/v25.0/me/messages", attachment(type, url));
    expect((await send("image", "https://cdn.example/ok.jpg")).status).toBe(200);
    expect((await send("video", "https://cdn.example/clip.mp4")).status).toBe(200);
    expect((await send("file", "https://cdn.example/terms.pdf")).status).toBe(200);
    const missing = await send("image", "https://cdn.example/gone.jpg");
    expect(missing.error?.code).toBe(100);
    expect(missing.error?.message).toContain("Failed to fetch");
    expect((await send("image", "https://cdn.example/big.png")).error?.message).toContain("size exceeds");
    expect((await send("video", "https://cdn.example/long.mp4")).error?.message).toContain("size exceeds");
    expect((await send("image", "https://cdn.example/anim.webp")).error?.message).toContain("not supported");
    expect((await send("image", "https://cdn.example/terms.pdf")).error?.message).toContain("not supported");
    expect(h.sim.sentMessages()).toHaveLength(3);
  });

  it("without a media registry every https URL is fetched (the default, for tests that do not care)", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const res = await call(
      h.sim,
      token,
      "/v25.0/me/messages",
      attachment("image", "https://cdn.example/any.gif"),
    );
    expect(res.status).toBe(200);
  });
});

describe("per-thread throttle (Messenger Platform rate limiting: too many messages to one thread)", () => {
  it("answers 613 past the set number of sends to one thread in a minute, other threads unaffected", async () => {
    h = await startHarness({ threadSendsPerMinute: 2 });
    const token = h.sim.issueToken();
    const other = "3416870925138001";
    h.sim.openWindow({ igsid: CUSTOMER });
    h.sim.openWindow({ igsid: other });
    expect((await sendText(h.sim, token, CUSTOMER)).status).toBe(200);
    expect((await sendText(h.sim, token, CUSTOMER)).status).toBe(200);
    expect((await sendText(h.sim, token, CUSTOMER)).error?.code).toBe(613);
    expect((await sendText(h.sim, token, other)).status).toBe(200);
    h.clock += 60_001;
    expect((await sendText(h.sim, token, CUSTOMER)).status).toBe(200);
  });
});
