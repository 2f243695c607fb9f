import * as z from "zod";
import type { HandlerName } from "../routes";
import { problems, type ResponseSpec } from "./common";
import type { RouteSchema } from "./index";

/*
 * Ice breakers and the persistent menu (issue 16): shapes here; counts, lengths (code points) and locales are
 * checked against the one limits module (lambdas/domain/messenger-profile.ts), each refusal naming its field.
 */
const HttpsUrl = z.url({ protocol: /^https$/ }).max(2048);
const Locale = z.string().describe("`default` (required once) or a Meta locale such as `en_GB`");

export const IceBreakersBody = z
  .strictObject({
    iceBreakers: z
      .array(
        z.strictObject({
          locale: Locale,
          questions: z
            .array(
              z.strictObject({
                question: z.string().min(1).describe("At most 80 characters"),
                payload: z.string().min(1).describe("Sent back in the postback when tapped"),
              }),
            )
            .min(1)
            .describe("At most 4 questions (Meta's ice breakers page)"),
        }),
      )
      .min(1),
  })
  .meta({ id: "IceBreakers" });

export const MenuBody = z
  .strictObject({
    menu: z
      .array(
        z.strictObject({
          locale: Locale,
          items: z
            .array(
              z.discriminatedUnion("type", [
                z.strictObject({
                  type: z.literal("postback"),
                  title: z.string().min(1),
                  payload: z.string().min(1),
                }),
                z.strictObject({ type: z.literal("web_url"), title: z.string().min(1), url: HttpsUrl }),
              ]),
            )
            .min(1)
            .describe("At most 20 items; titles at most 30 characters"),
        }),
      )
      .min(1),
  })
  .meta({ id: "PersistentMenu" });

const json = (description: string, schema: ResponseSpec["schema"]): ResponseSpec => ({
  description,
  contentType: "application/json",
  ...(schema === undefined ? {} : { schema }),
});
const failures = problems(
  "auth.unauthorized",
  "integration.not_connected",
  "integration.needs_reauth",
  "dependency.unavailable",
);
const putFailures = problems("request.invalid", "request.unsupported_media_type");

export const messengerProfileRouteSchemas = {
  "ice-breakers-get": {
    summary: "The account's ice breakers, as Meta holds them",
    description:
      "Read from Meta's messenger_profile with the integration's token (not a copy of ours); `iceBreakers: []` when none are set.",
    responses: { 200: json("The ice breakers per locale", IceBreakersBody), ...failures },
  },
  "ice-breakers-put": {
    summary: "Replace the account's ice breakers",
    description:
      "Applied through Meta's messenger_profile (replaces them as a whole) and answered as Meta then holds them. Over a documented limit (4 questions per locale, 80-character questions, a `default` locale, no repeated locale): 400 naming the field, nothing sent to Meta.",
    body: { contentType: "application/json", schema: IceBreakersBody },
    responses: { 200: json("The ice breakers Meta now holds", IceBreakersBody), ...failures, ...putFailures },
  },
  "menu-get": {
    summary: "The account's persistent menu, as Meta holds it",
    description:
      "Read from Meta's messenger_profile with the integration's token; `menu: []` when none is set.",
    responses: { 200: json("The persistent menu per locale", MenuBody), ...failures },
  },
  "menu-put": {
    summary: "Replace the account's persistent menu",
    description:
      "Applied through Meta's messenger_profile and answered as Meta then holds it. Over a documented limit (20 items per locale, 30-character titles, https URLs, a `default` locale): 400 naming the field, nothing sent to Meta.",
    body: { contentType: "application/json", schema: MenuBody },
    responses: { 200: json("The persistent menu Meta now holds", MenuBody), ...failures, ...putFailures },
  },
  "ice-breakers-delete": {
    summary: "Remove the account's ice breakers at Meta",
    description:
      "Meta's `DELETE messenger_profile` with `fields: [ice_breakers]`; the persistent menu is kept.",
    responses: { 204: { description: "Removed at Meta" }, ...failures },
  },
  "menu-delete": {
    summary: "Remove the account's persistent menu at Meta",
    description:
      "Meta's `DELETE messenger_profile` with `fields: [persistent_menu]`; the ice breakers are kept.",
    responses: { 204: { description: "Removed at Meta" }, ...failures },
  },
} satisfies Partial<Record<HandlerName, RouteSchema>>;
