import { AppError, type FieldError, ValidationError } from "./errors";
import type { Integration } from "./integration";
import type { MetaErrorClass } from "./meta-errors";
import type { Tenant } from "./tenant";

/*
 * Ice breakers and the persistent menu (issue 16): set and read through Meta's messenger_profile endpoint, the
 * ONE place their limits live. Each number names its Meta page; the simulator (dev/meta-simulator/
 * messenger-profile.ts, rows R16–R22 in docs/meta-simulator.md) enforces the same numbers from the same
 * citations. Where Meta documents no number the stricter reading is taken: refusing can only send less.
 * Lengths count code points (Meta's "characters").
 */
export const PROFILE_LIMITS = {
  /** Ice breakers page (Instagram Login): "A maximum of 4 questions can be set" (R16). */
  questions: 4,
  /** Not documented: question length; 80 chosen, as the simulator (R17). */
  questionChars: 80,
  /** Messenger persistent menu page: "up to 20 buttons in the call_to_actions array" (R19). */
  menuItems: 20,
  /** Not documented for Instagram: menu item title length; 30 chosen, as the simulator. */
  menuTitleChars: 30,
  /** Messenger postback payload: "1000 character limit" (not on the Instagram pages). */
  payloadChars: 1000,
} as const;

/** `default` or a Meta locale such as `en_GB` (ice breakers / persistent menu pages; the list is linked there). */
export const PROFILE_LOCALE = /^(default|[a-z]{2}_[A-Z]{2})$/;

export interface IceBreakerLocale {
  readonly locale: string;
  readonly questions: readonly { readonly question: string; readonly payload: string }[];
}

export type MenuItem =
  | { readonly type: "postback"; readonly title: string; readonly payload: string }
  | { readonly type: "web_url"; readonly title: string; readonly url: string };

export interface MenuLocale {
  readonly locale: string;
  readonly items: readonly MenuItem[];
}

export type ProfileField = "ice_breakers" | "persistent_menu";
export type ProfileValue<F extends ProfileField> = F extends "ice_breakers"
  ? readonly IceBreakerLocale[]
  : readonly MenuLocale[];

/** Meta's messenger_profile for one integration (its target host and node, its own token). */
export interface MessengerProfileApi {
  get<F extends ProfileField>(
    integration: Integration,
    field: F,
  ): Promise<{ ok: true; value: ProfileValue<F> } | { ok: false; kind: MetaErrorClass }>;
  set<F extends ProfileField>(
    integration: Integration,
    field: F,
    value: ProfileValue<F>,
  ): Promise<{ ok: true } | { ok: false; kind: MetaErrorClass }>;
  clear(
    integration: Integration,
    field: ProfileField,
  ): Promise<{ ok: true } | { ok: false; kind: MetaErrorClass }>;
}

export interface MessengerProfileDeps {
  readonly integrations: { get(imoId: string, userId: string): Promise<Integration | undefined> };
  readonly meta: MessengerProfileApi;
}

const chars = (s: string) => [...s].length;
const tooLong = (field: string, value: string, max: number): FieldError[] =>
  chars(value) > max ? [{ field, message: `At most ${max} characters` }] : [];

function localeErrors(field: string, list: readonly { readonly locale: string }[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const [i, { locale }] of list.entries()) {
    if (!PROFILE_LOCALE.test(locale))
      errors.push({ field: `${field}.${i}.locale`, message: "default or a locale such as en_GB" });
    if (seen.has(locale)) errors.push({ field: `${field}.${i}.locale`, message: "Repeated locale" });
    seen.add(locale);
  }
  // Ice breakers and persistent menu pages: the list must include the `default` locale.
  if (!seen.has("default")) errors.push({ field, message: "Must include the default locale" });
  return errors;
}

