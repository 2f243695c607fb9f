import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import {
  compileRoutes,
  type IncomingRequest,
  isTextContentType,
  matchRoute,
  requestTime,
  toHttpEvent,
} from "../../dev/local-server/api-gateway";
import { settingsFrom } from "../../dev/local-server/settings";
import { succeededRecords, toSqsEvent } from "../../dev/local-server/sqs-event-source";
import { Routes } from "../../lambdas/contract/routes";

const routes = compileRoutes(Routes);

function request(overrides: Partial<IncomingRequest> & { url: string }): IncomingRequest {
  return {
    method: "GET",
    headers: { host: "localhost:3000" },
    body: Buffer.alloc(0),
    sourceIp: "127.0.0.1",
    protocol: "HTTP/1.1",
    ...overrides,
  };
}

describe("local mode route table", () => {
  it("matches every declared route by method and template, and nothing else", () => {
    for (const route of Routes) {
      const path = route.path.replace(/\{[^}]+\}/g, "1234567890123456789");
      expect(matchRoute(routes, route.method, path)?.route.declaration).toBe(route);
    }
    expect(matchRoute(routes, "PUT", "/instagram/webhook")).toBeUndefined();
    expect(matchRoute(routes, "GET", "/instagram/messages/abc/extra")).toBeUndefined();
    expect(matchRoute(routes, "GET", "/instagram/messages/")).toBeUndefined();
    expect(matchRoute(routes, "GET", "/instagram/webhook/")).toBeUndefined();
  });

  it("decodes path parameters as the HTTP API does", () => {
    const match = matchRoute(routes, "GET", "/instagram/conversations/1784_3416%2Fx/messages");
    expect(match?.pathParameters).toEqual({ conversationId: "1784_3416/x" });
    expect(match?.route.routeKey).toBe("GET /instagram/conversations/{conversationId}/messages");
  });
});

