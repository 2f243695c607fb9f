import * as z from "zod";
import type { Attachment } from "./webhook-payloads";

/* Public types, defaults and limits of the simulator, and the records it keeps. */

/** An Instagram account the simulator knows (a person who can log in on the consent page). */
export interface SimAccount {
  /** IG professional account id: `/me.user_id`, webhook `entry.id`, the `<IG_ID>` in `/<IG_ID>/messages`. */
  readonly igId: string;
  /** App-scoped id: `/me.id` and the token exchange's `user_id`. */
  readonly appScopedId: string;
  readonly username: string;
  readonly name: string;
  /** `BUSINESS` or `MEDIA_CREATOR` for professional accounts; anything else (e.g. `PERSONAL`) is not one. */
  readonly accountType: string;
  readonly profilePictureUrl?: string;
  readonly followersCount?: number;
  readonly followsCount?: number;
  readonly mediaCount?: number;
}

/** The default test account (graph-responses.md fixtures). */
export const DEFAULT_ACCOUNT: SimAccount = {
  igId: "17841462871093525",
  appScopedId: "26913384755103422",
  username: "riviera.linen.studio",
  name: "Riviera Linen Studio",
  accountType: "BUSINESS",
  profilePictureUrl:
    "https://scontent-mad1-1.cdninstagram.com/v/t51.2885-19/487211394_1063_n.jpg?stp=dst-jpg_s206x206&_nc_cat=101&ccb=1-7&oh=00_AfB1x&oe=67D9A1B2",
  followersCount: 1284,
  followsCount: 211,
  mediaCount: 96,
};

/** A non-professional account, for "not a professional account" rejection tests (add it via `accounts`). */
export const EXAMPLE_PERSONAL_ACCOUNT: SimAccount = {
  igId: "17841400000000001",
  appScopedId: "26900000000000001",
  username: "someone.personal",
  name: "Someone Personal",
  accountType: "PERSONAL",
};

/** The default customer (IGSID) of the fixtures. */
export const DEFAULT_CUSTOMER_IGSID = "3416870925138842";

export const FaultKinds = [
  "rate_limit",
  "window_closed",
  "token_expired",
  "transient",
  "server_error",
  "timeout",
  "slow",
  "recipient_unavailable",
  "permission_missing",
  "sent_but_invalid_reply",
] as const;
export type FaultKind = (typeof FaultKinds)[number];

/** Which endpoint a fault applies to. */
export const FaultTargets = [
  "send",
  "code_exchange",
  "long_lived_exchange",
  "refresh",
  "profile",
  "subscribe",
  "any",
] as const;
export type FaultTarget = (typeof FaultTargets)[number];

/** A fault as injected (programmatically or over HTTP); validated on injection. */
export const faultSchema = z.object({
  kind: z.enum(FaultKinds),
  /** How many matching requests it applies to (default 1), or "always" until cleared. */
  count: z.union([z.number().int().positive(), z.literal("always")]).optional(),
  /** `slow`: delay before answering normally (default 1500 ms). `timeout`: delay before dropping the connection (default 30 s). */
  delayMs: z.number().int().nonnegative().optional(),
  /** Default `send`. */
  target: z.enum(FaultTargets).optional(),
  /** Only requests for this IG account (Send API, subscribe). */
  igAccountId: z.string().optional(),
  /** `rate_limit` only: which code (613 with subcode 2534040 by default; 4, 17, 32, 80001, 80002, 80006). */
  code: z.number().int().optional(),
  /** `rate_limit` only: `estimated_time_to_regain_access` (minutes) in the usage header (default 1). */
  regainAccessMinutes: z.number().int().nonnegative().optional(),
});
export type Fault = z.input<typeof faultSchema>;

export interface SentMessage {
  readonly igAccountId: string;
  readonly recipientId: string;
  readonly messageId: string;
  readonly text?: string;
  readonly attachment?: { readonly type: string; readonly url: string };
  readonly messagingType?: string;
  readonly tag?: string;
  /** Simulator clock, Unix ms. */
  readonly at: number;
  /** `invalid_reply`: recorded as sent but answered with 1/1357046. */
  readonly answer: "ok" | "invalid_reply";
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Query parameters; `access_token`, `client_secret` and `code` values are masked. */
  readonly query: Record<string, string>;
  /** Form fields of url-encoded/multipart bodies, masked like the query. */
  readonly form?: Record<string, string>;
  /** Parsed JSON body (Send API). */
  readonly json?: unknown;
  readonly hasBearer: boolean;
  /** The answer's HTTP status; 0 when the connection was dropped (`timeout` fault). */
  readonly status: number;
  readonly at: number;
}

export interface Delivery {
  readonly at: number;
  readonly kind: "customer_message" | "echo" | "custom";
  readonly status: number;
  readonly error?: string;
}

export interface SimOptions {
  readonly port?: number;
  readonly appId: string;
  readonly appSecret: string;
  /** Where webhook events are POSTed (can be set later with `setWebhookUrl`). */
  readonly webhookUrl?: string;
  /** Signs deliveries; defaults to `appSecret`. */
  readonly webhookSecret?: string;
  /** Clock (Unix ms); `advance(ms)` adds to it. */
  readonly now?: () => number;
  /** Known accounts; the first is the default. Defaults to `[DEFAULT_ACCOUNT]`. */
  readonly accounts?: SimAccount[];
  /** Code exchange body: `observed` (flat, numeric user_id, default) or `documented` (`{data:[…]}`). */
  readonly tokenResponseShape?: "observed" | "documented";
  /** Registered redirect URIs; when given, authorize rejects others. */
  readonly redirectUris?: string[];
  /** Deliver the signed echo of each accepted send to the webhook (default true when a webhook URL is set). */
  readonly deliverEchoes?: boolean;
  /** When set, a send that would put more than this many sends of one account in a rolling hour gets 613/2534040. */
  readonly sendCapPerHour?: number;
}

