import type { SimContext } from "./context";
import { type GraphError, GraphErrors } from "./graph-errors";
import { type Answer, graph, json, type Req, splitList } from "./http";
import { DEFAULT_CUSTOMER_IGSID, type MessengerProfileState } from "./model";
import * as Payloads from "./webhook-payloads";

/*
 * `GET/POST/DELETE /<IG_ID>/messenger_profile` on graph.instagram.com (Instagram Login ice-breakers and
 * persistent-menu pages): ice breakers and the persistent menu per account, validated to the documented limits
 * and shown back as Meta holds them. Rows "Ice breakers" / "Persistent menu" in docs/meta-simulator.md.
 */

export const PROFILE_LIMITS = {
  /** Ice breakers page (IGL): "A maximum of 4 questions can be set". */
  questions: 4,
  /** Not documented: question length; 80 chosen (refusing can only make our code send less). */
  questionChars: 80,
  /** Messenger persistent menu page: "up to 20 buttons in the call_to_actions array". */
  menuItems: 20,
  /** Not documented for Instagram: menu item title length; 30 chosen. */
  menuTitleChars: 30,
} as const;

const PROFILE_FIELDS = ["ice_breakers", "persistent_menu"] as const;
type ProfileField = (typeof PROFILE_FIELDS)[number];
/** `default` or a Meta locale such as `en_GB` (the list of supported locales is linked, not stored). */
const LOCALE = /^(default|[a-z]{2}_[A-Z]{2})$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const bad = (field: string, rule: string): GraphError =>
  GraphErrors.invalidParameter(`Param ${field} ${rule}`);
const isHttps = (v: unknown) => {
  try {
    return typeof v === "string" && new URL(v).protocol === "https:";
  } catch {
    return false;
  }
};
const text = (v: unknown, field: string, max: number): GraphError | undefined => {
  if (typeof v !== "string" || v === "") return bad(field, "must be a non-empty string");
  return [...v].length > max ? bad(field, `must be at most ${max} characters`) : undefined;
};

/** Shared shape rules of both properties: an array of per-locale objects, one of them `default`, no repeats. */
function checkLocales(list: unknown, field: ProfileField): GraphError | undefined {
  if (!Array.isArray(list) || list.length === 0) return bad(field, "must be a non-empty array");
  const seen = new Set<string>();
  for (const [i, entry] of list.entries()) {
    if (!isObj(entry)) {
      // The old flat `[{question, payload}]` ice breaker format "should not be used": refused here.
      return bad(`${field}[${i}]`, "must be an object with locale and call_to_actions");
    }
    if (typeof entry.locale !== "string" || !LOCALE.test(entry.locale)) {
      return bad(`${field}[${i}][locale]`, "must be default or a locale such as en_GB");
    }
    if (seen.has(entry.locale)) return bad(`${field}[${i}][locale]`, "is repeated");
    seen.add(entry.locale);
  }
  return seen.has("default") ? undefined : bad(field, "must include the default locale");
}

export function validateIceBreakers(list: unknown): GraphError | undefined {
  const locales = checkLocales(list, "ice_breakers");
  if (locales !== undefined) return locales;
  for (const [i, entry] of (list as Obj[]).entries()) {
    const f = `ice_breakers[${i}]`;
    const extra = Object.keys(entry).find((k) => k !== "locale" && k !== "call_to_actions");
    if (extra !== undefined) return bad(`${f}[${extra}]`, "is not a field of an ice breaker");
    const ctas = entry.call_to_actions;
    if (!Array.isArray(ctas) || ctas.length === 0)
      return bad(`${f}[call_to_actions]`, "must be a non-empty array");
    if (ctas.length > PROFILE_LIMITS.questions) {
      return bad(`${f}[call_to_actions]`, `must have at most ${PROFILE_LIMITS.questions} questions`);
    }
    for (const [j, q] of ctas.entries()) {
      const qf = `${f}[call_to_actions][${j}]`;
      if (!isObj(q)) return bad(qf, "must be {question, payload}");
      const problem = text(q.question, `${qf}[question]`, PROFILE_LIMITS.questionChars);
      if (problem !== undefined) return problem;
      if (typeof q.payload !== "string" || q.payload === "")
        return bad(`${qf}[payload]`, "must be a non-empty string");
    }
  }
  return undefined;
}

