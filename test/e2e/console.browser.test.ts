import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalModeProcess, startLocalModeProcess } from "../support/e2e/local-mode-process";

/** Debian's chromium package; the suite downloads no browser. */
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  console.warn(
    `[e2e] SKIPPING the dev console browser test: ${CHROMIUM} is absent (install it: apt-get install -y chromium).`,
  );
}

/**
 * The dev console in headless Chromium against `npm run dev`: sign in, Connect Instagram through the
 * simulator's consent page and back, a simulated customer DM appears with its window countdown, a reply
 * goes queued → sent; a DM from outside the page appears live (events stream). Leaves screenshots in
 * test-artifacts/.
 */
describe.skipIf(!hasChromium)("dev console in a real browser", () => {
  let local: LocalModeProcess;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;

  beforeAll(async () => {
    local = await startLocalModeProcess();
    userDataDir = mkdtempSync(join(tmpdir(), "ig-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 150_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await local?.interrupt();
  }, 60_000);

  it("connects, receives a customer DM, sends a reply that reaches 'sent' and shows a Meta refusal", async () => {
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    // The console calls the app API through the client (client/), bundled in when local mode serves it: its
    // sends carry the client's automatic Idempotency-Key, which the console's own code never sets.
    const sendKeys: (string | undefined)[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname === "/instagram/messages") {
        sendKeys.push(request.headers()["idempotency-key"]);
      }
    });

    await page.goto(`${local.url}/`);
    await page.waitForSelector("body[data-ready=true]");
    await expect(page.locator("#meta-mode").textContent()).resolves.toBe("Meta: simulator");

    await page.fill("#user-id", "browser-user");
    await page.fill("#imo-id", "imo-browser");
    await page.click("#sign-in");
    await page.locator("#signed-in-as").getByText("browser-user @ imo-browser").waitFor();
    await page.locator("#integration-status").getByText("none").waitFor();

    // Connect: off to the simulator's consent page, Allow, and back to the console.
    await page.click("#connect");
    await page.waitForURL((url) => url.pathname === "/oauth/authorize");
    await expect(page.locator("#title").textContent()).resolves.toContain("Meta simulator");
    await page.click("#allow");
    await page.waitForURL((url) => url.origin === local.url && url.pathname === "/");
    // Back with a ticket only; the console completes the connect with the signed-in user's JWT.
    await page.locator("#notice").getByText("Instagram connected (@riviera.linen.studio).").waitFor();
    expect(new URL(page.url()).search).toBe("");
    await page.locator("#integration-status").getByText("connected").waitFor();
    await expect(page.locator("#integration-username").textContent()).resolves.toBe("@riviera.linen.studio");

    // Ice breakers and the persistent menu: saved at Meta (the simulator) and read back from it.
    await page.fill("#ice-breakers", "Do you ship abroad? | SHIPPING\nOpening hours? | HOURS");
    await page.click("#ice-breakers-save");
    await page.locator("#notice").getByText("Ice breakers saved at Meta.").waitFor();
    await page.fill("#ice-breakers", "");
    await page.click("#ice-breakers-load");
    await expect
      .poll(() => page.inputValue("#ice-breakers"))
      .toBe("Do you ship abroad? | SHIPPING\nOpening hours? | HOURS");
    await page.fill("#menu", "Track my order | TRACK_ORDER\nOur shop | https://riviera.example/shop");
    await page.click("#menu-save");
    await page.locator("#notice").getByText("Menu saved at Meta.").waitFor();
    await page.fill("#menu", "");
    await page.click("#menu-load");
    await expect
      .poll(() => page.inputValue("#menu"))
      .toBe("Track my order | TRACK_ORDER\nOur shop | https://riviera.example/shop");
    await page.click("#menu-clear");
    await page.locator("#notice").getByText("Menu removed at Meta.").waitFor();
    await expect.poll(() => page.inputValue("#menu")).toBe("");

    // A customer writes; the conversation appears with its 24-hour window counting down.
    await page.fill("#customer-text", "Hi! Is the linen shirt still available in M?");
    await page.click("#simulate-dm");
    await page.locator("#simulate-result").getByText("Delivered to the webhook (200).").waitFor();
    const conversation = page.locator("#conversations li.conversation").first();
    await conversation.waitFor();
    await expect(conversation.textContent()).resolves.toContain("linen shirt");
    await expect(conversation.locator(".window-countdown").textContent()).resolves.toMatch(
      /^Window open · closes in 2[34]h \d\dm \d\ds$/,
    );
    // Unread until opened; opening it marks it read (POST .../read) and the badge goes.
    await expect(conversation.locator(".unread").textContent()).resolves.toBe("1");
    const readAnswer = page.waitForResponse(
      (response) =>
        response.request().method() === "POST" &&
        /\/instagram\/conversations\/[^/]+\/read$/.test(response.url()),
    );
    await conversation.click();
    await page.locator("#messages li.message.inbound").getByText("linen shirt", { exact: false }).waitFor();
    const read = await readAnswer;
    expect(read.status()).toBe(200);
    await expect(read.json()).resolves.toMatchObject({ unreadCount: 0 });
    await conversation.locator(".unread").waitFor({ state: "detached" });

    // Who wrote: the profile the worker fetched after the DM (the simulator's User Profile API) shows the
    // customer's name, @username and avatar in the list and in the thread header (the list refreshes every 5 s).
    // A profile write is no event, so the console shows it on its next load: refresh until the worker has run.
    for (let tries = 0; tries < 40; tries += 1) {
      if ((await conversation.locator(".customer-name").textContent()) === "Customer 8842") break;
      await page.click("#refresh");
      await page.waitForTimeout(500);
    }
    await conversation.locator(".customer-name").getByText("Customer 8842").waitFor();
    await expect(conversation.locator(".customer-username").textContent()).resolves.toBe(
      "@customer_3416870925138842",
    );
    await expect(conversation.locator("img.avatar").getAttribute("src")).resolves.toMatch(
      /^https:\/\/scontent[^/]*\.cdninstagram\.com\/.*oe=[0-9A-F]+/,
    );
    await conversation.click();
    await page.locator("#conversation-title .customer-name").getByText("Customer 8842").waitFor();
    await page.locator("#conversation-title img.avatar").waitFor({ state: "attached" });

    // The typing indicator reaches Meta (the simulator) inside the window: 204, and the box stays checked.
    const typingAnswer = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith("/typing"),
    );
    await page.check("#typing");
    expect((await typingAnswer).status()).toBe(204);
    await expect(page.locator("#typing").isChecked()).resolves.toBe(true);

    // Reply and watch the status go queued → sent.
    await page.fill("#reply-text", "Yes, M is in stock. Shall I reserve one?");
    await page.click("#reply-send");
    await page.waitForSelector("#reply-status[data-status=sent]", { timeout: 45_000 });
    await expect(page.locator("#reply-status").textContent()).resolves.toMatch(
      /^Reply queued → (sending → )?sent$/,
    );
    await page
      .locator("#messages li.message.outbound")
      .getByText("Shall I reserve one?", { exact: false })
      .waitFor();

    // A fault switched on in the simulator panel: the next reply fails with Meta's reason.
    await page.selectOption("#fault-kind", "window_closed");
    await page.click("#inject-fault");
    await page.locator("#fault-result").getByText("window_closed", { exact: false }).waitFor();
    await page.fill("#reply-text", "This one Meta refuses.");
    await page.click("#reply-send");
    await page.waitForSelector("#reply-status[data-status=failed]", { timeout: 45_000 });
    await expect(page.locator("#reply-status").textContent()).resolves.toContain("(window_closed)");
    await page.click("#clear-faults");
    await page.locator("#fault-result").getByText("No faults").waitFor();

    // (After the fault: the tap is a new unread customer message, and reading it sends Meta a mark_seen that
    // would take a one-shot fault meant for a reply.)
    // Quick replies from the composer; the customer taps one in the simulator; the tap arrives in the thread with
    // its payload; a heart on the customer's message (issue 16).
    await page.selectOption("#reply-kind", "quick");
    await page.fill("#reply-text", "Which size? | Small, Large");
    await page.click("#reply-send");
    await page.waitForSelector("#reply-status[data-status=sent]", { timeout: 45_000 });
    const offer = page.locator("#messages li.message.outbound").filter({ hasText: "Which size?" });
    await offer.locator("button.tap-quick_reply", { hasText: "Large" }).click();
    const tapped = page
      .locator("#messages li.message.inbound")
      .filter({ hasText: "tapped quick reply LARGE" });
    await tapped.getByText("Large", { exact: false }).waitFor();
    // Shown as a reply to the offer: the API linked the tap to the message that offered its payload.
    const offerId = await offer.getAttribute("data-message-id");
    expect(offerId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(tapped.locator(".in-reply-to").getAttribute("data-message-id")).resolves.toBe(offerId);
    await expect(tapped.locator(".in-reply-to").textContent()).resolves.toContain("Which size?");
    await page
      .locator("#messages li.message.inbound")
      .filter({ hasText: "linen shirt" })
      .locator("button.react")
      .click();
    // Reacted: the API now lists the account's `love`, so the button offers to take it back.
    await page
      .locator("#messages li.message.inbound")
      .filter({ hasText: "linen shirt" })
      .locator("button.react", { hasText: "un♥" })
      .waitFor();
    await page.selectOption("#reply-kind", "text");

    expect(sendKeys).toHaveLength(3);
    for (const key of sendKeys) expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(sendKeys).size).toBe(3);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "console.png"), fullPage: true });
    expect(failures).toEqual([]);
  });

  it("a customer DM appears in the console without a reload, and the events panel lists it", async () => {
    const navigations: string[] = [];
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
    await page.locator("#events-status").getByText("live").waitFor();
    // The DM comes from outside the page (the simulator's admin API), so only the event stream can tell it.
    const issued = await fetch(`${local.url}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "browser-user", imoId: "imo-browser" }),
    });
    const { token } = (await issued.json()) as { token: string };
    const integration = await fetch(`${local.url}/instagram/integration`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { igAccountId } = (await integration.json()) as { igAccountId: string };
    const text = `Live, no refresh: are you open on Sunday? (${Date.now()})`;
    const delivered = await fetch(`${local.url}/dev/simulator/customer-message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ igAccountId, igsid: "3416870925130077", text }),
    });
    expect(delivered.status).toBe(200);

    await page
      .locator("#conversations li.conversation")
      .filter({ hasText: "open on Sunday" })
      .waitFor({ timeout: 15_000 });
    await page
      .locator("#events li.event[data-type='message.received']")
      .filter({ hasText: "open on Sunday" })
      .waitFor();
    expect(navigations).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "console-live.png"), fullPage: true });
  });

  // After the live-events case: it relies on the first user's session, this one signs in as another user.
  it("connects with Facebook Login (a Page) and exchanges a DM both ways", async () => {
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    await page.goto(`${local.url}/`);
    await page.waitForSelector("body[data-ready=true]");
    if (await page.locator("#sign-out").isVisible()) await page.click("#sign-out");
    await page.fill("#user-id", "browser-fb-user");
    await page.fill("#imo-id", "imo-browser-fb");
    await page.click("#sign-in");
    await page.locator("#signed-in-as").getByText("browser-fb-user @ imo-browser-fb").waitFor();
    await page.locator("#integration-status").getByText("none").waitFor();

    // Off to the simulator's Facebook Login dialog (one person, one Page linked to the account), Continue, back.
    await page.click("#connect-facebook");
    await page.waitForURL((url) => url.pathname === "/v25.0/dialog/oauth");
    await page.click("#allow");
    await page.waitForURL((url) => url.origin === local.url && url.pathname === "/");
    await page.locator("#notice").getByText("Instagram connected (@riviera.linen.studio).").waitFor();
    await page.locator("#integration-status").getByText("connected").waitFor();
    await expect(page.locator("#integration-details").textContent()).resolves.toContain(
      "Facebook Login, Page Riviera Linen Studio",
    );

    // A customer writes (delivered signed with the Facebook app's secret); the reply goes out through the Page.
    await page.fill("#customer-igsid", "3416870925138877");
    await page.fill("#customer-text", "Do you ship to Lyon?");
    await page.click("#simulate-dm");
    await page.locator("#simulate-result").getByText("Delivered to the webhook (200).").waitFor();
    const conversation = page.locator("#conversations li.conversation").filter({ hasText: "Lyon" }).first();
    await conversation.waitFor();
    await conversation.click();
    await page.fill("#reply-text", "Yes, in two days.");
    await page.click("#reply-send");
    await page.waitForSelector("#reply-status[data-status=sent]", { timeout: 45_000 });
    await page.locator("#messages li.message.outbound").getByText("in two days", { exact: false }).waitFor();
    expect(failures).toEqual([]);
  });
});
