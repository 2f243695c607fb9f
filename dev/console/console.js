// The local dev console: the app team's client (`client/`) against the same HTTP API an app calls, plus plain
// fetches to the local-only /dev routes. Local mode bundles this file with esbuild when it is requested, so
// the browser test proves the client every time it runs. Element ids are stable; the browser test drives them.

import { createInstagramDmClient } from "@instagram-dm/client";

const SESSION_KEY = "igdm.devSession";
const $ = (id) => document.getElementById(id);

const state = {
  session: loadSession(),
  config: undefined,
  integration: undefined,
  conversations: [],
  selected: undefined,
};

function loadSession() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") ?? undefined;
  } catch {
    return undefined;
  }
}

function notice(text, kind = "info") {
  const box = $("notice");
  box.textContent = text;
  box.className = kind === "error" ? "notice error" : "notice";
  box.hidden = text === "";
}

/** The app API, as an app calls it: the typed client with the signed-in dev user's token. */
const dm = createInstagramDmClient({ baseUrl: location.origin, getToken: () => state.session?.token ?? "" });

/** Calls a local-only /dev route (not part of the app API); problem+json errors become thrown Errors. */
async function devApi(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const data = text === "" ? undefined : JSON.parse(text);
  if (!response.ok) {
    const error = new Error(
      data?.detail ?? data?.title ?? data?.error ?? `${method} ${path}: ${response.status}`,
    );
    error.status = response.status;
    error.code = data?.code;
    throw error;
  }
  return data;
}

function show(element, visible) {
  element.hidden = !visible;
}

function duration(ms) {
  if (ms <= 0) return "0s";
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0
    ? `${h}h ${String(m).padStart(2, "0")}m ${String(s).padStart(2, "0")}s`
    : `${m}m ${String(s).padStart(2, "0")}s`;
}

/** The reply window as a live countdown: open (24 h), HUMAN_AGENT only (7 days) or closed. */
function windowText(window) {
  if (!window) return "";
  const now = Date.now();
  if (window.state === "open" && window.closesAt) {
    return `Window open · closes in ${duration(Date.parse(window.closesAt) - now)}`;
  }
  if (window.state === "human_agent_only" && window.humanAgentClosesAt) {
    return `HUMAN_AGENT only · closes in ${duration(Date.parse(window.humanAgentClosesAt) - now)}`;
  }
  return "Window closed";
}

// ---- session ---------------------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const userId = $("user-id").value.trim();
  const imoId = $("imo-id").value.trim();
  try {
    const { token } = await devApi("POST", "/dev/token", { userId, imoId });
    state.session = { token, userId, imoId };
    localStorage.setItem(SESSION_KEY, JSON.stringify(state.session));
    connectEvents();
    notice("");
    await render();
  } catch (error) {
    notice(`Sign-in failed: ${error.message}`, "error");
  }
}

function signOut() {
  localStorage.removeItem(SESSION_KEY);
  state.session = undefined;
  state.integration = undefined;
  state.selected = undefined;
  connectEvents();
  render();
}

// ---- integration -----------------------------------------------------------------------------------------

async function loadIntegration() {
  try {
    state.integration = await dm.getIntegration();
  } catch (error) {
    if (error.status === 401) return signOut();
    state.integration = { status: "unavailable", error: error.message };
  }
  const integration = state.integration;
  const connected = integration.status === "connected";
  $("integration-status").textContent = integration.status;
  $("integration-status").className =
    `status-${connected ? "sent" : integration.status === "none" ? "" : "failed"}`;
  $("integration-username").textContent = integration.username ? `@${integration.username}` : "";
  $("integration-details").textContent = integration.igAccountId
    ? `${integration.name ?? ""} · ${integration.accountType ?? "professional"} · account ${integration.igAccountId}` +
      ` · ${integration.loginFlavour === "facebook" ? `Facebook Login, Page ${integration.page?.name ?? ""}` : "Instagram Login"}` +
      (integration.tokenExpiresAt
        ? ` · token until ${new Date(integration.tokenExpiresAt).toLocaleDateString()}`
        : "")
    : (integration.error ?? "");
  $("connect").textContent = integration.status === "none" ? "Connect Instagram" : "Reconnect Instagram";
  show($("disconnect"), integration.status !== "none" && integration.status !== "unavailable");
  showHistory(integration.history, connected);
  show($("simulator-panel"), connected && Boolean(state.config?.simulatorUrl));
  show($("inbox-panel"), connected);
  show($("ice-breakers-form"), connected);
  show($("menu-form"), connected);
}

