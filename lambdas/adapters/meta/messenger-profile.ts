import type { Integration } from "../../domain/integration";
import { metaTargetOf } from "../../domain/integration";
import type {
  IceBreakerLocale,
  MenuLocale,
  MessengerProfileApi,
  ProfileField,
  ProfileValue,
} from "../../domain/messenger-profile";
import type { MetaHosts } from "../../platform/runtime-config";
import { callFailure } from "./call-failure";
import { metaFetch } from "./graph-http";
import { graphNodeUrl } from "./graph-target";

/** The app waits on it; Meta's profile calls are small. */
export const MESSENGER_PROFILE_TIMEOUT_MS = 5_000;

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

/* Our shape ↔ Meta's (ice-breakers page: `{locale, call_to_actions: [{question, payload}]}`; persistent-menu
 * page: `{locale, call_to_actions: [{type, title, url | payload}]}`). */
const toMeta = {
  ice_breakers: (v: readonly IceBreakerLocale[]) =>
    v.map((e) => ({ locale: e.locale, call_to_actions: e.questions.map((q) => ({ ...q })) })),
  persistent_menu: (v: readonly MenuLocale[]) =>
    v.map((e) => ({ locale: e.locale, call_to_actions: e.items.map((i) => ({ ...i })) })),
};
const fromMeta = {
  ice_breakers: (held: Obj[]): IceBreakerLocale[] =>
    held.map((e) => ({
      locale: String(e.locale ?? "default"),
      questions: list(e.call_to_actions).map((q) => ({
        question: String(q.question),
        payload: String(q.payload),
      })),
    })),
  persistent_menu: (held: Obj[]): MenuLocale[] =>
    held.map((e) => ({
      locale: String(e.locale ?? "default"),
      items: list(e.call_to_actions).map((i) =>
        i.type === "web_url"
          ? { type: "web_url" as const, title: String(i.title), url: String(i.url) }
          : { type: "postback" as const, title: String(i.title), payload: String(i.payload) },
      ),
    })),
};

/**
 * Through a Page (Facebook Login) every call names `platform=instagram` (the Instagram Messaging ice-breakers page
 * puts it on the query of POST and GET), else it would address the Page's Messenger profile.
 */
function queryOf(integration: Integration, query: string | undefined): string {
  if (metaTargetOf(integration).host !== "facebook") return query ?? "";
  return query === undefined ? "?platform=instagram" : `${query}&platform=instagram`;
}

/**
 * `GET/POST <target>/messenger_profile` with the integration's own token (the account on graph.instagram.com,
 * or its Page on graph.facebook.com for Facebook Login). Failures are classified, never thrown.
 */
export function graphMessengerProfile(
  hosts: MetaHosts,
  accessToken: (integration: Integration) => string,
  timeoutMs = MESSENGER_PROFILE_TIMEOUT_MS,
): MessengerProfileApi {
  const call = (integration: Integration, init: RequestInit & { query?: string }) =>
    metaFetch(
      `${graphNodeUrl(hosts, metaTargetOf(integration), "messenger_profile")}${queryOf(integration, init.query)}`,
      {
        ...init,
        headers: {
          authorization: `Bearer ${accessToken(integration)}`,
          "content-type": "application/json",
        },
      },
      { timeoutMs },
    );
  return {
    async get<F extends ProfileField>(integration: Integration, field: F) {
      try {
        const answer = await call(integration, { method: "GET", query: `?fields=${field}` });
        const data = list((JSON.parse(answer.body) as Obj).data);
        // Ice breakers page: `fields=ice_breakers` answers the per-locale objects under `data`; the menu
        // answers `data: [{persistent_menu: [...]}]` (Messenger profile shape).
        const held = field === "ice_breakers" ? data : list(data[0]?.persistent_menu);
        return { ok: true as const, value: fromMeta[field](held) as unknown as ProfileValue<F> };
      } catch (error) {
        return callFailure(error);
      }
    },
    async set<F extends ProfileField>(integration: Integration, field: F, value: ProfileValue<F>) {
      const meta =
        field === "ice_breakers"
          ? toMeta.ice_breakers(value as readonly IceBreakerLocale[])
          : toMeta.persistent_menu(value as readonly MenuLocale[]);
      try {
        await call(integration, {
          method: "POST",
          // The Instagram Login pages set `platform: instagram` in the body.
          body: JSON.stringify({ platform: "instagram", [field]: meta }),
        });
        return { ok: true as const };
      } catch (error) {
        return callFailure(error);
      }
    },
    async clear(integration: Integration, field: ProfileField) {
      try {
        await call(integration, { method: "DELETE", body: JSON.stringify({ fields: [field] }) });
        return { ok: true as const };
      } catch (error) {
        return callFailure(error);
      }
    },
  };
}