export function validatePersistentMenu(list: unknown): GraphError | undefined {
  const locales = checkLocales(list, "persistent_menu");
  if (locales !== undefined) return locales;
  for (const [i, entry] of (list as Obj[]).entries()) {
    const f = `persistent_menu[${i}]`;
    // Persistent menu page (IGL): composer_input_disabled is not available for Instagram.
    if ("composer_input_disabled" in entry)
      return bad(`${f}[composer_input_disabled]`, "is not available on Instagram");
    const items = entry.call_to_actions;
    if (!Array.isArray(items) || items.length === 0)
      return bad(`${f}[call_to_actions]`, "must be a non-empty array");
    if (items.length > PROFILE_LIMITS.menuItems) {
      return bad(`${f}[call_to_actions]`, `must have at most ${PROFILE_LIMITS.menuItems} items`);
    }
    for (const [j, item] of items.entries()) {
      const itf = `${f}[call_to_actions][${j}]`;
      if (!isObj(item)) return bad(itf, "must be a button");
      const title = text(item.title, `${itf}[title]`, PROFILE_LIMITS.menuTitleChars);
      if (title !== undefined) return title;
      if ("webview_height_ratio" in item)
        return bad(`${itf}[webview_height_ratio]`, "is not available on Instagram");
      if (item.type === "web_url") {
        if (!isHttps(item.url)) return bad(`${itf}[url]`, "must be an https URL");
      } else if (item.type === "postback") {
        if (typeof item.payload !== "string" || item.payload === "")
          return bad(`${itf}[payload]`, "must be a non-empty string");
      } else {
        return bad(`${itf}[type]`, "must be one of {web_url, postback}");
      }
    }
  }
  return undefined;
}

