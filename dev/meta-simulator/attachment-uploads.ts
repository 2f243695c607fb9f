import type { SimContext } from "./context";
import { type GraphError, GraphErrors } from "./graph-errors";
import { type Answer, graph, json, type Req } from "./http";
import { MEDIA_RULES } from "./model";

/*
 * The Attachment Upload API for Instagram messaging through a Facebook Page (graph.facebook.com,
 * `POST /<PAGE_ID>/message_attachments` with a Page token; docs/meta-simulator.md rows R8 and R25–R27): uploads
 * media from a url once and answers `{attachment_id}`; the Send API of that Page then takes
 * `attachment: {type, payload: {attachment_id}}`. graph.instagram.com (Instagram Login) has no such endpoint.
 */

/** Messenger Platform attachment upload reference: "Attachment IDs expire after 90 days". */
export const ATTACHMENT_TTL_MS = 90 * 24 * 60 * 60 * 1000;
const TYPES = ["image", "video", "audio", "file"] as const;

export interface UploadedAttachment {
  readonly attachmentId: string;
  readonly pageId: string;
  readonly type: string;
  readonly url: string;
  readonly reusable: boolean;
  readonly at: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const bad = (field: string, rule: string): GraphError =>
  GraphErrors.invalidParameter(`Param ${field} ${rule}`);
const isHttps = (v: unknown): v is string => {
  try {
    return typeof v === "string" && new URL(v).protocol === "https:";
  } catch {
    return false;
  }
};
/** The Instagram page's samples send `is_reusable` as the string "true"; the Messenger reference as a boolean. */
const truthy = (v: unknown) => v === true || v === "true";

export function attachmentUploads(ctx: SimContext) {
  const uploads = new Map<string, UploadedAttachment>();
  let next = 0;

  /** JSON body, or the query/form form of the Instagram page's curl sample (`?message={…}&platform=instagram`). */
  function bodyOf(req: Req): Obj | undefined {
    const params = req.form ?? (req.raw.length === 0 ? req.query : undefined);
    if (params !== undefined) {
      const message = params.get("message");
      return {
        platform: params.get("platform") ?? undefined,
        message: message ? JSON.parse(message) : undefined,
      };
    }
    const parsed: unknown = JSON.parse(req.raw.toString("utf8"));
    return isObj(parsed) ? parsed : undefined;
  }

  /** With the simulator's media registry: unknown urls cannot be fetched; type and size as for the Send API. */
  function refuseMedia(type: string, url: string): GraphError | undefined {
    const registry = ctx.options.media;
    if (registry === undefined) return undefined;
    const file = registry[url];
    if (file === undefined) return GraphErrors.mediaUnreachable();
    const rule = MEDIA_RULES[type];
    if (rule === undefined || !rule.types.includes(file.contentType.split(";")[0]?.trim() ?? "")) {
      return GraphErrors.mediaUnsupported(file.contentType);
    }
    return file.bytes > rule.maxBytes ? GraphErrors.mediaTooLarge() : undefined;
  }

  /** `POST /<PAGE_ID>/message_attachments` once the caller is known to hold a Page token for `pageId`. */
  async function upload(req: Req, pageId: string, igId: string | undefined): Promise<Answer> {
    const faulted = await ctx.applyFault(ctx.takeFault("attachment_upload", igId), igId);
    if (faulted !== undefined) return faulted;
    let body: Obj | undefined;
    try {
      body = bodyOf(req);
    } catch {
      return graph(GraphErrors.invalidParameter("Invalid JSON in request body"));
    }
    if (body === undefined) return graph(GraphErrors.invalidParameter("Invalid JSON in request body"));
    // Instagram page: "with the platform set as Instagram" (without it the upload is a Messenger asset).
    if (body.platform !== "instagram") return graph(bad("platform", "must be instagram"));
    const attachment = isObj(body.message) ? body.message.attachment : undefined;
    if (!isObj(attachment)) return graph(bad("message[attachment]", "is required"));
    const type = attachment.type;
    if (typeof type !== "string" || !(TYPES as readonly string[]).includes(type)) {
      return graph(bad("message[attachment][type]", `must be one of {${TYPES.join(", ")}}`));
    }
    const payload = isObj(attachment.payload) ? attachment.payload : {};
    if (!isHttps(payload.url)) return graph(bad("message[attachment][payload][url]", "must be an https URL"));
    const media = refuseMedia(type, payload.url);
    if (media !== undefined) return graph(media);
    next += 1;
    const attachmentId = String(1_700_000_000_000_000 + next);
    uploads.set(attachmentId, {
      attachmentId,
      pageId,
      type,
      url: payload.url,
      reusable: truthy(payload.is_reusable),
      at: ctx.now(),
    });
    return json(200, { attachment_id: attachmentId });
  }

  /**
   * The media an `attachment_id` names for a send by `pageId`, or why not: issued to another Page (or never),
   * uploaded without `is_reusable` (Meta: set it "so that the media can be used in multiple messages"; refusing
   * is the stricter reading), expired, or of another type.
   */
  function resolve(pageId: string, attachmentId: string, type: unknown): UploadedAttachment | GraphError {
    const field = "message[attachment][payload][attachment_id]";
    const found = uploads.get(attachmentId);
    if (found === undefined || found.pageId !== pageId)
      return bad(field, "is not an attachment of this Page");
    if (!found.reusable) return bad(field, "was not uploaded with is_reusable");
    if (ctx.now() - found.at > ATTACHMENT_TTL_MS) return bad(field, "has expired");
    if (type !== found.type)
      return bad("message[attachment][type]", `must be ${found.type} for this attachment`);
    return found;
  }

  return { upload, resolve, list: () => [...uploads.values()] };
}

export type AttachmentUploads = ReturnType<typeof attachmentUploads>;
/** How a send on a Page resolves an `attachment_id` (absent on graph.instagram.com: refused there). */
export type ResolveAttachment = (attachmentId: string, type: unknown) => UploadedAttachment | GraphError;
