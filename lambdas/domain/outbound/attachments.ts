import type { SendableAttachmentType } from "../../contract/vocabulary";
import { AppError, ValidationError } from "../errors";
import type { Integration } from "../integration";
import type { MetaErrorClass } from "../meta-errors";
import type { Tenant } from "../tenant";
import type { IntegrationAccess } from "./ports";

/**
 * Meta's Attachment Upload API: "Attachment IDs expire after 90 days" (Messenger Platform, attachment-upload-api
 * reference and saving-assets; docs/meta-simulator.md row R8). Ours expire with them (and leave the table by TTL).
 */
export const ATTACHMENT_ID_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;

/** A media uploaded once at Meta for one account, reusable by Meta's `attachment_id` until it expires. */
export interface SavedAttachment {
  readonly imoId: string;
  readonly igAccountId: string;
  /** The Page Meta issued the id to: only that Page can send it. */
  readonly pageId: string;
  readonly attachmentId: string;
  readonly type: SendableAttachmentType;
  readonly url: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Stored attachment ids, per organisation and account (tenant-scoped keys). */
export interface SavedAttachmentStore {
  put(attachment: SavedAttachment): Promise<void>;
  get(imoId: string, igAccountId: string, attachmentId: string): Promise<SavedAttachment | undefined>;
  /** Every id of the account in this organisation (disconnect); answers how many went. */
  removeAll(imoId: string, igAccountId: string): Promise<number>;
}

export type UploadResult =
  | { readonly ok: true; readonly attachmentId: string }
  | { readonly ok: false; readonly kind: MetaErrorClass };

/** Meta's attachment upload for one integration: uploads media once, answers its reusable id. */
export interface AttachmentUploads {
  upload(
    integration: Integration,
    media: { readonly type: SendableAttachmentType; readonly url: string },
  ): Promise<UploadResult>;
}

export interface AttachmentDeps {
  readonly integrations: Pick<IntegrationAccess, "get">;
  readonly store: SavedAttachmentStore;
  /**
   * The upload endpoint of the integration's login flavour, if Meta offers one. Meta documents upload only as
   * `POST /<PAGE_ID>/message_attachments` with a Page token (Messenger API for Instagram, "Upload Media for
   * Instagram Messaging"; docs/meta-simulator.md row R8): Facebook Login integrations have it, Instagram Login
   * (graph.instagram.com) has none, so this answers undefined for them.
   */
  readonly uploadsFor: (integration: Integration) => AttachmentUploads | undefined;
  readonly now: () => number;
}

export interface Uploaded {
  readonly attachmentId: string;
  readonly type: SendableAttachmentType;
  readonly createdAt: number;
  readonly expiresAt: number;
}

function connected(integration: Integration | undefined): Integration {
  if (integration === undefined || integration.status === "revoked") {
    throw new AppError("integration.not_connected", "Connect an Instagram account first.");
  }
  if (integration.status === "needs_reauth") {
    throw new AppError("integration.needs_reauth", "Reconnect the Instagram account first.");
  }
  return integration;
}

/** `POST /instagram/attachments`: the caller's connected integration uploads and stores the id, or a documented refusal. */
export async function uploadAttachment(
  tenant: Tenant,
  media: { readonly type: SendableAttachmentType; readonly url: string },
  deps: AttachmentDeps,
): Promise<Uploaded> {
  const integration = connected(await deps.integrations.get(tenant.imoId, tenant.userId));
  const uploads = deps.uploadsFor(integration);
  if (uploads === undefined || integration.page === undefined) {
    throw new AppError(
      "attachments.unsupported_for_login_flavour",
      "Instagram Login has no attachment upload (Meta documents it for Facebook Login Page tokens only); send the media by url.",
    );
  }
  const result = await uploads.upload(integration, media);
  if (!result.ok) throw uploadRefusal(result.kind);
  const createdAt = deps.now();
  const saved: SavedAttachment = {
    imoId: tenant.imoId,
    igAccountId: integration.igAccountId,
    pageId: integration.page.id,
    attachmentId: result.attachmentId,
    type: media.type,
    url: media.url,
    createdAt,
    expiresAt: createdAt + ATTACHMENT_ID_LIFETIME_MS,
  };
  await deps.store.put(saved);
  return { attachmentId: saved.attachmentId, type: saved.type, createdAt, expiresAt: saved.expiresAt };
}

/** Meta's refusal as the caller should read it; nothing was stored. */
function uploadRefusal(kind: MetaErrorClass): AppError {
  if (kind === "token_invalid") {
    return new AppError("integration.needs_reauth", "Meta refused the account's token; reconnect it.");
  }
  if (kind === "transient" || kind === "rate_limited") {
    return new AppError("dependency.unavailable", "Meta did not take the upload now; retry later.");
  }
  return new AppError(
    "attachments.upload_refused",
    "Meta refused to upload this media: check that the url is reachable and of a supported format and size.",
  );
}

/**
 * The stored attachment an `attachments[i].attachmentId` names, checked for the caller's connected integration:
 * issued to this organisation's account and its current Page, of the stated type, not expired. Anything else is
 * a 400 naming the field; nothing is stored or queued.
 */
export async function savedAttachmentFor(
  integration: Integration,
  ref: { readonly type: SendableAttachmentType; readonly attachmentId: string },
  at: string,
  deps: { readonly store: Pick<SavedAttachmentStore, "get">; readonly now: () => number },
): Promise<SavedAttachment> {
  const saved = await deps.store.get(integration.imoId, integration.igAccountId, ref.attachmentId);
  const field = `${at}.attachmentId`;
  if (saved === undefined || saved.pageId !== integration.page?.id) {
    throw new ValidationError([{ field, message: "Not an attachment uploaded for this account" }]);
  }
  if (saved.expiresAt <= deps.now()) {
    throw new ValidationError([
      { field, message: "This attachment id has expired (Meta keeps them 90 days)" },
    ]);
  }
  if (saved.type !== ref.type) {
    throw new ValidationError([
      { field: `${at}.type`, message: `This attachment was uploaded as ${saved.type}` },
    ]);
  }
  return saved;
}
