/**
 * Key shapes of every entity in the single table. docs/data-model.md lists the access patterns they serve.
 * Ids from Meta are decimal strings and stay strings; `#` never occurs in them.
 */
export const Keys = {
  /** The integration of one app user in one organisation (uniqueness rule 1: one per user + org). */
  integration: (imoId: string, userId: string) => ({ pk: `ORG#${imoId}`, sk: `USER#${userId}` }),
  /** Claim of an Instagram account within an organisation (uniqueness rule 2: one per account + org). */
  accountClaim: (imoId: string, igAccountId: string) => ({
    pk: `ORG#${imoId}`,
    sk: `ACCOUNT#${igAccountId}`,
  }),
  /** gsi1 on integrations: every organisation's integration of an Instagram account (webhook routing). */
  integrationsByAccount: (igAccountId: string) => ({ gsi1pk: `ACCOUNT#${igAccountId}` }),
  /** gsi2 on integrations: by the app-scoped Instagram user id (deauthorize, data deletion). */
  integrationsByAppUser: (appScopedUserId: string) => ({ gsi2pk: `APPUSER#${appScopedUserId}` }),
  /** gsi3 on integrations: by token expiry, for the scheduled refresh. */
  tokenExpiryPartition: () => ({ gsi3pk: "TOKEN_EXPIRY" }),
  oauthState: (state: string) => ({ pk: `OAUTH_STATE#${state}`, sk: "STATE" }),
  /** A connect completion ticket, by the hash of the ticket (the ticket itself is never stored). */
  connectTicket: (ticketHash: string) => ({ pk: `CONNECT_TICKET#${ticketHash}`, sk: "TICKET" }),
  /** A conversation: one Instagram account and one customer (IGSID), within an organisation. */
  conversation: (imoId: string, igAccountId: string, igsid: string) => ({
    pk: `CONV#${imoId}#${igAccountId}#${igsid}`,
    sk: "CONV",
  }),
  /** gsi1 on conversations: an organisation's inbox for one account, ordered by last activity. */
  inbox: (imoId: string, igAccountId: string) => ({ gsi1pk: `INBOX#${imoId}#${igAccountId}` }),
  /** A message by its id: Meta's `mid` for inbound and echoes, our id for messages sent through the API. */
  message: (imoId: string, messageId: string) => ({ pk: `MSG#${imoId}#${messageId}`, sk: "MSG" }),
  /** gsi1 on messages: a conversation's messages ordered by time. */
  conversationMessages: (imoId: string, igAccountId: string, igsid: string) => ({
    gsi1pk: `CONV#${imoId}#${igAccountId}#${igsid}`,
  }),
  /** Points Meta's `mid` of a message we sent at our message id, so its echo is matched, not stored twice. */
  sentMid: (imoId: string, mid: string) => ({ pk: `MID#${imoId}#${mid}`, sk: "MID" }),
  idempotencyKey: (imoId: string, userId: string, key: string) => ({
    pk: `IDEMPOTENCY#${imoId}#${userId}#${key}`,
    sk: "KEY",
  }),
  /** Send-cap bookkeeping for one Instagram account. */
  sendLimiter: (igAccountId: string) => ({ pk: `LIMITER#${igAccountId}`, sk: "LIMITER" }),
  /**
   * One of the ids Meta may name a person by (app-scoped `/me.id`, account `/me.user_id`, token exchange `user_id`)
   * → an (organisation, account) it was ever connected to. Data deletion and deauthorize find the person with
   * one Query per id; a replaced integration leaves its link behind, so its data is still found.
   */
  personLink: (personId: string, imoId: string, igAccountId: string) => ({
    pk: `PERSON#${personId}`,
    sk: `LINK#${igAccountId}#ORG#${imoId}`,
  }),
  personLinks: (personId: string) => ({ pk: `PERSON#${personId}` }),
  /** gsi2 on pending message items: an organisation's pending edits/reactions for one account (erasure). */
  pendingByAccount: (imoId: string, igAccountId: string) => ({ gsi2pk: `PENDING#${imoId}#${igAccountId}` }),
  /** The history import job of one account, on the organisation's partition beside its integrations. */
  historyJob: (imoId: string, igAccountId: string) => ({ pk: `ORG#${imoId}`, sk: `HISTORY#${igAccountId}` }),
  /** A media uploaded once at Meta (attachment upload) and reusable by its id, per organisation and account. */
  savedAttachment: (imoId: string, igAccountId: string, attachmentId: string) => ({
    pk: `ATTACH#${imoId}#${igAccountId}`,
    sk: `ATT#${attachmentId}`,
  }),
  savedAttachments: (imoId: string, igAccountId: string) => ({ pk: `ATTACH#${imoId}#${igAccountId}` }),
  dataDeletion: (confirmationCode: string) => ({ pk: `DELETION#${confirmationCode}`, sk: "DELETION" }),
} as const;