/** Ice breakers as `question | payload` lines (default locale only: the API takes any locale, the editor is kept small). */
async function loadIceBreakers() {
  try {
    const { iceBreakers } = await dm.getIceBreakers();
    const held = iceBreakers.find((entry) => entry.locale === "default")?.questions ?? [];
    $("ice-breakers").value = held.map((q) => `${q.question} | ${q.payload}`).join("\n");
  } catch (error) {
    notice(`Ice breakers: ${error.message}`, "error");
  }
}

async function saveIceBreakers(event) {
  event.preventDefault();
  const questions = $("ice-breakers")
    .value.split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [question, payload] = line.split("|").map((part) => part.trim());
      return { question, payload: payload || question };
    });
  try {
    await dm.setIceBreakers({ iceBreakers: [{ locale: "default", questions }] });
    notice("Ice breakers saved at Meta.");
    await loadIceBreakers();
  } catch (error) {
    // A refusal names the field (e.g. body.iceBreakers.0.questions: at most 4).
    const fields = (error.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
    notice(`Ice breakers not saved: ${fields || error.message}`, "error");
  }
}

/** A refusal names the field (e.g. body.menu.0.items: at most 20). */
function refusal(error) {
  return (error.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ") || error.message;
}

async function clearIceBreakers() {
  try {
    await dm.clearIceBreakers();
    notice("Ice breakers removed at Meta.");
    await loadIceBreakers();
  } catch (error) {
    notice(`Ice breakers not removed: ${refusal(error)}`, "error");
  }
}

/** The persistent menu as `title | payload` (postback) or `title | https://…` (web_url) lines, default locale. */
async function loadMenu() {
  try {
    const { menu } = await dm.getMenu();
    const items = menu.find((entry) => entry.locale === "default")?.items ?? [];
    $("menu").value = items
      .map((item) => `${item.title} | ${item.type === "web_url" ? item.url : item.payload}`)
      .join("\n");
  } catch (error) {
    notice(`Menu: ${error.message}`, "error");
  }
}

async function saveMenu(event) {
  event.preventDefault();
  const items = $("menu")
    .value.split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [title, target] = line.split("|").map((part) => part.trim());
      return /^https:\/\//.test(target ?? "")
        ? { type: "web_url", title, url: target }
        : { type: "postback", title, payload: target || title };
    });
  try {
    await dm.setMenu({ menu: [{ locale: "default", items }] });
    notice("Menu saved at Meta.");
    await loadMenu();
  } catch (error) {
    notice(`Menu not saved: ${refusal(error)}`, "error");
  }
}

async function clearMenu() {
  try {
    await dm.clearMenu();
    notice("Menu removed at Meta.");
    await loadMenu();
  } catch (error) {
    notice(`Menu not removed: ${refusal(error)}`, "error");
  }
}

/** The history import's progress (docs/app-api.md "History import") and the button that starts it again. */
function showHistory(history, connected) {
  const line = $("history-status");
  show(line, history !== undefined);
  show($("reimport"), connected && history?.status !== "running");
  if (history === undefined) return;
  const counts = `${history.conversations} conversations, ${history.messages} messages`;
  line.textContent =
    history.status === "running"
      ? `History import running: ${counts} so far…`
      : history.status === "completed"
        ? `History imported: ${counts} (${new Date(history.finishedAt).toLocaleString()})`
        : `History import failed (${history.error ?? "unknown"}) after ${counts}`;
}

async function reimportHistory() {
  try {
    await dm.importHistory();
    notice("History import started.");
    await loadIntegration();
  } catch (error) {
    notice(`Re-import failed: ${error.message}`, "error");
  }
}

/** Starts a connect with Instagram Login (default) or Facebook Login (`loginFlavour: "facebook"`). */
async function connect(loginFlavour = "instagram") {
  try {
    const returnTo = `${location.origin}/`;
    const { authorizationUrl } = await dm.startConnect({ returnTo, loginFlavour });
    location.assign(authorizationUrl);
  } catch (error) {
    notice(`Connect failed: ${error.message}`, "error");
  }
}

