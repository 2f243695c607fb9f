import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetaApiError, parseMetaError, parseMetaJson } from "../../lambdas/adapters/meta/graph-http";
import {
  classifyMetaError,
  type MetaErrorClass,
  parseBusinessUseCaseUsage,
} from "../../lambdas/domain/meta-errors";
import { maskSecrets } from "../../lambdas/platform/redaction";

/** Every error body of shared/reference/graph-responses.md §3 (and §1.2), with the class it must get. */
const REFERENCE_EXAMPLES: [string, number, string, MetaErrorClass][] = [
  [
    "window 10/2534022",
    400,
    '{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2534022,"fbtrace_id":"AStq3fiOLUwQmLeR2zufwl8"}}',
    "window_closed",
  ],
  [
    "window 10/2018278",
    400,
    '{"error":{"message":"(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"AY2WVWHnATriHmaVXOEpLJ0"}}',
    "window_closed",
  ],
  [
    "rate 4",
    400,
    '{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","is_transient":true,"code":4,"fbtrace_id":"AqrqKdHsF0qHM3XlSd-D9i_"}}',
    "rate_limited",
  ],
  [
    "rate 17",
    400,
    '{"error":{"message":"(#17) User request limit reached","type":"OAuthException","is_transient":true,"code":17,"error_subcode":2446079,"fbtrace_id":"AMEeq6iTqTfibBb5z6_aBfC"}}',
    "rate_limited",
  ],
  [
    "rate 32",
    400,
    '{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32,"fbtrace_id":"Fz54k3GZrio"}}',
    "rate_limited",
  ],
  [
    "rate 613/2534040",
    400,
    '{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"error_subcode":2534040,"fbtrace_id":"At3xq6KceMheFYV_rKSteQV"}}',
    "rate_limited",
  ],
  [
    "rate 613/2018338",
    400,
    '{"error":{"message":"You are engaging in behavior that may be considered bothersome","type":"OAuthException","code":613,"error_subcode":2018338,"fbtrace_id":"At3xq6KceMheFYV_rKSteQV"}}',
    "rate_limited",
  ],
  [
    "rate 80001",
    400,
    '{"error":{"message":"(#80001) There have been too many calls to this Page account.","type":"OAuthException","code":80001,"fbtrace_id":"AmFGcW_3hwDB7qFbl_QdebZ"}}',
    "rate_limited",
  ],
  [
    "rate 80002",
    400,
    '{"error":{"message":"(#80002) There have been too many calls to this Instagram account.","type":"OAuthException","code":80002,"fbtrace_id":"Az1HwG9kX0HM9awdGDwcuCM"}}',
    "rate_limited",
  ],
  [
    "rate 80006",
    400,
    '{"error":{"message":"(#80006) There have been too many calls.","type":"OAuthException","code":80006,"fbtrace_id":"Az1HwG9kX0HM9awdGDwcuCM"}}',
    "rate_limited",
  ],
  [
    "token 190/463",
    400,
    '{"error":{"message":"Error validating access token: Session has expired on Tuesday, 10-Mar-26 07:00:00 PDT. The current time is Tuesday, 10-Mar-26 08:12:41 PDT.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AGPYTZuHVvat77J9OwPsgZt"}}',
    "token_invalid",
  ],
  [
    "token 190/460",
    400,
    '{"error":{"message":"Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"A7BpYQ2OQBilCFXuF0DRkxh"}}',
    "token_invalid",
  ],
  [
    "token 190/467",
    400,
    '{"error":{"message":"Error validating access token: The session is invalid because the user logged out.","type":"OAuthException","code":190,"error_subcode":467,"fbtrace_id":"Ahl8WBH4Rax23OJvs9Vr947"}}',
    "token_invalid",
  ],
  [
    "token 190 cannot parse",
    400,
    '{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"fbtrace_id":"Ax6-M57m9e6ypS-bW3Ohzqp"}}',
    "token_invalid",
  ],
  [
    "token 190 IGApiException",
    401,
    '{"error":{"message":"Invalid OAuth 2.0 Access Token","type":"IGApiException","code":190,"fbtrace_id":"A2aoqyrCGcShfzeyCABax7H"}}',
    "token_invalid",
  ],
  [
    "permission 10",
    403,
    '{"error":{"message":"(#10) Application does not have permission for this action","type":"OAuthException","code":10,"fbtrace_id":"A8TUSRFLc5nvfBZKVRx8QM9"}}',
    "permission_missing",
  ],
  [
    "permission 200/2534041",
    400,
    '{"error":{"message":"(#200) The account owner has disabled access to instagram direct messages","type":"OAuthException","code":200,"error_subcode":2534041,"fbtrace_id":"A_b8dGlQnd2VawVTURIOHXv"}}',
    "permission_missing",
  ],
  [
    "permission 200/2018028",
    400,
    '{"error":{"message":"(#200) Cannot message users who are not admins, developers or testers of the app until pages_messaging permission is reviewed and the app is live.","type":"OAuthException","code":200,"error_subcode":2018028,"fbtrace_id":"AZQf4G9SBSqfPDA28uSwNcc"}}',
    "permission_missing",
  ],
  [
    "permission 3",
    400,
    '{"error":{"message":"Application does not have the capability to make this API call.","type":"IGApiException","code":3,"fbtrace_id":"AStq3fiOLUwQmLeR2zufwl8"}}',
    "permission_missing",
  ],
  [
    "recipient 100/2534014",
    400,
    '{"error":{"message":"(#100) No matching Instagram user","type":"OAuthException","code":100,"error_subcode":2534014,"fbtrace_id":"AY2WVWHnATriHmaVXOEpLJ0"}}',
    "recipient_unavailable",
  ],
  [
    "recipient 551/1545041",
    400,
    '{"error":{"message":"(#551) This person isn\'t available right now.","type":"OAuthException","code":551,"error_subcode":1545041,"fbtrace_id":"AqrqKdHsF0qHM3XlSd-D9i_"}}',
    "recipient_unavailable",
  ],
  [
    "recipient 200/1545041",
    400,
    '{"error":{"message":"(#200) This person isn\'t available right now.","type":"OAuthException","code":200,"error_subcode":1545041,"fbtrace_id":"AqrqKdHsF0qHM3XlSd-D9i_"}}',
    "recipient_unavailable",
  ],
  [
    "business blocked 100/2534029",
    400,
    '{"error":{"message":"(#100) The business has been blocked from sending messages via the IG Messaging API","type":"OAuthException","code":100,"error_subcode":2534029,"fbtrace_id":"AMEeq6iTqTfibBb5z6_aBfC"}}',
    "account_restricted",
  ],
  [
    "business restricted 10/1893063",
    400,
    '{"error":{"message":"(#10) You are temporarily restricted from sending messages.","type":"OAuthException","code":10,"error_subcode":1893063,"fbtrace_id":"At3xq6KceMheFYV_rKSteQV"}}',
    "account_restricted",
  ],
  [
    "not the thread owner 100/2534037",
    400,
    '{"error":{"message":"(#100) The app is not the thread owner","type":"OAuthException","code":100,"error_subcode":2534037,"fbtrace_id":"AbCdq6KceMheFYV_rKSteQV"}}',
    "not_thread_owner",
  ],
  [
    "invalid JSON reply 1/1357046",
    500,
    '{"error":{"message":"Received invalid JSON reply.","type":"OAuthException","code":1,"error_subcode":1357046,"fbtrace_id":"Az1HwG9kX0HM9awdGDwcuCM"}}',
    "sent_but_unconfirmed",
  ],
  [
    "transient 2",
    500,
    '{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","is_transient":true,"code":2,"fbtrace_id":"Az1HwG9kX0HM9awdGDwcuCM"}}',
    "transient",
  ],
  [
    "unknown 1",
    500,
    '{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,"fbtrace_id":"Az1HwG9kX0HM9awdGDwcuCM"}}',
    "transient",
  ],
  [
    "unsupported get (bug #1 symptom)",
    400,
    '{"error":{"message":"Unsupported request - method type: get","type":"IGApiException","code":100,"fbtrace_id":"AbC"}}',
    "invalid_request",
  ],
  [
    "reused FB code 100/36009",
    400,
    '{"error":{"message":"This authorization code has been used.","type":"OAuthException","code":100,"error_subcode":36009,"fbtrace_id":"AZQf4G9SBSqfPDA28uSwNcc"}}',
    "invalid_request",
  ],
];

