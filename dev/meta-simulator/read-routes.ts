import type { SimContext } from "./context";
import { GraphErrors } from "./graph-errors";
import { graph, json, type Reply, type Req, splitList } from "./http";
import { MESSAGE_DETAIL_DEPTH, type SimAccount, type SimCustomer, USER_PROFILE_FIELDS } from "./model";
import type { Thread, ThreadMessage } from "./threads";

/*
 * The read side of graph.instagram.com: the User Profile API (…/messaging-api/user-profile) and the
 * Conversations API (…/instagram-api-with-instagram-login/conversations-api). Sources and the readings chosen
 * where Meta is silent are in docs/meta-simulator.md.
 */

const DEFAULT_PAGE = 25;
const MAX_PAGE = 100;
/** "The URL expires after a few days" (user-profile page): the simulator's links carry `oe=` 3 days ahead. */
const PROFILE_PIC_TTL_MS = 3 * 86_400_000;

/** Graph's time format: `2026-11-29T17:35:00+0000`. */
const graphTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");

export function readRoutes(ctx: SimContext) {
  const { now, authenticate } = ctx;
  /** Conversations API calls per account in the last second (Meta: 2 calls/s per account). */
  const recentCalls = new Map<string, number[]>();

  function withinConversationsRate(igId: string): boolean {
    const limit = ctx.options.conversationsPerSecond ?? 2;
    const list = (recentCalls.get(igId) ?? []).filter((t) => t > now() - 1000);
    if (list.length >= limit) {
      recentCalls.set(igId, list);
      return false;
    }
    list.push(now());
    recentCalls.set(igId, list);
    return true;
  }

  function customerOf(igsid: string): SimCustomer {
    const known = ctx.customers.get(igsid);
    if (known !== undefined) return known;
    const tail = igsid.slice(-4);
    return {
      igsid,
      name: `Customer ${tail}`,
      username: `customer_${igsid}`,
      profilePic: "default",
      followerCount: Number(tail),
      isUserFollowBusiness: Number(tail) % 2 === 0,
      isBusinessFollowUser: false,
      isVerifiedUser: false,
    };
  }

  function profilePicUrl(igsid: string): string {
    const oe = Math.floor((now() + PROFILE_PIC_TTL_MS) / 1000)
      .toString(16)
      .toUpperCase();
    return `https://scontent-mad1-1.cdninstagram.com/v/t51.2885-19/${igsid}_n.jpg?stp=dst-jpg_s206x206&_nc_cat=101&oh=00_Sim&oe=${oe}`;
  }

  /** `GET /<IGSID>?fields=…` with the account's token: readable only once the person messaged the account. */
  function userProfile(req: Req, account: SimAccount, igsid: string): Reply {
    const requested = splitList(req.query.get("fields") ?? "name,profile_pic");
    const allowed: readonly string[] = USER_PROFILE_FIELDS;
    const bad = requested.find((f) => !allowed.includes(f));
    if (bad !== undefined) {
      return graph(
        GraphErrors.invalidParameter(`Tried accessing nonexisting field (${bad}) on node type (User)`),
      );
    }
    const thread = ctx.threads.existing(account.igId, igsid);
    const consented = thread?.messages.some((m) => m.fromCustomer) === true;
    if (!consented) return graph(GraphErrors.userConsentRequired());
    const c = customerOf(igsid);
    if (c.blockedBusiness === true) return graph(GraphErrors.objectNotFound(igsid, "get"));
    const values: Record<string, unknown> = {
      name: c.name ?? null,
      username: c.username ?? `customer_${igsid}`,
      profile_pic:
        c.profilePic === null
          ? null
          : c.profilePic === "default" || c.profilePic === undefined
            ? profilePicUrl(igsid)
            : c.profilePic,
      follower_count: c.followerCount ?? 0,
      is_user_follow_business: c.isUserFollowBusiness ?? false,
      is_business_follow_user: c.isBusinessFollowUser ?? false,
      is_verified_user: c.isVerifiedUser ?? false,
    };
    const body: Record<string, unknown> = {};
    for (const f of requested) body[f] = values[f];
    body.id = igsid;
    return json(200, body);
  }

  /** Cursor paging as Graph does it: opaque `before` / `after` cursors and a `next` link while more remain. */
  function page<T>(req: Req, items: readonly T[], path: string): { data: T[]; paging?: object } | Reply {
    const limitRaw = req.query.get("limit");
    const limit = limitRaw === null ? DEFAULT_PAGE : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1)
      return graph(GraphErrors.invalidParameter("Invalid parameter [limit]"));
    const size = Math.min(limit, MAX_PAGE);
    const after = req.query.get("after");
    let start = 0;
    if (after !== null) {
      const decoded = Number(Buffer.from(after, "base64url").toString("utf8"));
      if (!Number.isInteger(decoded) || decoded < 0)
        return graph(GraphErrors.invalidParameter("Invalid cursor [after]"));
      start = decoded + 1;
    }
    const data = items.slice(start, start + size);
    if (data.length === 0) return { data };
    const cursor = (i: number) => Buffer.from(String(i), "utf8").toString("base64url");
    const last = start + data.length - 1;
    const next = new URL(`https://graph.instagram.com${path}`);
    for (const [k, v] of req.query) if (k !== "after" && k !== "access_token") next.searchParams.set(k, v);
    next.searchParams.set("after", cursor(last));
    return {
      data,
      paging: {
        cursors: { before: cursor(start), after: cursor(last) },
        ...(last < items.length - 1 ? { next: next.toString() } : {}),
      },
    };
  }

  /** `GET /<IG_ID>/conversations?platform=instagram` (or `?user_id=<IGSID>`), newest first. */
  function conversations(req: Req, account: SimAccount): Reply {
    if (!withinConversationsRate(account.igId)) return graph(GraphErrors.conversationsRateLimited());
    const userId = req.query.get("user_id");
    if (userId !== null) {
      const t = ctx.threads.existing(account.igId, userId);
      return json(200, {
        data: t === undefined || t.messages.length === 0 ? [] : [{ id: t.conversationId }],
      });
    }
    if (req.query.get("platform") !== "instagram") {
      return graph(GraphErrors.invalidParameter("The parameter platform is required (instagram)"));
    }
    const listed = ctx.threads
      .list(account.igId)
      .map((t) => ({ id: t.conversationId, updated_time: graphTime(t.messages.at(-1)?.at ?? 0) }));
    const result = page(req, listed, req.path);
    return "status" in result ? result : json(200, result);
  }

  const party = (id: string, username: string) => ({ username, id });

  function messageFields(account: SimAccount, t: Thread, m: ThreadMessage, fields: string[]) {
    const customer = party(t.igsid, customerOf(t.igsid).username ?? `customer_${t.igsid}`);
    const business = party(account.igId, account.username);
    const values: Record<string, unknown> = {
      id: m.mid,
      created_time: graphTime(m.at),
      from: m.fromCustomer ? customer : business,
      to: { data: [m.fromCustomer ? business : customer] },
      message: m.text ?? "",
      ...(m.attachments === undefined
        ? {}
        : {
            attachments: {
              data: m.attachments.map((a) =>
                a.type === "image"
                  ? { image_data: { url: a.url } }
                  : a.type === "video"
                    ? { video_data: { url: a.url } }
                    : { file_url: a.url },
              ),
            },
          }),
    };
    const body: Record<string, unknown> = {};
    for (const f of fields) if (values[f] !== undefined) body[f] = values[f];
    body.id = m.mid;
    return body;
  }

  /** `GET /<CONVERSATION_ID>?fields=messages` (ids and times, newest first) or `GET /<MESSAGE_ID>?fields=…`. */
  function node(req: Req, account: SimAccount, id: string): Reply | undefined {
    const conversation = ctx.threads.byConversationId(id);
    if (conversation !== undefined && conversation.igId === account.igId) {
      if (!withinConversationsRate(account.igId)) return graph(GraphErrors.conversationsRateLimited());
      const fields = splitList(req.query.get("fields") ?? "id");
      const body: Record<string, unknown> = { id };
      if (fields.includes("messages")) {
        const newestFirst = [...conversation.messages]
          .reverse()
          .map((m) => ({ id: m.mid, created_time: graphTime(m.at) }));
        const result = page(req, newestFirst, req.path);
        if ("status" in result) return result;
        body.messages = result;
      }
      return json(200, body);
    }
    const found = ctx.threads.byMessageId(id);
    if (found !== undefined && found.thread.igId === account.igId) {
      if (!withinConversationsRate(account.igId)) return graph(GraphErrors.conversationsRateLimited());
      const rank = found.thread.messages.length - 1 - found.thread.messages.indexOf(found.message);
      if (rank >= MESSAGE_DETAIL_DEPTH) return graph(GraphErrors.messageTooOld());
      const fields = splitList(req.query.get("fields") ?? "id,created_time");
      return json(200, messageFields(account, found.thread, found.message, fields));
    }
    return undefined;
  }

  /** Dispatches `GET /{id}` for ids that are not the account itself: a conversation, a message or an IGSID. */
  function getNode(req: Req, id: string): Reply {
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    const answered = node(req, auth.account, id);
    if (answered !== undefined) return answered;
    if (/^\d+$/.test(id) && id !== auth.account.igId) return userProfile(req, auth.account, id);
    return graph(GraphErrors.objectNotFound(id, "get"));
  }

  function getConversations(req: Req, id: string): Reply {
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    if (id !== "me" && id !== auth.account.igId) return graph(GraphErrors.objectNotFound(id, "get"));
    return conversations(req, auth.account);
  }

  return { getNode, getConversations };
}