export function messengerProfileRoutes(ctx: SimContext) {
  const profiles = new Map<string, { ice_breakers?: unknown[]; persistent_menu?: unknown[] }>();

  function bodyOf(req: Req): Obj | undefined {
    if (req.form !== undefined) {
      const out: Obj = {};
      for (const [k, v] of req.form) out[k] = v.startsWith("[") || v.startsWith("{") ? JSON.parse(v) : v;
      return out;
    }
    if (req.raw.length === 0) return {};
    const parsed: unknown = JSON.parse(req.raw.toString("utf8"));
    return isObj(parsed) ? parsed : undefined;
  }

  function fieldsOf(raw: unknown): ProfileField[] | GraphError {
    const list = Array.isArray(raw) ? raw : typeof raw === "string" ? splitList(raw) : [];
    if (list.length === 0) return bad("fields", "is required");
    const badIndex = list.findIndex((f) => !(PROFILE_FIELDS as readonly unknown[]).includes(f));
    if (badIndex >= 0) return bad(`fields[${badIndex}]`, `must be one of {${PROFILE_FIELDS.join(", ")}}`);
    return list as ProfileField[];
  }

  async function messengerProfile(req: Req, id: string): Promise<Answer> {
    const auth = ctx.authenticate(req);
    if ("status" in auth) return auth;
    const igId = auth.account.igId;
    if (id !== "me" && id !== igId)
      return graph(GraphErrors.objectNotFound(id, req.method === "GET" ? "get" : "post"));
    return messengerProfileOf(req, igId, false);
  }

  /**
   * The profile of the Instagram account `igId` once the caller is known to speak for it: its own token on
   * graph.instagram.com, or its Page's token on graph.facebook.com (`onPage`), where every call names
   * `platform=instagram` (IB-IGM: POST and GET carry `?platform=instagram`; without it a Page call would address
   * the Page's Messenger profile, which is not simulated: 100).
   */
  async function messengerProfileOf(req: Req, igId: string, onPage: boolean): Promise<Answer> {
    const faulted = await ctx.applyFault(ctx.takeFault("messenger_profile", igId), igId);
    if (faulted !== undefined) return faulted;
    let body: Obj | undefined;
    try {
      body = bodyOf(req);
    } catch {
      return graph(GraphErrors.invalidParameter("Invalid JSON in request body"));
    }
    if (body === undefined) return graph(GraphErrors.invalidParameter("Invalid JSON in request body"));
    const profile = profiles.get(igId) ?? {};
    if (onPage && (body.platform ?? req.query.get("platform")) !== "instagram") {
      return graph(bad("platform", "must be instagram"));
    }

    if (req.method === "GET") {
      const fields = fieldsOf(req.query.get("fields"));
      if ("status" in fields) return graph(fields);
      // Ice breakers page: `fields=ice_breakers` answers the per-locale objects themselves under `data`.
      if (fields.length === 1 && fields[0] === "ice_breakers")
        return json(200, { data: profile.ice_breakers ?? [] });
      const held = Object.fromEntries(
        fields.filter((f) => profile[f] !== undefined).map((f) => [f, profile[f]]),
      );
      return json(200, { data: Object.keys(held).length === 0 ? [] : [held] });
    }

    if (req.method === "DELETE") {
      const fields = fieldsOf(body.fields ?? req.query.get("fields"));
      if ("status" in fields) return graph(fields);
      const next = { ...profile };
      for (const f of fields) delete next[f];
      profiles.set(igId, next);
      return json(200, { result: "success" });
    }

    // POST: the Instagram Login pages set `platform: instagram` in the body; the query form is accepted too.
    const platform = body.platform ?? req.query.get("platform");
    if (platform !== "instagram") return graph(bad("platform", "must be instagram"));
    const given = PROFILE_FIELDS.filter((f) => f in body);
    if (given.length === 0) return graph(bad("ice_breakers", "or persistent_menu is required"));
    const problem =
      (given.includes("ice_breakers") ? validateIceBreakers(body.ice_breakers) : undefined) ??
      (given.includes("persistent_menu") ? validatePersistentMenu(body.persistent_menu) : undefined);
    if (problem !== undefined) return graph(problem);
    // A POST replaces each property it names, as a whole; properties it does not name are kept.
    profiles.set(igId, {
      ...profile,
      ...Object.fromEntries(given.map((f) => [f, structuredClone(body[f]) as unknown[]])),
    });
    return json(200, { result: "success" });
  }

  const state = (igId: string): MessengerProfileState => structuredClone(profiles.get(igId) ?? {});

  /**
   * The customer taps an ice breaker question or a persistent menu postback item of the locale `locale`
   * (default `default`): a signed `postback` with `title` and `payload` and no `mid` (no message is answered).
   * Both open the standard window (persistent menu page: "the standard messaging window opens"; an ice breaker
   * starts the conversation).
   */
  async function tapProfile(input: {
    igAccountId?: string;
    igsid?: string;
    kind: "ice_breaker" | "menu";
    index: number;
    locale?: string;
  }): Promise<{ payload: object; delivery?: { status: number; body: string } }> {
    const igId = ctx.accountOrThrow(input.igAccountId).igId;
    const igsid = input.igsid ?? DEFAULT_CUSTOMER_IGSID;
    const profile = profiles.get(igId) ?? {};
    const list = (input.kind === "ice_breaker" ? profile.ice_breakers : profile.persistent_menu) as
      | Obj[]
      | undefined;
    const entry = list?.find((e) => e.locale === (input.locale ?? "default"));
    const item = (entry?.call_to_actions as Obj[] | undefined)?.[input.index];
    if (item === undefined || (input.kind === "menu" && item.type !== "postback")) {
      throw new Error(`No ${input.kind} postback ${input.index} set for ${igId}`);
    }
    const title = String(input.kind === "ice_breaker" ? item.question : item.title);
    const timestamp = ctx.now();
    const event: Payloads.MessagingEvent = {
      sender: { id: igsid },
      recipient: { id: igId },
      timestamp,
      postback: { title, payload: String(item.payload) },
    };
    const payload = Payloads.envelope(igId, timestamp + 589, event);
    ctx.openWindow(igId, igsid, timestamp);
    if (ctx.state.webhookUrl === undefined) return { payload };
    const body = ctx.otherOwner.has(ctx.windowKey(igId, igsid)) ? Payloads.asStandby(payload) : payload;
    return { payload, delivery: await ctx.deliver(body, { kind: "customer_message" }) };
  }

  return { messengerProfile, messengerProfileOf, state, tapProfile };
}