export function iceBreakerErrors(list: readonly IceBreakerLocale[]): FieldError[] {
  const errors = localeErrors("body.iceBreakers", list);
  for (const [i, entry] of list.entries()) {
    const at = `body.iceBreakers.${i}.questions`;
    if (entry.questions.length > PROFILE_LIMITS.questions)
      errors.push({ field: at, message: `At most ${PROFILE_LIMITS.questions} questions` });
    for (const [j, q] of entry.questions.entries()) {
      errors.push(...tooLong(`${at}.${j}.question`, q.question, PROFILE_LIMITS.questionChars));
      errors.push(...tooLong(`${at}.${j}.payload`, q.payload, PROFILE_LIMITS.payloadChars));
    }
  }
  return errors;
}

export function menuErrors(list: readonly MenuLocale[]): FieldError[] {
  const errors = localeErrors("body.menu", list);
  for (const [i, entry] of list.entries()) {
    const at = `body.menu.${i}.items`;
    if (entry.items.length > PROFILE_LIMITS.menuItems)
      errors.push({ field: at, message: `At most ${PROFILE_LIMITS.menuItems} items` });
    for (const [j, item] of entry.items.entries()) {
      errors.push(...tooLong(`${at}.${j}.title`, item.title, PROFILE_LIMITS.menuTitleChars));
      if (item.type === "postback")
        errors.push(...tooLong(`${at}.${j}.payload`, item.payload, PROFILE_LIMITS.payloadChars));
    }
  }
  return errors;
}

/** The caller's integration if Meta can be asked with its token; otherwise the same 409s as other routes. */
async function connected(deps: MessengerProfileDeps, tenant: Tenant): Promise<Integration> {
  const integration = await deps.integrations.get(tenant.imoId, tenant.userId);
  if (integration === undefined || integration.status === "revoked") {
    throw new AppError("integration.not_connected", "Connect an Instagram account first.");
  }
  if (integration.status !== "connected" || integration.token === undefined) {
    throw new AppError("integration.needs_reauth", "Reconnect the Instagram account first.");
  }
  return integration;
}

/** A Meta refusal as the app error sender actions use: a refused token is 409 reauth, the rest 503. */
function refused(kind: MetaErrorClass): AppError {
  if (kind === "token_invalid")
    return new AppError("integration.needs_reauth", "Meta refused the account's token; reconnect it.");
  return new AppError("dependency.unavailable", "Instagram did not answer as expected; retry later.");
}

/** What Meta holds now for the caller's account (read from Meta, never a copy of ours). */
export async function readProfile<F extends ProfileField>(
  deps: MessengerProfileDeps,
  tenant: Tenant,
  field: F,
): Promise<ProfileValue<F>> {
  const result = await deps.meta.get(await connected(deps, tenant), field);
  if (!result.ok) throw refused(result.kind);
  return result.value;
}

/**
 * Replaces the property at Meta as a whole (Meta's POST replaces each property it names), then answers what
 * Meta holds. Over a documented limit: 400 naming every field, and nothing is sent to Meta.
 */
export async function writeProfile<F extends ProfileField>(
  deps: MessengerProfileDeps,
  tenant: Tenant,
  field: F,
  value: ProfileValue<F>,
): Promise<ProfileValue<F>> {
  const errors =
    field === "ice_breakers"
      ? iceBreakerErrors(value as readonly IceBreakerLocale[])
      : menuErrors(value as readonly MenuLocale[]);
  if (errors.length > 0) throw new ValidationError(errors);
  const integration = await connected(deps, tenant);
  const result = await deps.meta.set(integration, field, value);
  if (!result.ok) throw refused(result.kind);
  return readProfile(deps, tenant, field);
}

/** Removes the property at Meta (ice-breakers page: `DELETE messenger_profile` with `fields`); the other is kept. */
export async function clearProfile(
  deps: MessengerProfileDeps,
  tenant: Tenant,
  field: ProfileField,
): Promise<void> {
  const result = await deps.meta.clear(await connected(deps, tenant), field);
  if (!result.ok) throw refused(result.kind);
}