async function disconnect() {
  try {
    await dm.disconnect();
    state.selected = undefined;
    notice("Instagram account disconnected.");
    await render();
  } catch (error) {
    notice(`Disconnect failed: ${error.message}`, "error");
  }
}

/**
 * The OAuth callback sends the browser back here with `?connect_ticket=…` or `?instagram=error&reason=…`.
 * The ticket finishes the connect only with the signed-in user's JWT (`POST /instagram/oauth/complete`):
 * it is taken off the address bar first, so a reload or a shared screenshot cannot replay it.
 */
async function readConnectOutcome() {
  const params = new URLSearchParams(location.search);
  const ticket = params.get("connect_ticket");
  const outcome = params.get("instagram");
  if (!ticket && !outcome) return;
  history.replaceState(null, "", location.pathname);
  if (outcome) {
    notice(`Instagram connection failed: ${params.get("reason") ?? outcome}`, "error");
    return;
  }
  await completeWith(ticket);
}

/**
 * Redeems the ticket; a Facebook-flavour ticket with several Pages answers `choosePage`: the console lists them and
 * completes again with the same ticket (kept in memory only) and the chosen `pageId`.
 */
async function completeWith(ticket, pageId) {
  show($("page-choice"), false);
  try {
    const result = await dm.completeConnect(ticket, pageId);
    if (result.choosePage) {
      const list = $("page-list");
      list.replaceChildren(
        ...result.choosePage.map((page) => {
          const item = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "page-choice";
          button.dataset.pageId = page.pageId;
          button.textContent = `${page.pageName} (@${page.username})`;
          button.addEventListener("click", () => void completeWith(ticket, page.pageId).then(render));
          item.append(button);
          return item;
        }),
      );
      show($("page-choice"), true);
      return;
    }
    notice(`Instagram connected (@${result.username}).`);
  } catch (error) {
    notice(`Instagram connection failed: ${error.code ?? error.message}`, "error");
  }
}

// ---- simulator -------------------------------------------------------------------------------------------

async function simulateCustomerMessage(event) {
  event.preventDefault();
  const result = $("simulate-result");
  result.textContent = "Delivering…";
  try {
    const delivered = await devApi("POST", "/dev/simulator/customer-message", {
      igAccountId: state.integration.igAccountId,
      igsid: $("customer-igsid").value.trim(),
      text: $("customer-text").value,
    });
    const status = delivered.delivery?.status;
    result.textContent =
      status === 200 ? "Delivered to the webhook (200)." : `Webhook answered ${status ?? "nothing"}.`;
    await loadConversations();
    const conversation = state.conversations.find((c) => c.participant.igsid === delivered.igsid);
    if (conversation && !state.selected) await openConversation(conversation.conversationId);
  } catch (error) {
    result.textContent = `Failed: ${error.message}`;
  }
}

async function injectFault(event) {
  event.preventDefault();
  const kind = $("fault-kind").value;
  try {
    await devApi("POST", "/dev/simulator/faults", { kind, target: "send", count: 1 });
    $("fault-result").textContent = `Meta will answer the next send with: ${kind}.`;
  } catch (error) {
    $("fault-result").textContent = `Could not inject: ${error.message}`;
  }
}

async function clearFaults() {
  await devApi("DELETE", "/dev/simulator/faults");
  $("fault-result").textContent = "No faults: Meta answers normally.";
}

// ---- conversations ---------------------------------------------------------------------------------------

