import { describe, expect, it } from "vitest";
import { AppError, ValidationError } from "../../lambdas/domain/errors";
import { answerHandshake } from "../../lambdas/domain/webhook/handshake";

const TOKEN = "my_verify_token_12345";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? error.code : "other";
  }
  return undefined;
}

describe("the webhook verification handshake", () => {
  it("returns exactly the challenge when mode is subscribe and the token matches", () => {
    expect(
      answerHandshake(
        { "hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444" },
        TOKEN,
      ),
    ).toBe("1158201444");
  });

  it("a wrong token is webhook.verify_token_mismatch (403)", () => {
    const query = { "hub.mode": "subscribe", "hub.verify_token": `${TOKEN}x`, "hub.challenge": "1" };
    expect(codeOf(() => answerHandshake(query, TOKEN))).toBe("webhook.verify_token_mismatch");
  });

  it.each([
    ["nothing", {}],
    ["no challenge", { "hub.mode": "subscribe", "hub.verify_token": TOKEN }],
    ["no token", { "hub.mode": "subscribe", "hub.challenge": "1" }],
    ["another mode", { "hub.mode": "unsubscribe", "hub.verify_token": TOKEN, "hub.challenge": "1" }],
    [
      "a challenge with markup",
      { "hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "<script>" },
    ],
    ["an empty challenge", { "hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "" }],
  ])("%s → request.invalid (400), naming fields and never echoing values", (_name, query) => {
    try {
      answerHandshake(query, TOKEN);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(JSON.stringify((error as ValidationError).extras)).not.toContain("script");
      expect(JSON.stringify((error as ValidationError).extras)).not.toContain(TOKEN);
    }
  });
});
