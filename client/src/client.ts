import createClient, { type Client } from "openapi-fetch";
import { InstagramDmError } from "./errors";
import type { paths } from "./generated/openapi";
import { DEFAULT_RETRY, type RetryPolicy, retryingFetch } from "./retry";
import type {
  ConversationReadRequest,
  ConversationSummary,
  ConversationsPage,
  HistoryImport,
  IceBreakers,
  Integration,
  Message,
  MessageAccepted,
  MessageSendRequest,
  MessageStatus,
  MessagesPage,
  OAuthCompleteResult,
  OAuthInitRequest,
  OAuthInitResponse,
  PersistentMenu,
} from "./types";

export interface InstagramDmClientOptions {
  /** Where the API is, e.g. `https://api.example.com` or local mode's `http://localhost:3000`. */
  readonly baseUrl: string;
  /** The signed-in user's bearer JWT, asked for on every call (so a refreshed token is picked up). */
  readonly getToken: () => string | Promise<string>;
  /** Retries of safe calls (GET, sends with their idempotency key); `{ attempts: 1 }` turns them off. */
  readonly retry?: Partial<RetryPolicy>;
  /** A fetch to send through (tests, instrumentation); defaults to the global one. */
  readonly fetch?: (request: Request) => Promise<Response>;
}

/** Paging options of the list routes; `cursor` is the previous page's opaque `nextCursor`. */
export interface PageQuery {
  readonly limit?: number;
  readonly cursor?: string;
}

/** Filters of the conversation list (docs/app-api.md); a cursor continues the list with the same filters. */
export interface ConversationsQuery extends PageQuery {
  /** open; closing (open, at most 2 hours left); closed (including human_agent_only, or never wrote). */
  readonly window?: "open" | "closing" | "closed";
  /** "true": only conversations with unread customer messages. */
  readonly unread?: "true" | "false";
  /** Case-insensitive prefix of the customer's username or name (or a word of it). */
  readonly q?: string;
}

/** The app API, one method per route; every refused call throws {@link InstagramDmError}. */
export interface InstagramDmClient {
  /** `POST /instagram/oauth/init`: where to send the user to connect their Instagram account. */
  startConnect(body: OAuthInitRequest): Promise<OAuthInitResponse>;
  /**
   * `POST /instagram/oauth/complete`: finishes the connect on the returnTo page, with the `connect_ticket`
   * the callback put on its URL. Only the user who called `startConnect` can complete it. A Facebook-flavour
   * ticket with several Pages answers `{ choosePage }`: call again with the same ticket and the chosen `pageId`.
   */
  completeConnect(ticket: string, pageId?: string): Promise<OAuthCompleteResult>;
  /** `GET /instagram/integration`: the caller's connection (`status: "none"` when there is none). */
  getIntegration(): Promise<Integration>;
  /** `DELETE /instagram/integration`: disconnects the caller's account. */
  disconnect(): Promise<void>;
  /**
   * `POST /instagram/integration/history`: imports the account's recent conversations again (progress then shows on
   * `getIntegration().history`; 409 `history.already_running` while one runs).
   */
  importHistory(): Promise<HistoryImport>;
  /** `GET /instagram/conversations`: one page of the inbox, most recent activity first. */
  listConversations(query?: ConversationsQuery): Promise<ConversationsPage>;
  /** Every conversation, fetching pages as the loop goes on. */
  conversations(query?: Omit<ConversationsQuery, "cursor">): AsyncIterable<ConversationSummary>;
  /** `GET /instagram/conversations/{id}/messages`: one page of a conversation, newest first. */
  listMessages(conversationId: string, query?: PageQuery): Promise<MessagesPage>;
  /** Every message of a conversation, fetching pages as the loop goes on. */
  messages(conversationId: string, query?: Omit<PageQuery, "cursor">): AsyncIterable<Message>;
  /**
   * `POST /instagram/conversations/{id}/read`: unread count to 0 up to the latest customer message (or up to
   * `upToMessageId`; a stale one changes nothing). Returns the conversation.
   */
  markRead(conversationId: string, body?: ConversationReadRequest): Promise<ConversationSummary>;
  /** `POST /instagram/conversations/{id}/typing`: the typing indicator on or off (409 outside the window). */
  setTyping(conversationId: string, on: boolean): Promise<void>;
  /**
   * `POST /instagram/messages`: queues a DM. An `Idempotency-Key` is generated unless given, so a retried send
   * (here or by the caller with the same key) never sends twice.
   */
  sendMessage(body: MessageSendRequest, options?: { idempotencyKey?: string }): Promise<MessageAccepted>;
  /** `GET /instagram/messages/{id}`: where a sent message is (queued, sending, sent, failed and why). */
  getMessage(messageId: string): Promise<MessageStatus>;
  /** `POST /instagram/messages/{id}/reaction`: `love` on a customer message (409 outside the window). */
  react(messageId: string, reaction?: "love"): Promise<Message>;
  /** `DELETE /instagram/messages/{id}/reaction`: takes the account's reaction back. */
  unreact(messageId: string): Promise<Message>;
  /** `GET /instagram/integration/ice-breakers`: the account's ice breakers, read from Meta. */
  getIceBreakers(): Promise<IceBreakers>;
  /** `PUT /instagram/integration/ice-breakers`: replaces them at Meta (400 over Meta's limits, nothing sent). */
  setIceBreakers(body: IceBreakers): Promise<IceBreakers>;
  /** `GET /instagram/integration/menu`: the account's persistent menu, read from Meta. */
  getMenu(): Promise<PersistentMenu>;
  /** `PUT /instagram/integration/menu`: replaces the persistent menu at Meta. */
  setMenu(body: PersistentMenu): Promise<PersistentMenu>;
  /** `DELETE /instagram/integration/ice-breakers` / `.../menu`: removes the property at Meta (the other is kept). */
  clearIceBreakers(): Promise<void>;
  clearMenu(): Promise<void>;
  /** The typed openapi-fetch client underneath, for routes not wrapped above. */
  readonly api: Client<paths>;
}

