import * as z from "zod";
import type { FacebookSimulator } from "./facebook-model";
import type { FacebookOptions } from "./facebook-state";
import type { RichContent } from "./rich-messages";
import type { CustomerSeen, TapInput, TapResult } from "./rich-send";
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
  "messenger_profile",
  "attachment_upload",
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
  /** A rich message (quick replies, images, sticker, share, templates, reply_to): what the customer sees. */
  readonly rich?: RichContent;
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

/** Facebook-flavour options (`facebookAppId`, `facebookAppSecret`, `facebookUsers`) come from `FacebookOptions`. */
export interface SimOptions extends FacebookOptions {
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
  /**
   * The app is approved for the `HUMAN_AGENT` tag (App Review). Default false: without approval the tag does
   * not extend the window past 24 h (docs/meta-simulator.md, "HUMAN_AGENT").
   */
  readonly humanAgentApproved?: boolean;
  /**
   * The webhook fields `POST /{ig-id}/subscribed_apps` accepts (default `SUBSCRIBABLE_FIELDS`). A test narrows it
   * to play a field Meta does not (or no longer) accepts: the subscription is refused with code 100, as Meta
   * refuses an invalid `subscribed_fields` value (docs/meta-simulator.md row 39).
   */
  readonly subscribableFields?: readonly string[];
  /**
   * The `/me` fields Meta answers (default `PROFILE_FIELDS`). A test narrows it to play a field Meta does not
   * know for this login: the whole `/me` call then fails with "Unsupported request" (row 38).
   */
  readonly profileFields?: readonly string[];
  /** Rate-limit usage model behind `X-Business-Use-Case-Usage` / `X-App-Usage` (see `UsageOptions`). */
  readonly usage?: UsageOptions;
  /** Conversations API calls allowed per second per account (Meta: 2); past it, 613. */
  readonly conversationsPerSecond?: number;
  /** Seeds Conversations API history for an account (deterministic). */
  readonly history?: HistorySeed;
  /** Known customers for the User Profile API; others get a deterministic made-up profile. */
  readonly customers?: SimCustomer[];
  /**
   * The media Meta can fetch, by URL. When set, an attachment whose URL is not listed is unreachable, and one
   * whose type or size Meta's send-message page does not allow is refused. Unset: every https URL is fine.
   */
  readonly media?: Record<string, MediaFile>;
  /** Sends to one thread allowed per rolling minute; past it, 613 (Meta: "may be rate limited", no number). */
  readonly threadSendsPerMinute?: number;
  /**
   * Posts by id and the IG account that owns each. When set, a `MEDIA_SHARE` of a post the sending account does
   * not own is refused (send-message page: the app user must own the post). Unset: any post id is accepted.
   */
  readonly posts?: Record<string, string>;
}

/** A file at a URL, as Meta would find it when fetching an attachment. */
export interface MediaFile {
  readonly contentType: string;
  readonly bytes: number;
}

/** How Graph calls fill the usage headers, and when an account is throttled. */
export interface UsageOptions {
  /** Graph calls per account per rolling hour that make `call_count` 100 % (default 4800). */
  readonly callsPerHour?: number;
  /** Graph calls of the whole app per rolling hour that make `X-App-Usage.call_count` 100 % (default 20 000). */
  readonly appCallsPerHour?: number;
  /** When true, an account reaching 100 % is throttled (80002) for `regainAccessMinutes`. Default false. */
  readonly throttleAtFull?: boolean;
  /** `estimated_time_to_regain_access` of automatic throttles, minutes (default 60). */
  readonly regainAccessMinutes?: number;
}

export interface HistorySeed {
  readonly igAccountId?: string;
  readonly conversations: number;
  readonly messagesPerConversation: number;
  /** Gap between seeded messages (default 1 h); the newest conversation is the most recent. */
  readonly spacingMs?: number;
}

/** A customer as the User Profile API shows them. */
export interface SimCustomer {
  readonly igsid: string;
  readonly name?: string | null;
  readonly username?: string;
  readonly profilePic?: string | null;
  readonly followerCount?: number;
  readonly isUserFollowBusiness?: boolean;
  readonly isBusinessFollowUser?: boolean;
  readonly isVerifiedUser?: boolean;
  /** The customer blocked the business: the profile cannot be read. */
  readonly blockedBusiness?: boolean;
}

/** An account-wide refusal of every send until cleared. */
export type AccountRestriction = "restricted" | "business_blocked";

/** A throttle in force for one account (or the whole app with code 4). */
export interface ThrottleInput {
  readonly igAccountId?: string;
  /** 80002 (Instagram BUC, default), 613, or 4 (app-wide: every account). */
  readonly code?: 80002 | 613 | 4;
  /** `estimated_time_to_regain_access`, minutes (default 60). */
  readonly regainAccessMinutes?: number;
}

export interface SenderActionRecord {
  readonly igAccountId: string;
  readonly recipientId: string;
  readonly action: "typing_on" | "typing_off" | "mark_seen" | "react" | "unreact";
  readonly messageId?: string;
  readonly reaction?: string;
  readonly at: number;
}

/** Ice breakers and persistent menu of one account (messenger-profile.ts). */
export interface MessengerProfileState {
  readonly ice_breakers?: readonly unknown[];
  readonly persistent_menu?: readonly unknown[];
}

/** Which of the person's ids a deauthorize / data-deletion `signed_request` carries as `user_id`. */
export type SignedRequestUserId = "app_scoped" | "ig_account" | "token_exchange";

