import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphConversationsApi } from "../../lambdas/adapters/meta/conversations-api";
import { graphUserProfile } from "../../lambdas/adapters/meta/user-profile";
import type { MetaHosts } from "../../lambdas/platform/runtime-config";

/**
 * Reads of a Facebook Login integration (a Page token) must go to graph.facebook.com and hang the conversation
 * list off the Page, as the Messenger Platform documents; an Instagram Login one stays on graph.instagram.com.
 * Two tiny HTTP servers stand in for the two hosts and record what reached them (the simulator serves these
 * reads for Instagram Login only).
 */
interface Seen {
  readonly host: "instagram" | "facebook";
  readonly path: string;
  readonly auth: string | undefined;
}

const seen: Seen[] = [];
const servers: Server[] = [];
let hosts: MetaHosts;

function host(name: Seen["host"]): Promise<string> {
  const server = createServer((req, res) => {
    seen.push({ host: name, path: req.url ?? "", auth: req.headers.authorization });
    res.setHeader("content-type", "application/json");
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.endsWith("/conversations")) res.end(JSON.stringify({ data: [] }));
    else res.end(JSON.stringify({ name: "Ana", username: "ana.nails" }));
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

beforeAll(async () => {
  const [instagram, facebook] = await Promise.all([host("instagram"), host("facebook")]);
  hosts = {
    oauthUrl: instagram,
    apiUrl: instagram,
    graphUrl: instagram,
    graphVersion: "v23.0",
    facebookGraphUrl: facebook,
  };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe("per-integration reads follow the integration's Meta target", () => {
  it("the conversation list: the account on graph.instagram.com, or the Page on graph.facebook.com", async () => {
    seen.length = 0;
    const api = graphConversationsApi(hosts);
    await api.listConversations({ igAccountId: "17841400000000001", accessToken: "IGtoken", limit: 10 });
    await api.listConversations({
      igAccountId: "17841400000000001",
      accessToken: "EAApagetoken",
      target: { host: "facebook", nodeId: "1029384756" },
      limit: 10,
    });
    expect(seen.map(({ host, path, auth }) => ({ host, path: path.split("?")[0], auth }))).toEqual([
      { host: "instagram", path: "/v23.0/17841400000000001/conversations", auth: "Bearer IGtoken" },
      { host: "facebook", path: "/v23.0/1029384756/conversations", auth: "Bearer EAApagetoken" },
    ]);
    expect(seen[1]?.path).toContain("platform=instagram");
  });

  it("a customer's profile: the same IGSID node, on the integration's host with its token", async () => {
    seen.length = 0;
    const api = graphUserProfile(hosts);
    const ig = await api.fetch({ igsid: "3416870925138842", accessToken: "IGtoken" });
    const fb = await api.fetch({
      igsid: "3416870925138842",
      accessToken: "EAApagetoken",
      target: { host: "facebook", nodeId: "1029384756" },
    });
    expect(ig.ok && fb.ok).toBe(true);
    expect(seen.map(({ host, path }) => `${host} ${path.split("?")[0]}`)).toEqual([
      "instagram /v23.0/3416870925138842",
      "facebook /v23.0/3416870925138842",
    ]);
  });
});
