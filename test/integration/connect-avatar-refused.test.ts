import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILE_FIELDS } from "../../dev/meta-simulator/model";
import { IntegrationView } from "../../lambdas/contract/api/integration";
import { ACCOUNTS, expectConnected, startConnectHarness } from "../support/connect-harness";

/**
 * The fault: Meta answers `/me?fields=profile_picture_url` with "Unsupported request" (code 100), as the setup
 * guide observed (its bug #1). The guarantee: the connect completes all the same, and no avatar is invented.
 * Its own file: handlers bind to one simulator per test file (connect-avatar.test.ts has the happy path).
 */
type Harness = Awaited<ReturnType<typeof startConnectHarness>>;

describe("when Meta refuses profile_picture_url for this login (the setup guide's observation)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startConnectHarness(
      {},
      { sim: { profileFields: PROFILE_FIELDS.filter((field) => field !== "profile_picture_url") } },
    );
  });
  afterAll(() => h.stop());

  it("the connect still completes, with no avatar invented", async () => {
    const who = { imoId: "org-no-avatar", userId: "user-no-avatar" };
    const result = await h.connect(who);
    expect(result.headers?.location ?? "", "landed on").not.toContain("instagram=error");
    expectConnected(result);
    const view = IntegrationView.parse((await h.getIntegration(who)).body);
    expect(view.status).toBe("connected");
    expect(view.username).toBe(ACCOUNTS.riviera.username);
    expect(view).not.toHaveProperty("profilePictureUrl");
    expect(await h.storedIntegration(who)).not.toHaveProperty("profilePictureUrl");
  });
});
