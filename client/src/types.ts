import type { components } from "./generated/openapi";

/** The API's bodies by name, as docs/openapi.json declares them. */
export type Schemas = components["schemas"];

export type OAuthInitRequest = Schemas["OAuthInitRequest"];
export type OAuthInitResponse = Schemas["OAuthInitResponse"];
export type Integration = Schemas["Integration"];
export type HistoryImport = Schemas["HistoryImport"];
/** `POST /instagram/oauth/complete`: the connected integration, or (Facebook flavour) the Pages to choose from. */
export type OAuthCompleteResult = Schemas["OAuthCompleteResult"];
export type ConversationSummary = Schemas["ConversationSummary"];
export type ConversationsPage = Schemas["ConversationsPage"];
export type ConversationReadRequest = Schemas["ConversationReadRequest"];
export type Message = Schemas["Message"];
export type MessagesPage = Schemas["MessagesPage"];
export type MessageSendRequest = Schemas["MessageSendRequest"];
export type MessageAccepted = Schemas["MessageAccepted"];
export type MessageStatus = Schemas["MessageStatus"];
export type MessageReactionRequest = Schemas["MessageReactionRequest"];
export type RichMessage = Schemas["RichMessage"];
/** Ice breakers / persistent menu per locale, as Meta holds them (`GET`/`PUT /instagram/integration/...`). */
export type IceBreakers = Schemas["IceBreakers"];
export type PersistentMenu = Schemas["PersistentMenu"];
export type Problem = Schemas["Problem"];
/** Every stable error code the API answers with (docs/app-api.md). */
export type ProblemCode = Problem["code"];