export interface CustomerMessageInput {
  readonly igAccountId?: string;
  readonly igsid?: string;
  readonly text?: string;
  readonly attachments?: readonly Attachment[];
  readonly mid?: string;
}

export interface CustomerMessageResult {
  readonly igAccountId: string;
  readonly igsid: string;
  readonly mid: string;
  readonly timestamp: number;
  /** Absent when no webhook URL is configured (the window is still opened). */
  readonly delivery?: { readonly status: number; readonly body: string };
}

/** A running simulator and its programmatic helpers. */
export interface MetaSimulator {
  readonly url: string;
  stop(): Promise<void>;
  /** Runs the consent step without a browser; resolves to the redirect URL (with `code` or `error`). */
  authorize(input: {
    clientId: string;
    redirectUri: string;
    scope: string;
    state?: string;
    username?: string;
    deny?: boolean;
  }): Promise<string>;
  /** Issues a token directly (skipping OAuth), e.g. to seed an integration. `ageMs` back-dates it. */
  issueToken(input?: { igAccountId?: string; kind?: "short" | "long"; ageMs?: number }): string;
  /** Makes a token invalid (Meta answers 190/460 for it from now on). */
  invalidateToken(token: string): void;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  faults(): Fault[];
  sentMessages(igAccountId?: string): SentMessage[];
  requests(): RecordedRequest[];
  deliveries(): Delivery[];
  subscriptions(igAccountId?: string): string[];
  /** Records a customer message at `at` (default now) so the reply window is open, without delivering anything. */
  openWindow(input: { igAccountId?: string; igsid: string; at?: number }): void;
  /** Builds a customer DM, opens the window and delivers it signed to the webhook. */
  sendCustomerMessage(input: CustomerMessageInput): Promise<CustomerMessageResult>;
  /** POSTs a payload to the webhook signed as Meta signs (objects are serialised with `metaJson`). */
  deliver(
    payload: object | string,
    options?: { secret?: string; kind?: Delivery["kind"]; escapeSlashes?: boolean },
  ): Promise<{ status: number; body: string }>;
  setWebhookUrl(url: string | undefined): void;
  setTokenResponseShape(shape: "observed" | "documented"): void;
  /** Moves the simulator clock forward. */
  advance(ms: number): void;
  now(): number;
  /** Resolves when every echo delivery started so far has finished. */
  idle(): Promise<void>;
  /** Largest number of sends of one account inside any rolling hour so far. */
  maxSendsInAnyHour(igAccountId?: string): number;
  /**
   * The user removes the app: every token of the account becomes invalid (190/460) and a `signed_request`
   * (`user_id` = app-scoped id) is POSTed form-encoded to the deauthorize callback `url`.
   */
  deauthorize(input: {
    url: string;
    igAccountId?: string;
    secret?: string;
  }): Promise<{ status: number; body: string }>;
  /** The user asks for data deletion: POSTs a `signed_request` (with `expires`) to the data-deletion callback `url`. */
  requestDataDeletion(input: {
    url: string;
    igAccountId?: string;
    secret?: string;
  }): Promise<{ status: number; body: string }>;
  /** The dashboard's "Verify and save": GET the webhook with hub.mode/hub.verify_token/hub.challenge. */
  verifyWebhook(input: {
    verifyToken: string;
    url?: string;
  }): Promise<{ status: number; body: string; challenge: string; verified: boolean }>;
}

/** Fields `/me` accepts on graph.instagram.com (Instagram Login); anything else is error 100. */
export const PROFILE_FIELDS = [
  "id",
  "user_id",
  "username",
  "name",
  "account_type",
  "profile_picture_url",
  "followers_count",
  "follows_count",
  "media_count",
] as const;

/** Webhook fields an Instagram account can be subscribed to. */
export const SUBSCRIBABLE_FIELDS = [
  "messages",
  "message_reactions",
  "messaging_postbacks",
  "messaging_seen",
  "messaging_referral",
  "messaging_optins",
  "message_edit",
  "messaging_handover",
  "standby",
  "comments",
  "mentions",
] as const;

/** Scopes the authorize page accepts (Instagram Login business scopes). */
export const KNOWN_SCOPES = new Set([
  "instagram_business_basic",
  "instagram_business_manage_messages",
  "instagram_business_manage_comments",
  "instagram_business_content_publish",
  "instagram_business_manage_insights",
]);

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const SHORT_LIVED_MS = HOUR;
export const EXCHANGED_EXPIRES_IN = 5_183_944;
export const REFRESHED_EXPIRES_IN = 5_184_000;
export const CODE_TTL_MS = HOUR;
export const TEXT_LIMIT = 1000;

export interface TokenRecord {
  readonly igId: string;
  readonly kind: "short" | "long";
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly scopes: string[];
  invalidated: boolean;
}

export interface CodeRecord {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly igId: string;
  readonly scopes: string[];
  readonly issuedAt: number;
  used: boolean;
}

export interface ActiveFault {
  readonly spec: Fault;
  remaining: number;
}