describe("classifyMetaError on every reference example (parsed from the raw body)", () => {
  it.each(REFERENCE_EXAMPLES)("%s", (_label, status, body, expected) => {
    const error = parseMetaError(status, body);
    expect(error).toBeInstanceOf(MetaApiError);
    if (error === undefined) return;
    expect(classifyMetaError(error)).toBe(expected);
  });

  it("branches on codes, not messages: the same message with another code classifies differently", () => {
    const message = "(#10) This message is sent outside of allowed window.";
    expect(classifyMetaError({ code: 10, subcode: 2534022 })).toBe("window_closed");
    expect(parseMetaError(400, JSON.stringify({ error: { message, code: 613 } }))?.code).toBe(613);
    expect(classifyMetaError({ code: 613 })).toBe("rate_limited");
  });

  it("1545041 is recipient unavailable, never a window closure", () => {
    expect(classifyMetaError({ code: 551, subcode: 1545041 })).toBe("recipient_unavailable");
    expect(classifyMetaError({ code: 10, subcode: 1545041 })).toBe("recipient_unavailable");
  });

  it("HTTP 5xx without a Meta code is transient; is_transient on an unknown code is transient", () => {
    expect(classifyMetaError({ httpStatus: 502 })).toBe("transient");
    expect(classifyMetaError({ code: 99999, isTransient: true })).toBe("transient");
    expect(classifyMetaError({ code: 99999, httpStatus: 400 })).toBe("unknown");
  });
});