export interface CustomerMessageInput {
  readonly igAccountId?: string;
  readonly igsid?: string;
  readonly text?: string;
  readonly attachments?: readonly Attachment[];
  readonly mid?: string;
  /**
   * An ad referral on the message (Click-to-Direct ad). When it is the thread's first message and `source` is
   * `ADS`, the window lasts 7 days from it (Messenger Platform policy).
   */
  readonly referral?: AdReferral;
}

export interface AdReferral {
  readonly source: "ADS";
  readonly type?: "OPEN_THREAD";
  readonly ad_id: string;
  readonly ref?: string;
  readonly ads_context_data?: {
    readonly ad_title?: string;
    readonly photo_url?: string;
    readonly video_url?: string;
  };
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
  /** The Facebook Login flavour's helpers (facebook-graph.ts). */
  readonly facebook: FacebookSimulator;
  stop(): Promise<void>;
  /** Runs the consent step without a browser; resolves to the redirect URL (with `code` or `error`). */
  authorize(input: {
    clientId: string;
    redirectUri: string;
    scope: string;
    state?: string;
    username?: string;
    deny?: boolean;
    /** Permissions the person unticks on the consent screen: the code grants the rest (docs/meta-simulator.md). */
    declined?: readonly string[];
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
  /** Throttles an account (or, with code 4, the app) until `regainAccessMinutes` pass on the simulator clock. */
  throttle(input?: ThrottleInput): void;
  /** Sets or clears (`undefined`) an account-wide refusal of every send. */
  setAccountRestriction(igAccountId: string | undefined, restriction: AccountRestriction | undefined): void;
  /** Another app owns the customer's thread (`"other"`): events go under `standby[]`, sends are refused. */
  setThreadOwner(input: { igAccountId?: string; igsid: string; owner: "us" | "other" }): void;
  /** The customer taps a text quick reply of a rich message: a signed `message` with `quick_reply.payload`. */
  tapQuickReply(input: TapInput): Promise<TapResult>;
  /** The customer taps a postback button of a button / generic template: a signed `postback`. */
  tapButton(input: TapInput): Promise<TapResult>;
  /** The rich messages a customer has received from an account, oldest first (what they "see"). */
  customerView(input: { igAccountId?: string; igsid: string }): CustomerSeen[];
  /** The customer taps an ice breaker question or a persistent menu postback: a signed `postback`, window opened. */
  tapProfile(input: {
    igAccountId?: string;
    igsid?: string;
    kind: "ice_breaker" | "menu";
    index: number;
    locale?: string;
  }): Promise<{ payload: object; delivery?: { status: number; body: string } }>;
  /** The account's messenger profile as Meta holds it (ice breakers, persistent menu). */
  messengerProfile(igAccountId?: string): MessengerProfileState;
  /** Media uploaded through `/<PAGE_ID>/message_attachments` (attachment_id, Page, type, url, is_reusable). */
  uploadedAttachments(): readonly {
    readonly attachmentId: string;
    readonly pageId: string;
    readonly type: string;
    readonly url: string;
    readonly reusable: boolean;
  }[];
  /** Sender actions accepted so far. */
  senderActions(igAccountId?: string): SenderActionRecord[];
  /** Adds or replaces a customer for the User Profile API. */
  setCustomer(customer: SimCustomer): void;
  /**
   * The user removes the app: every token of the account becomes invalid (190/460) and a `signed_request`
   * (`user_id` = app-scoped id) is POSTed form-encoded to the deauthorize callback `url`.
   */
  deauthorize(input: {
    url: string;
    igAccountId?: string;
    secret?: string;
    /** Which id goes in `user_id` (default `app_scoped`). */
    userId?: SignedRequestUserId;
  }): Promise<{ status: number; body: string }>;
  /** The user asks for data deletion: POSTs a `signed_request` (with `expires`) to the data-deletion callback `url`. */
  requestDataDeletion(input: {
    url: string;
    igAccountId?: string;
    secret?: string;
    /** Which id goes in `user_id` (default `app_scoped`). */
    userId?: SignedRequestUserId;
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
/** Send API text limit, in UTF-8 bytes (the stricter of Meta's two statements). */
export const TEXT_LIMIT_BYTES = 1000;
/** HUMAN_AGENT tag and Click-to-Direct ad windows (Messenger Platform policy). */
export const SEVEN_DAYS = 7 * DAY;
/** User Profile API fields for Instagram Login (user-profile page). */
export const USER_PROFILE_FIELDS = [
  "name",
  "username",
  "profile_pic",
  "follower_count",
  "is_user_follow_business",
  "is_business_follow_user",
  "is_verified_user",
] as const;
/**
 * Attachment formats and size maxima (Instagram messaging send-message and attachment-upload pages). Sizes in
 * decimal megabytes, the stricter reading of "8MB" / "25MB"; GIF left out of images, as the newest copy of the
 * page does (older copies list it).
 */
export const MEDIA_RULES: Record<string, { readonly types: readonly string[]; readonly maxBytes: number }> = {
  image: { types: ["image/png", "image/jpeg"], maxBytes: 8_000_000 },
  video: {
    types: ["video/mp4", "video/ogg", "video/x-msvideo", "video/quicktime", "video/webm"],
    maxBytes: 25_000_000,
  },
  audio: {
    types: ["audio/aac", "audio/mp4", "audio/x-m4a", "audio/wav", "audio/x-wav", "audio/vnd.wave"],
    maxBytes: 25_000_000,
  },
  file: { types: ["application/pdf"], maxBytes: 25_000_000 },
};
/** Conversations API: message details only for the 20 most recent messages of a conversation. */
export const MESSAGE_DETAIL_DEPTH = 20;

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
