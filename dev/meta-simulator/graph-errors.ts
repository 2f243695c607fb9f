import { newFbtraceId } from "./ids";

/** A Graph error as the simulator answers it: HTTP status plus the `{error:{…}}` envelope. */
export interface GraphError {
  readonly status: number;
  readonly body: {
    readonly error: {
      readonly message: string;
      readonly type: string;
      readonly code: number;
      readonly error_subcode?: number;
      readonly is_transient?: boolean;
      readonly fbtrace_id: string;
    };
  };
}

function graphError(
  status: number,
  code: number,
  message: string,
  extras: { subcode?: number; type?: string; isTransient?: boolean } = {},
): GraphError {
  return {
    status,
    body: {
      error: {
        message,
        type: extras.type ?? "OAuthException",
        ...(extras.isTransient === undefined ? {} : { is_transient: extras.isTransient }),
        code,
        ...(extras.subcode === undefined ? {} : { error_subcode: extras.subcode }),
        fbtrace_id: newFbtraceId(),
      },
    },
  };
}

/** The Graph error envelopes of shared/reference/graph-responses.md §3 (texts are illustrative there too). */
export const GraphErrors = {
  unsupportedGet: () =>
    graphError(400, 100, "Unsupported request - method type: get", { type: "IGApiException" }),
  unsupportedPost: () =>
    graphError(400, 100, "Unsupported request - method type: post", { type: "IGApiException" }),
  invalidParameter: (message: string) => graphError(400, 100, `(#100) ${message}`),
  invalidToken: () => graphError(400, 190, "Invalid OAuth 2.0 Access Token", { type: "IGApiException" }),
  cannotParseToken: () => graphError(400, 190, "Invalid OAuth access token - Cannot parse access token"),
  tokenExpired: () =>
    graphError(400, 190, "Error validating access token: Session has expired.", { subcode: 463 }),
  tokenInvalidated: () =>
    graphError(
      400,
      190,
      "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
      { subcode: 460 },
    ),
  tokenTooYoungToRefresh: () =>
    graphError(400, 190, "Error validating access token: The access token is less than 24 hours old."),
  clientSecretInvalid: () => graphError(400, 101, "Error validating client secret."),
  unsupportedGrantType: () =>
    graphError(400, 100, "(#100) Unsupported grant_type", { type: "IGApiException" }),
  windowClosed: () =>
    graphError(400, 10, "(#10) This message is sent outside of allowed window.", { subcode: 2534022 }),
  rateLimited: (code: number) => {
    const known: Record<number, { message: string; subcode?: number; isTransient?: boolean }> = {
      4: { message: "(#4) Application request limit reached", isTransient: true },
      17: { message: "(#17) User request limit reached", subcode: 2446079, isTransient: true },
      32: { message: "(#32) Page request limit reached" },
      613: { message: "(#613) Calls to this api have exceeded the rate limit.", subcode: 2534040 },
    };
    const account = code === 80001 ? "Page" : code === 80006 ? "Messenger" : "Instagram";
    const spec = known[code] ?? {
      message: `(#${code}) There have been too many calls to this ${account} account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.`,
    };
    return graphError(400, code, spec.message, { subcode: spec.subcode, isTransient: spec.isTransient });
  },
  transient: () =>
    graphError(500, 2, "An unexpected error has occurred. Please retry your request later.", {
      isTransient: true,
    }),
  serverError: () => graphError(500, 1, "An unknown error has occurred."),
  recipientUnavailable: () =>
    graphError(400, 551, "(#551) This person isn't available right now.", { subcode: 1545041 }),
  permissionMissing: () =>
    graphError(400, 200, "(#200) The account owner has disabled access to instagram direct messages", {
      subcode: 2534041,
    }),
  invalidJsonReply: () => graphError(500, 1, "(#1) Received invalid JSON reply.", { subcode: 1357046 }),
  textTooLong: (bytes: number, limit: number) =>
    graphError(
      400,
      100,
      `(#100) Length of param message[text] must be less than or equal to ${limit} bytes (UTF-8); got ${bytes}`,
    ),
  mediaUnreachable: () => graphError(400, 100, "(#100) Failed to fetch the file from the url"),
  mediaTooLarge: () => graphError(400, 100, "(#100) Attachment size exceeds allowable limit"),
  mediaUnsupported: (type: string) =>
    graphError(400, 100, `(#100) The attachment's format (${type}) is not supported for this type`),
  threadRateLimited: () => graphError(400, 613, "(#613) Calls to this api have exceeded the rate limit."),
  accountRestricted: () =>
    graphError(400, 10, "(#10) You are temporarily restricted from sending messages.", { subcode: 1893063 }),
  businessBlocked: () =>
    graphError(
      400,
      100,
      "(#100) The business has been blocked from sending messages via the IG Messaging API",
      {
        subcode: 2534029,
      },
    ),
  notThreadOwner: () =>
    graphError(400, 100, "(#100) The app is not the thread owner for this conversation.", {
      subcode: 2534037,
    }),
  userConsentRequired: () => graphError(400, 230, "(#230) User consent is required to access user profile"),
  conversationsRateLimited: () =>
    graphError(400, 613, "(#613) Calls to this api have exceeded the rate limit."),
  messageTooOld: () =>
    graphError(400, 100, "(#100) Only the 20 most recent messages of a conversation can be read.", {
      type: "IGApiException",
    }),
  objectNotFound: (id: string, verb: "get" | "post" = "post") =>
    graphError(
      400,
      100,
      `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      { subcode: 33, type: "IGApiException" },
    ),
} as const;

/** The IG OAuth error shape of api.instagram.com (`{error_type, code, error_message}`), not the Graph envelope. */
export function igOAuthError(message: string): { status: number; body: Record<string, unknown> } {
  return { status: 400, body: { error_type: "OAuthException", code: 400, error_message: message } };
}