describe("API Gateway payload 2.0 events", () => {
  const webhook = (method: string, path: string) => {
    const match = matchRoute(routes, method, path);
    if (!match) throw new Error(`no route ${method} ${path}`);
    return match;
  };

  it("lowercases headers, joins repeats with commas and moves cookies out of the headers", () => {
    const event = toHttpEvent(
      request({
        url: "/instagram/webhook?hub.mode=subscribe",
        headers: {
          Host: "localhost:3000",
          "X-Custom": ["a", "b"],
          cookie: "a=1; b=2",
          "User-Agent": "curl/8",
        },
      }),
      webhook("GET", "/instagram/webhook"),
      undefined,
    );
    expect(event.headers).toEqual({ host: "localhost:3000", "x-custom": "a,b", "user-agent": "curl/8" });
    expect(event.cookies).toEqual(["a=1", "b=2"]);
    expect(event.requestContext.http.userAgent).toBe("curl/8");
  });

  it("keeps the raw query string byte for byte and joins repeated parameters", () => {
    const raw = "hub.mode=subscribe&hub.challenge=12%2034&tag=a&tag=b";
    const event = toHttpEvent(
      request({ url: `/instagram/webhook?${raw}` }),
      webhook("GET", "/instagram/webhook"),
      undefined,
    );
    expect(event.rawPath).toBe("/instagram/webhook");
    expect(event.rawQueryString).toBe(raw);
    expect(event.queryStringParameters).toEqual({
      "hub.mode": "subscribe",
      "hub.challenge": "12 34",
      tag: "a,b",
    });
    expect(event.routeKey).toBe("GET /instagram/webhook");
    expect(event.requestContext.routeKey).toBe("GET /instagram/webhook");
  });

  it("omits the query, path parameters and body when there are none", () => {
    const event = toHttpEvent(
      request({ url: "/instagram/webhook" }),
      webhook("GET", "/instagram/webhook"),
      undefined,
    );
    expect(event).not.toHaveProperty("queryStringParameters");
    expect(event).not.toHaveProperty("pathParameters");
    expect(event).not.toHaveProperty("body");
    expect(event).not.toHaveProperty("cookies");
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext).not.toHaveProperty("authorizer");
  });

  it("passes JSON as text and form and binary bodies base64-encoded", () => {
    const json = '{"object":"instagram","entry":[{"id":"17841462871093525"}]}';
    const asJson = toHttpEvent(
      request({
        method: "POST",
        url: "/instagram/webhook",
        headers: { "content-type": "application/json" },
        body: Buffer.from(json),
      }),
      webhook("POST", "/instagram/webhook"),
      undefined,
    );
    expect(asJson.body).toBe(json);
    expect(asJson.isBase64Encoded).toBe(false);

    const form = "signed_request=abc.def&x=%C3%A9";
    const asForm = toHttpEvent(
      request({
        method: "POST",
        url: "/instagram/deauthorize",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: Buffer.from(form),
      }),
      webhook("POST", "/instagram/deauthorize"),
      undefined,
    );
    expect(asForm.isBase64Encoded).toBe(true);
    expect(Buffer.from(asForm.body ?? "", "base64").toString("utf8")).toBe(form);

    const bytes = Buffer.from([0, 255, 128, 10]);
    const untyped = toHttpEvent(
      request({ method: "POST", url: "/instagram/webhook", body: bytes }),
      webhook("POST", "/instagram/webhook"),
      undefined,
    );
    expect(untyped.isBase64Encoded).toBe(true);
    expect(Buffer.from(untyped.body ?? "", "base64").equals(bytes)).toBe(true);
  });

  it("classifies content types like the HTTP API", () => {
    for (const type of [
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/problem+json",
      "application/xml",
    ]) {
      expect(isTextContentType(type), type).toBe(true);
    }
    for (const type of [
      undefined,
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "image/png",
      "application/octet-stream",
    ]) {
      expect(isTextContentType(type), String(type)).toBe(false);
    }
  });

  it("puts verified claims where the JWT authorizer puts them and fills the request context", () => {
    const now = new Date(Date.UTC(2026, 10, 5, 7, 8, 9));
    const event = toHttpEvent(
      request({ method: "GET", url: "/instagram/messages/m-1" }),
      webhook("GET", "/instagram/messages/m-1"),
      { sub: "user-1", imo_id: "imo-1", exp: "1795600000" },
      now,
    );
    expect(event.pathParameters).toEqual({ messageId: "m-1" });
    expect(event.requestContext.authorizer?.jwt).toEqual({
      claims: { sub: "user-1", imo_id: "imo-1", exp: "1795600000" },
      scopes: null,
    });
    expect(event.requestContext).toMatchObject({
      http: { method: "GET", path: "/instagram/messages/m-1", protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
      stage: "$default",
      time: "05/Nov/2026:07:08:09 +0000",
      timeEpoch: now.getTime(),
      domainName: "localhost",
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestTime(new Date(Date.UTC(2027, 0, 31, 23, 59, 0)))).toBe("31/Jan/2027:23:59:00 +0000");
  });
});

describe("SQS event source (Lambda's partial batch response)", () => {
  const messages: Message[] = ["a", "b", "c"].map((id, index) => ({
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: `{"messageId":"${id}"}`,
    MD5OfBody: "md5",
    Attributes: {
      ApproximateReceiveCount: String(index + 1),
      SentTimestamp: "1795600000000",
      MessageGroupId: "17841462871093525_3416870925138842",
      MessageDeduplicationId: id,
      SequenceNumber: `1000${index}`,
    },
    MessageAttributes: { kind: { DataType: "String", StringValue: "send" } },
  }));
  const event = toSqsEvent(messages, "arn:aws:sqs:us-east-1:000000000000:outbound.fifo", "us-east-1");
  const ids = (records: { messageId: string }[]) => records.map((record) => record.messageId);

  it("builds records like the event source mapping", () => {
    expect(event.Records[1]).toEqual({
      messageId: "b",
      receiptHandle: "rh-b",
      body: '{"messageId":"b"}',
      attributes: expect.objectContaining({
        ApproximateReceiveCount: "2",
        SentTimestamp: "1795600000000",
        MessageGroupId: "17841462871093525_3416870925138842",
        MessageDeduplicationId: "b",
        SequenceNumber: "10001",
      }),
      messageAttributes: {
        kind: { stringValue: "send", stringListValues: [], binaryListValues: [], dataType: "String" },
      },
      md5OfBody: "md5",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:outbound.fifo",
      awsRegion: "us-east-1",
    });
  });

  it("deletes every record on success or an empty failure list", () => {
    expect(ids(succeededRecords(event.Records, { result: undefined }))).toEqual(["a", "b", "c"]);
    expect(ids(succeededRecords(event.Records, { result: { batchItemFailures: [] } }))).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("keeps exactly the reported failures", () => {
    const result = { batchItemFailures: [{ itemIdentifier: "b" }, { itemIdentifier: "c" }] };
    expect(ids(succeededRecords(event.Records, { result }))).toEqual(["a"]);
  });

  it("fails the whole batch on a thrown error or a malformed failure entry", () => {
    expect(succeededRecords(event.Records, { error: new Error("boom") })).toEqual([]);
    expect(
      succeededRecords(event.Records, { result: { batchItemFailures: [{ itemIdentifier: "" }] } }),
    ).toEqual([]);
    expect(
      succeededRecords(event.Records, { result: { batchItemFailures: [{ itemIdentifier: "zzz" }] } }),
    ).toEqual([]);
    expect(succeededRecords(event.Records, { result: { batchItemFailures: [{}] } })).toEqual([]);
  });
});

describe("local mode settings", () => {
  it("defaults to port 3000, the simulator, in-memory data and .local", () => {
    const settings = settingsFrom([], {}, "/repo");
    expect(settings).toMatchObject({
      port: 3000,
      metaMode: "simulator",
      persist: false,
      stateDir: "/repo/.local",
    });
    expect(settings.persistPath).toBe("/repo/.local/dynamodb");
  });

  it("turns the simulator off for META_MODE=real or any configured Meta host, naming the hosts in use", () => {
    const real = settingsFrom([], { META_MODE: "real" }, "/repo");
    expect(real.metaMode).toBe("real");
    expect(real.metaHosts).toEqual({
      oauth: "https://www.instagram.com",
      api: "https://api.instagram.com",
      graph: "https://graph.instagram.com",
    });
    const custom = settingsFrom([], { INSTAGRAM_GRAPH_URL: "https://graph.example.test" }, "/repo");
    expect(custom.metaMode).toBe("custom");
    expect(custom.metaHosts).toEqual({
      oauth: "https://www.instagram.com",
      api: "https://api.instagram.com",
      graph: "https://graph.example.test",
    });
    expect(
      settingsFrom([], { META_MODE: "real", INSTAGRAM_OAUTH_URL: "https://oauth.example.test" }, "/repo")
        .metaMode,
    ).toBe("custom");
    expect(() =>
      settingsFrom([], { META_MODE: "simulator", INSTAGRAM_API_URL: "https://x.test" }, "/repo"),
    ).toThrow(/conflicts/);
    expect(() => settingsFrom([], { META_MODE: "fake" }, "/repo")).toThrow(/META_MODE/);
  });

  it("persists with --persist or LOCAL_PERSIST=1 and rejects bad ports and unknown flags", () => {
    expect(settingsFrom(["--persist"], {}, "/repo").persist).toBe(true);
    expect(settingsFrom([], { LOCAL_PERSIST: "1" }, "/repo").persist).toBe(true);
    expect(() => settingsFrom([], { PORT: "http" }, "/repo")).toThrow(/PORT must be a TCP port/);
    expect(() => settingsFrom(["--persit"], {}, "/repo")).toThrow(/Unknown argument --persit/);
  });
});