type Answer<T> = Promise<{ data?: T; error?: unknown; response: Response }>;

/** The body of a successful answer, or the API's problem as an {@link InstagramDmError}. */
async function bodyOf<T>(answer: Answer<T>): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok) throw new InstagramDmError(response.status, error);
  return data as T;
}

async function* everyItem<T>(page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>) {
  let cursor: string | undefined;
  do {
    const current = await page(cursor);
    yield* current.items;
    cursor = current.nextCursor;
  } while (cursor !== undefined);
}

/** A client for the app API; requests are built and typed by openapi-fetch from docs/openapi.json. */
export function createInstagramDmClient(options: InstagramDmClientOptions): InstagramDmClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    fetch: retryingFetch(send, { ...DEFAULT_RETRY, ...options.retry }),
  });
  api.use({
    async onRequest({ request }) {
      request.headers.set("authorization", `Bearer ${await options.getToken()}`);
      return request;
    },
  });

  const listConversations = (query: ConversationsQuery = {}) =>
    bodyOf(api.GET("/instagram/conversations", { params: { query } }));
  const listMessages = (conversationId: string, query: PageQuery = {}) =>
    bodyOf(
      api.GET("/instagram/conversations/{conversationId}/messages", {
        params: { path: { conversationId }, query },
      }),
    );

  return {
    api,
    startConnect: (body) => bodyOf(api.POST("/instagram/oauth/init", { body })),
    completeConnect: (ticket, pageId) =>
      bodyOf(
        api.POST("/instagram/oauth/complete", {
          body: { ticket, ...(pageId === undefined ? {} : { pageId }) },
        }),
      ),
    getIntegration: () => bodyOf(api.GET("/instagram/integration")),
    disconnect: async () => {
      await bodyOf(api.DELETE("/instagram/integration"));
    },
    importHistory: () => bodyOf(api.POST("/instagram/integration/history")),
    listConversations,
    conversations: (query = {}) => everyItem((cursor) => listConversations({ ...query, cursor })),
    listMessages,
    messages: (conversationId, query = {}) =>
      everyItem((cursor) => listMessages(conversationId, { ...query, cursor })),
    markRead: (conversationId, body = {}) =>
      bodyOf(
        api.POST("/instagram/conversations/{conversationId}/read", {
          body,
          params: { path: { conversationId } },
        }),
      ),
    setTyping: async (conversationId, on) => {
      await bodyOf(
        api.POST("/instagram/conversations/{conversationId}/typing", {
          body: { on },
          params: { path: { conversationId } },
        }),
      );
    },
    sendMessage: (body, { idempotencyKey = crypto.randomUUID() } = {}) =>
      bodyOf(
        api.POST("/instagram/messages", { body, params: { header: { "idempotency-key": idempotencyKey } } }),
      ),
    getMessage: (messageId) =>
      bodyOf(api.GET("/instagram/messages/{messageId}", { params: { path: { messageId } } })),
    react: (messageId, reaction = "love") =>
      bodyOf(
        api.POST("/instagram/messages/{messageId}/reaction", {
          body: { reaction },
          params: { path: { messageId } },
        }),
      ),
    unreact: (messageId) =>
      bodyOf(api.DELETE("/instagram/messages/{messageId}/reaction", { params: { path: { messageId } } })),
    getIceBreakers: () => bodyOf(api.GET("/instagram/integration/ice-breakers")),
    setIceBreakers: (body) => bodyOf(api.PUT("/instagram/integration/ice-breakers", { body })),
    getMenu: () => bodyOf(api.GET("/instagram/integration/menu")),
    setMenu: (body) => bodyOf(api.PUT("/instagram/integration/menu", { body })),
    clearIceBreakers: async () => {
      await bodyOf(api.DELETE("/instagram/integration/ice-breakers"));
    },
    clearMenu: async () => {
      await bodyOf(api.DELETE("/instagram/integration/menu"));
    },
  };
}