async function loadConversations() {
  if (state.integration?.status !== "connected") return;
  try {
    const windowFilter = $("filter-window").value;
    const page = await dm.listConversations({
      limit: 50,
      ...(windowFilter ? { window: windowFilter } : {}),
      ...($("filter-unread").checked ? { unread: "true" } : {}),
      ...($("filter-q").value.trim() ? { q: $("filter-q").value.trim() } : {}),
    });
    state.conversations = page.items;
  } catch (error) {
    notice(`Could not list conversations: ${error.message}`, "error");
    return;
  }
  const list = $("conversations");
  list.replaceChildren();
  if (state.conversations.length === 0) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = "No conversations yet.";
    list.append(empty);
  }
  for (const conversation of state.conversations) {
    const item = document.createElement("li");
    item.className = `conversation${conversation.conversationId === state.selected ? " selected" : ""}`;
    item.dataset.conversationId = conversation.conversationId;
    const who = document.createElement("div");
    who.className = "who";
    who.append(customerLabel(conversation.customer, conversation.participant.igsid));
    if (conversation.unreadCount > 0) {
      const unread = document.createElement("span");
      unread.className = "unread";
      unread.textContent = String(conversation.unreadCount);
      who.append(unread);
    }
    const preview = document.createElement("div");
    preview.className = "preview";
    preview.textContent = conversation.lastMessagePreview ?? "";
    const window = document.createElement("div");
    window.className = `window window-countdown window-${conversation.window.state}`;
    window.dataset.window = JSON.stringify(conversation.window);
    window.textContent = windowText(conversation.window);
    item.append(who, preview, window);
    item.addEventListener("click", () => openConversation(conversation.conversationId));
    list.append(item);
  }
  if (state.selected) await loadMessages();
}

/**
 * Who wrote: the avatar (Meta's CDN picture) and name with @username from the customer's profile; the bare IGSID
 * until the profile is fetched, and "profile unavailable" when Meta refused it.
 */
function customerLabel(customer, igsid) {
  const label = document.createElement("span");
  label.className = "customer";
  if (customer?.profilePictureUrl) {
    const avatar = document.createElement("img");
    avatar.className = "avatar";
    avatar.src = customer.profilePictureUrl;
    avatar.alt = "";
    avatar.referrerPolicy = "no-referrer";
    label.append(avatar);
  }
  const name = document.createElement("span");
  name.className = "customer-name";
  name.textContent = customer?.name ?? (customer?.username ? `@${customer.username}` : `Customer ${igsid}`);
  label.append(name);
  if (customer?.username && customer?.name) {
    const username = document.createElement("span");
    username.className = "customer-username";
    username.textContent = `@${customer.username}`;
    label.append(username);
  }
  if (customer?.unavailable) {
    const note = document.createElement("span");
    note.className = "customer-username";
    note.textContent = "profile unavailable";
    label.append(note);
  }
  return label;
}

async function openConversation(conversationId) {
  state.selected = conversationId;
  for (const item of $("conversations").children) {
    item.classList.toggle("selected", item.dataset.conversationId === conversationId);
  }
  show($("reply-form"), true);
  $("typing").checked = false;
  $("reply-status").textContent = "";
  await loadMessages();
}

async function loadMessages() {
  const conversation = state.conversations.find((c) => c.conversationId === state.selected);
  if (!conversation) return;
  $("conversation-title").replaceChildren(
    customerLabel(conversation.customer, conversation.participant.igsid),
  );
  const windowLine = $("conversation-window");
  windowLine.className = `window window-countdown window-${conversation.window.state}`;
  windowLine.dataset.window = JSON.stringify(conversation.window);
  windowLine.textContent = windowText(conversation.window);
  let page;
  try {
    page = await dm.listMessages(conversation.conversationId);
  } catch (error) {
    notice(`Could not load messages: ${error.message}`, "error");
    return;
  }
  // The thread's own copy of the profile may be newer than the list's.
  if (page.customer) {
    $("conversation-title").replaceChildren(customerLabel(page.customer, conversation.participant.igsid));
  }
  const list = $("messages");
  list.replaceChildren();
  for (const message of page.items) {
    const item = document.createElement("li");
    item.className = `message ${message.direction}${message.status === "failed" ? " failed" : ""}`;
    item.dataset.messageId = message.messageId;
    const attachments = (message.attachments ?? []).map((a) => `[${a.type}]`).join(" ");
    item.textContent = message.deleted ? "(unsent)" : (message.text ?? (attachments || `(${message.type})`));
    for (const control of messageControls(message, conversation)) item.append(control);
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [new Date(message.sentAt).toLocaleTimeString(), message.status, message.failureReason]
      .filter(Boolean)
      .join(" · ");
    const reactions = (message.reactions ?? [])
      .map((r) => (r.reaction === "love" ? "♥" : r.reaction))
      .join("");
    if (reactions) meta.textContent += ` · ${reactions}`;
    if (message.rich) meta.textContent += ` · ${message.rich.kind}`;
    // A tap names the message it answers when the API could link it (inReplyTo; docs/app-api.md "Taps").
    if (message.quickReplyPayload) meta.textContent += ` · tapped quick reply ${message.quickReplyPayload}`;
    if (message.postbackPayload) meta.textContent += ` · tapped button ${message.postbackPayload}`;
    item.append(meta);
    if (message.inReplyTo) {
      const answered = page.items.find((m) => m.messageId === message.inReplyTo.messageId);
      const reply = document.createElement("span");
      reply.className = "in-reply-to";
      reply.dataset.messageId = message.inReplyTo.messageId;
      reply.textContent = `↩ reply to “${answered?.text ?? message.inReplyTo.messageId}”`;
      item.append(reply);
    }
    list.append(item);
  }
  await markShownAsRead(conversation, page.items[0]);
}

