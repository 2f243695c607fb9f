import { type ConversationsApi, type HistoryMessage, HistoryReadError } from "../../domain/history/ports";
import type { MetaTarget } from "../../domain/integration";
import type { Attachment } from "../../domain/message";
import { usageSignal } from "../../domain/meta-errors";
import { registerSecretValue } from "../../platform/redaction";
import type { MetaHosts } from "../../platform/runtime-config";
import { classOfMetaError } from "./call-failure";
import { MetaApiError, MetaNetworkError, MetaTimeoutError, metaFetch, parseMetaJson } from "./graph-http";
import { graphBaseOf } from "./graph-target";

/** Instagram Login's host (the node is named by each call). */
const INSTAGRAM: MetaTarget = { host: "instagram", nodeId: "" };

const TIMEOUT_MS = 10_000;

/** The message fields the Conversations API describes (CONV in docs/meta-simulator.md), plus its attachments. */
export const MESSAGE_FIELDS = "id,created_time,from,to,message,attachments";

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;

/** Graph's times: ISO with a `+0000` offset (`2026-11-29T17:35:00+0000`) or, per the docs' placeholder, Unix seconds. */
export function graphTime(value: unknown): number | undefined {
  if (typeof value === "number") return value * 1000;
  if (typeof value !== "string") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
  return Number.isNaN(ms) ? undefined : ms;
}

function attachmentOf(value: unknown): Attachment[] {
  const a = asObject(value);
  if (a === undefined) return [];
  const image = str(asObject(a.image_data)?.url);
  if (image !== undefined) return [{ type: "image", url: image }];
  const video = str(asObject(a.video_data)?.url);
  if (video !== undefined) return [{ type: "video", url: video }];
  const file = str(a.file_url);
  if (file !== undefined) return [{ type: "file", url: file }];
  return [{ type: "unknown" }];
}

function messageOf(body: Json): HistoryMessage {
  const mid = str(body.id);
  const createdAt = graphTime(body.created_time);
  const fromId = str(asObject(body.from)?.id);
  if (mid === undefined || createdAt === undefined || fromId === undefined) {
    throw new HistoryReadError("unknown", "Meta answered a message read with an unexpected body");
  }
  const toIds = asArray(asObject(body.to)?.data).flatMap((party) => {
    const id = str(asObject(party)?.id);
    return id === undefined ? [] : [id];
  });
  const text = typeof body.message === "string" && body.message !== "" ? body.message : undefined;
  return {
    mid,
    createdAt,
    fromId,
    toIds,
    ...(text === undefined ? {} : { text }),
    attachments: asArray(asObject(body.attachments)?.data).flatMap(attachmentOf),
  };
}

/**
 * Meta's Conversations API on graph.instagram.com (Instagram Login) or graph.facebook.com (Facebook Login, with the
 * Page token and the Page as the list's node): the conversation list, a conversation's
 * message ids and each message's fields. Refusals become HistoryReadError, classified like every Meta error; the
 * usage headers of each answer go back to the import, which slows down near the limit.
 */
export function graphConversationsApi(hosts: MetaHosts, timeoutMs = TIMEOUT_MS): ConversationsApi {
  const get = async (path: string, params: Record<string, string>, token: string, target?: MetaTarget) => {
    registerSecretValue(token);
    // Instagram Login reads graph.instagram.com; Facebook Login the same edges on graph.facebook.com (Page token).
    const url = new URL(`${graphBaseOf(hosts, target ?? INSTAGRAM)}/${path}`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    try {
      const response = await metaFetch(url, { headers: { authorization: `Bearer ${token}` } }, { timeoutMs });
      const usage = usageSignal(response.headers);
      return {
        body: asObject(parseMetaJson(response.body)) ?? {},
        ...(usage === undefined ? {} : { usage }),
      };
    } catch (error) {
      throw translate(error);
    }
  };
  return {
    async listConversations({ igAccountId, accessToken, target, after, limit }) {
      // The list hangs off the account (Instagram Login) or off its Page (Facebook Login).
      const answer = await get(
        `${encodeURIComponent(target?.nodeId ?? igAccountId)}/conversations`,
        { platform: "instagram", limit: String(limit), ...(after === undefined ? {} : { after }) },
        accessToken,
        target,
      );
      const conversations = asArray(answer.body.data).flatMap((item) => {
        const id = str(asObject(item)?.id);
        const updatedAt = graphTime(asObject(item)?.updated_time);
        return id === undefined ? [] : [{ id, updatedAt: updatedAt ?? 0 }];
      });
      const paging = asObject(answer.body.paging);
      const next = str(paging?.next) === undefined ? undefined : str(asObject(paging?.cursors)?.after);
      return {
        value: { conversations, ...(next === undefined ? {} : { after: next }) },
        ...(answer.usage === undefined ? {} : { usage: answer.usage }),
      };
    },
    async messageIds({ conversationId, accessToken, target, limit }) {
      const answer = await get(
        encodeURIComponent(conversationId),
        { fields: "messages" },
        accessToken,
        target,
      );
      const ids = asArray(asObject(answer.body.messages)?.data).flatMap((item) => {
        const id = str(asObject(item)?.id);
        return id === undefined ? [] : [id];
      });
      return { value: ids.slice(0, limit), ...(answer.usage === undefined ? {} : { usage: answer.usage }) };
    },
    async message({ messageId, accessToken, target }) {
      const answer = await get(
        encodeURIComponent(messageId),
        { fields: MESSAGE_FIELDS },
        accessToken,
        target,
      );
      return {
        value: messageOf(answer.body),
        ...(answer.usage === undefined ? {} : { usage: answer.usage }),
      };
    },
  };
}

function translate(error: unknown): unknown {
  if (error instanceof MetaApiError) {
    const kind = classOfMetaError(error);
    const regain = error.headers === undefined ? 0 : (usageSignal(error.headers)?.regainAccessMs ?? 0);
    return new HistoryReadError(kind, error.message, regain);
  }
  if (error instanceof MetaTimeoutError || error instanceof MetaNetworkError) {
    return new HistoryReadError("transient", error.message);
  }
  return error;
}