describe("classifyMetaError properties", () => {
  const facts = fc.record(
    {
      code: fc.oneof(
        fc.constantFrom(1, 2, 3, 4, 10, 17, 32, 100, 190, 200, 551, 613, 80001, 80002, 80006),
        fc.nat(),
      ),
      subcode: fc.oneof(
        fc.constantFrom(1357046, 2534022, 2018278, 1545041, 2534014, 2534029, 1893063),
        fc.nat(),
      ),
      isTransient: fc.boolean(),
      httpStatus: fc.constantFrom(200, 400, 401, 403, 500, 503),
    },
    { requiredKeys: [] },
  );

  it("rate-limit codes are rate_limited whatever else the error says", () => {
    fc.assert(
      fc.property(facts, fc.constantFrom(4, 17, 32, 613, 80001, 80002, 80006), (f, code) => {
        expect(classifyMetaError({ ...f, code })).toBe("rate_limited");
      }),
    );
  });

  it("190 is always token_invalid; 1/1357046 is always sent_but_unconfirmed", () => {
    fc.assert(
      fc.property(facts, (f) => {
        expect(classifyMetaError({ ...f, code: 190 })).toBe("token_invalid");
        expect(classifyMetaError({ ...f, code: 1, subcode: 1357046 })).toBe("sent_but_unconfirmed");
      }),
    );
  });
});

describe("parseMetaError", () => {
  it("reads the Graph envelope's fields", () => {
    const error = parseMetaError(
      400,
      '{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"error_subcode":2534040,"is_transient":false,"fbtrace_id":"At3xq6KceMheFYV_rKSteQV"}}',
    );
    expect(error).toMatchObject({
      httpStatus: 400,
      code: 613,
      subcode: 2534040,
      type: "OAuthException",
      fbtraceId: "At3xq6KceMheFYV_rKSteQV",
      isTransient: false,
    });
    expect(error?.message).toContain("613/2534040");
    expect(error?.message).toContain("At3xq6KceMheFYV_rKSteQV");
  });

  it("reads the api.instagram.com OAuth shape", () => {
    const error = parseMetaError(
      400,
      '{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}',
    );
    expect(error).toMatchObject({ httpStatus: 400, code: 400, type: "OAuthException", subcode: undefined });
    expect(error?.metaMessage).toBe("Matching code was not found or was already used");
  });

  it("a 2xx without an error envelope is not an error; a 2xx with one is; a non-JSON 5xx is", () => {
    expect(parseMetaError(200, '{"success":true}')).toBeUndefined();
    expect(parseMetaError(200, '{"error":{"code":2,"message":"x"}}')?.code).toBe(2);
    const html = parseMetaError(502, "<html>Bad gateway</html>");
    expect(html).toMatchObject({ httpStatus: 502, code: undefined });
    if (html !== undefined) expect(classifyMetaError(html)).toBe("transient");
  });

  it("masks tokens and secrets that a message might echo", () => {
    const token = `IGAA${"x".repeat(150)}ZDZD`;
    const error = parseMetaError(
      400,
      JSON.stringify({
        error: { message: `bad token ${token} at /me?access_token=${token}&client_secret=s3cr3t`, code: 190 },
      }),
    );
    expect(error?.message).not.toContain(token.slice(4, 40));
    expect(error?.message).not.toContain("s3cr3t");
    expect(maskSecrets("https://x/y?a=1&access_token=abc&client_secret=def")).toBe(
      "https://x/y?a=1&access_token=***&client_secret=***",
    );
  });
});

describe("parseMetaJson keeps big ids exact", () => {
  it("the observed numeric user_id survives as its exact decimal string", () => {
    const body =
      '{"access_token":"IGAAx","user_id":26913384755103422,"permissions":["a"],"expires_in":5183944}';
    expect(String(JSON.parse(body).user_id)).not.toBe("26913384755103422");
    expect(parseMetaJson(body)).toEqual({
      access_token: "IGAAx",
      user_id: "26913384755103422",
      permissions: ["a"],
      expires_in: 5183944,
    });
  });
});

describe("parseBusinessUseCaseUsage", () => {
  it("takes the maximum over every key and entry", () => {
    expect(
      parseBusinessUseCaseUsage(
        '{"17841462871093525":[{"type":"instagram","call_count":12,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":0}],"104982763519285":[{"type":"pages","call_count":100,"total_cputime":21,"total_time":24,"estimated_time_to_regain_access":19}]}',
      ),
    ).toEqual({ maxCallCountPercent: 100, regainAccessMinutes: 19 });
  });

  it("absent or malformed means no hint", () => {
    expect(parseBusinessUseCaseUsage(null)).toBeUndefined();
    expect(parseBusinessUseCaseUsage("not json")).toBeUndefined();
    expect(parseBusinessUseCaseUsage("{}")).toBeUndefined();
  });
});