/**
 * The person now sees the thread: read up to the newest message shown (a customer message that arrived
 * after it stays unread), then clear the badge from what the API answers.
 */
async function markShownAsRead(conversation, newest) {
  if (conversation.unreadCount === 0 || newest === undefined) return;
  let updated;
  try {
    updated = await dm.markRead(conversation.conversationId, { upToMessageId: newest.messageId });
  } catch (error) {
    notice(`Could not mark the conversation read: ${error.message}`, "error");
    return;
  }
  conversation.unreadCount = updated.unreadCount;
  const item = [...$("conversations").children].find(
    (li) => li.dataset.conversationId === conversation.conversationId,
  );
  if (updated.unreadCount === 0) item?.querySelector(".unread")?.remove();
}

/** Shows or hides the typing indicator in the customer's thread (409 outside the window). */
async function toggleTyping() {
  const box = $("typing");
  if (!state.selected) return;
  try {
    await dm.setTyping(state.selected, box.checked);
  } catch (error) {
    box.checked = false;
    notice(`Typing indicator refused: ${error.message}`, "error");
  }
}

/** Buttons on a message: react ♥ to a customer message; tap a quick reply or postback button as the customer. */
function messageControls(message, conversation) {
  const controls = [];
  const button = (label, className, onClick) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `link ${className}`;
    b.textContent = label;
    b.addEventListener("click", onClick);
    controls.push(b);
  };
  if (message.direction === "inbound" && message.source === "customer" && !message.deleted) {
    const reacted = (message.reactions ?? []).some((r) => r.by === conversation.igAccountId);
    button(reacted ? "un♥" : "♥", "react", async () => {
      try {
        await (reacted ? dm.unreact(message.messageId) : dm.react(message.messageId, "love"));
        await loadMessages();
      } catch (error) {
        notice(`Reaction refused: ${error.message}`, "error");
      }
    });
  }
  const tap = (kind, index, title) =>
    button(`tap “${title}”`, `tap tap-${kind}`, async () => {
      try {
        await devApi("POST", "/dev/simulator/customer-tap", {
          kind,
          igAccountId: conversation.igAccountId,
          igsid: conversation.participant.igsid,
          mid: message.mid,
          index,
        });
        await loadMessages();
      } catch (error) {
        notice(`Tap failed: ${error.message}`, "error");
      }
    });
  if (message.direction === "outbound" && message.mid) {
    (message.rich?.quickReplies ?? []).forEach((q, i) => {
      if (q.type === "text") tap("quick_reply", i, q.title);
    });
    const template = message.rich?.template;
    if (template?.type === "button") {
      template.buttons.forEach((b, i) => {
        if (b.type === "postback") tap("button", i, b.title);
      });
    }
  }
  return controls;
}

/** The send body for the composer's kind: `text | option, option` for quick replies and buttons. */
function replyBody(kind, value) {
  const [question, options = ""] = value.split("|").map((part) => part.trim());
  const titles = options
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  switch (kind) {
    case "image":
      return { attachments: [{ type: "image", url: value.trim() }] };
    case "quick":
      return {
        text: question,
        quickReplies: titles.map((title) => ({ title, payload: title.toUpperCase() })),
      };
    case "buttons":
      return {
        template: {
          type: "button",
          text: question,
          buttons: titles.map((title) => ({ type: "postback", title, payload: title.toUpperCase() })),
        },
      };
    default:
      return { text: value };
  }
}

async function sendReply(event) {
  event.preventDefault();
  const input = $("reply-text");
  const status = $("reply-status");
  const body = replyBody($("reply-kind").value, input.value);
  $("reply-send").disabled = true;
  try {
    const accepted = await dm.sendMessage({ conversationId: state.selected, ...body });
    input.value = "";
    await watchStatus(accepted.messageId, accepted.status);
  } catch (error) {
    status.className = "small status-failed";
    status.textContent = `Not sent: ${error.message}`;
  } finally {
    $("reply-send").disabled = false;
  }
}

const STATUS_RANK = { queued: 0, sending: 1, sent: 2, failed: 2 };
const isFinal = (status) => status === "sent" || status === "failed";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Shows the reply's status as it moves queued → sending → sent (or failed): live from the event stream
 * (`message.status_changed`), with one read to catch up and a slow read in case the stream is down.
 */
async function watchStatus(messageId, initial) {
  const status = $("reply-status");
  const seen = [initial];
  let current = initial;
  let reason;
  const paint = () => {
    status.className = `small status-${current}`;
    status.dataset.status = current;
    status.textContent = `Reply ${seen.join(" → ")}${reason ? ` (${reason})` : ""}`;
  };
  let settled;
  const finished = new Promise((resolve) => {
    settled = resolve;
  });
  state.watch = {
    messageId,
    // Only forward moves: a read and an event may report the same step in either order.
    update(next, why) {
      if ((STATUS_RANK[next] ?? 0) > (STATUS_RANK[current] ?? 0)) {
        current = next;
        seen.push(next);
      }
      if (why) reason = why;
      paint();
      if (isFinal(current)) settled();
    },
  };
  paint();
  await loadMessages();
  const deadline = Date.now() + 60_000;
  while (!isFinal(current) && Date.now() < deadline) {
    const message = await dm.getMessage(messageId);
    state.watch.update(message.status, message.failureReason);
    if (isFinal(current)) break;
    await Promise.race([finished, sleep(5000)]);
  }
  state.watch = undefined;
  await loadConversations();
}

// ---- events (GET /dev/events, server-sent) -----------------------------------------------------------------

const EVENT_TYPES = [
  "message.received",
  "message.changed",
  "message.status_changed",
  "conversation.window_closing",
  "integration.status_changed",
  "data_deletion.completed",
];
const EVENTS_SHOWN = 20;
const eventsSeen = new Set();
let eventSource;
let reloadTimer;

/** Reloads the inbox (and the open thread) once for a burst of events. */
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadConversations(), 150);
}

function eventSummary(event) {
  const data = event.data ?? {};
  const where = data.conversationId ?? data.igAccountId ?? data.confirmationCode ?? "";
  const what =
    event.type === "message.received"
      ? data.message?.text
      : event.type === "message.status_changed" || event.type === "integration.status_changed"
        ? `${data.previousStatus ? `${data.previousStatus} → ` : ""}${data.status}${data.failureReason ? ` (${data.failureReason})` : ""}`
        : event.type === "message.changed"
          ? data.changes?.join(", ")
          : event.type === "conversation.window_closing"
            ? `closes ${new Date(data.closesAt).toLocaleTimeString()}`
            : "";
  return [where, what].filter(Boolean).join(" · ");
}

function showEvent(event) {
  const list = $("events");
  list.querySelector(".empty")?.remove();
  const item = document.createElement("li");
  item.className = "event";
  item.dataset.type = event.type;
  item.dataset.eventId = event.id;
  const type = document.createElement("strong");
  type.textContent = event.type;
  const when = document.createElement("span");
  when.className = "meta";
  when.textContent = new Date(event.occurredAt).toLocaleTimeString();
  const summary = document.createElement("div");
  summary.className = "small";
  summary.textContent = eventSummary(event);
  item.append(type, " ", when, summary);
  list.prepend(item);
  while (list.children.length > EVENTS_SHOWN) list.lastElementChild?.remove();
}

function onEvent(event) {
  // The stream starts with recent events and repeats after a reconnect: each id is shown and acted on once.
  if (eventsSeen.has(event.id)) return;
  eventsSeen.add(event.id);
  showEvent(event);
  if (event.type === "message.status_changed" && state.watch?.messageId === event.data.messageId) {
    state.watch.update(event.data.status, event.data.failureReason);
  }
  if (event.type === "integration.status_changed") {
    loadIntegration().then(reloadSoon);
    return;
  }
  if (event.type !== "data_deletion.completed") reloadSoon();
}

/** Subscribes to the signed-in organisation's events; EventSource reconnects by itself. */
function connectEvents() {
  eventSource?.close();
  eventSource = undefined;
  const live = $("events-status");
  if (!state.session) {
    live.textContent = "";
    return;
  }
  const source = new EventSource(`/dev/events?token=${encodeURIComponent(state.session.token)}`);
  eventSource = source;
  source.addEventListener("open", () => {
    live.textContent = "live";
    live.dataset.live = "true";
    // Whatever happened while the stream was down.
    reloadSoon();
  });
  source.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.dataset.live = "false";
  });
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => onEvent(JSON.parse(message.data)));
  }
}

// ---- page --------------------------------------------------------------------------------------------------

async function render() {
  const signedIn = Boolean(state.session);
  show($("sign-in-form"), !signedIn);
  show($("session"), signedIn);
  show($("integration-panel"), signedIn);
  show($("events-panel"), signedIn);
  if (!signedIn) {
    show($("simulator-panel"), false);
    show($("inbox-panel"), false);
    return;
  }
  $("signed-in-as").textContent = `${state.session.userId} @ ${state.session.imoId}`;
  if (eventSource === undefined) connectEvents();
  await loadIntegration();
  await loadConversations();
}

async function runTokenRefresh() {
  const result = $("token-refresh-result");
  result.textContent = "running…";
  try {
    const { durationMs } = await devApi("POST", "/dev/token-refresh");
    result.textContent = `done in ${durationMs} ms`;
    await render();
  } catch (error) {
    result.textContent = `failed: ${error.message}`;
  }
}

function tickCountdowns() {
  for (const element of document.querySelectorAll(".window-countdown")) {
    if (element.dataset.window) element.textContent = windowText(JSON.parse(element.dataset.window));
  }
}

async function start() {
  state.config = await devApi("GET", "/dev/config");
  const hosts = state.config.metaHosts;
  $("meta-mode").textContent =
    state.config.metaMode === "simulator"
      ? "Meta: simulator"
      : `Meta: ${state.config.metaMode === "custom" ? "custom" : "real"} hosts`;
  if (hosts) $("meta-mode").title = `OAuth ${hosts.oauth} · API ${hosts.api} · Graph ${hosts.graph}`;
  await readConnectOutcome();
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("connect").addEventListener("click", () => connect("instagram"));
  $("connect-facebook").addEventListener("click", () => connect("facebook"));
  $("disconnect").addEventListener("click", disconnect);
  $("reimport").addEventListener("click", reimportHistory);
  $("simulate-form").addEventListener("submit", simulateCustomerMessage);
  $("reply-form").addEventListener("submit", sendReply);
  $("typing").addEventListener("change", toggleTyping);
  $("fault-form").addEventListener("submit", injectFault);
  $("clear-faults").addEventListener("click", clearFaults);
  $("refresh").addEventListener("click", () => loadConversations());
  $("filter-window").addEventListener("change", () => loadConversations());
  $("filter-unread").addEventListener("change", () => loadConversations());
  $("filter-q").addEventListener("input", () => loadConversations());
  $("token-refresh").addEventListener("click", runTokenRefresh);
  $("ice-breakers-form").addEventListener("submit", saveIceBreakers);
  $("ice-breakers-load").addEventListener("click", loadIceBreakers);
  $("ice-breakers-clear").addEventListener("click", clearIceBreakers);
  $("menu-form").addEventListener("submit", saveMenu);
  $("menu-load").addEventListener("click", loadMenu);
  $("menu-clear").addEventListener("click", clearMenu);
  setInterval(tickCountdowns, 1000);
  // No polling: the inbox, the open thread and reply statuses follow the event stream (connectEvents).
  // Imported history raises no events: while an import runs, its progress and the inbox it fills are polled.
  setInterval(() => {
    if (state.integration?.history?.status === "running" && document.visibilityState === "visible") {
      loadIntegration();
      loadConversations();
    }
  }, 5000);
  await render();
  document.body.dataset.ready = "true";
}

start().catch((error) => notice(`The console could not start: ${error.message}`, "error"));
