import { describe, expect, it } from "vitest";
import { messageObject } from "../../lambdas/adapters/meta/message-body";
import { disconnect } from "../../lambdas/domain/connect/lifecycle";
import type { InstagramLogin, IntegrationStore } from "../../lambdas/domain/connect/ports";
import { type AppError, ValidationError } from "../../lambdas/domain/errors";
import type { Integration } from "../../lambdas/domain/integration";
import {
  ATTACHMENT_ID_LIFETIME_MS,
  type AttachmentDeps,
  type SavedAttachment,
  savedAttachmentFor,
  type UploadResult,
  uploadAttachment,
} from "../../lambdas/domain/outbound/attachments";
import { richLimitErrors } from "../../lambdas/domain/outbound/rich";
import type { TokenKeys } from "../../lambdas/domain/token-seal";

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const SEALED = { keyId: "k", iv: "iv", ciphertext: "c", tag: "t" };
const PAGE = { id: "104982763519285", name: "Riviera" };

function integration(overrides: Partial<Integration> = {}): Integration {
  return {
    imoId: "org",
    userId: "user",
    igAccountId: "17841400000000001",
    appScopedUserId: "9",
    username: "riviera",
    status: "connected",
    loginFlavour: "facebook",
    page: PAGE,
    token: SEALED,
    tokenIssuedAt: NOW,
    connectedAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

const saved = (overrides: Partial<SavedAttachment> = {}): SavedAttachment => ({
  imoId: "org",
  igAccountId: "17841400000000001",
  pageId: PAGE.id,
  attachmentId: "1700000000000001",
  type: "image",
  url: "https://cdn.example/a.jpg",
  createdAt: NOW - 1000,
  expiresAt: NOW - 1000 + ATTACHMENT_ID_LIFETIME_MS,
  ...overrides,
});

async function fieldOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error.fields[0]?.field;
    throw error;
  }
}

describe("an attachmentId at accept", () => {
  const check = (
    stored: SavedAttachment | undefined,
    ref = { type: "image" as const, attachmentId: "1700000000000001" },
    now = NOW,
  ) =>
    savedAttachmentFor(integration(), ref, "body.attachments.0", {
      store: { get: async () => stored },
      now: () => now,
    });

  it("is the stored attachment when it is this account's, its Page's, of the type and not expired", async () => {
    await expect(check(saved())).resolves.toMatchObject({
      attachmentId: "1700000000000001",
      url: "https://cdn.example/a.jpg",
    });
  });

  it("is refused naming the field when unknown, issued to another Page (a reconnect to another Page), expired or of another type", async () => {
    expect(await fieldOf(check(undefined))).toBe("body.attachments.0.attachmentId");
    expect(await fieldOf(check(saved({ pageId: "999" })))).toBe("body.attachments.0.attachmentId");
    expect(await fieldOf(check(saved(), undefined, NOW + ATTACHMENT_ID_LIFETIME_MS))).toBe(
      "body.attachments.0.attachmentId",
    );
    expect(await fieldOf(check(saved(), { type: "video", attachmentId: "1700000000000001" } as never))).toBe(
      "body.attachments.0.type",
    );
  });

  it("goes alone: with other media it is refused at the limits check", () => {
    expect(
      richLimitErrors({
        attachments: [
          { type: "image", url: "https://cdn.example/b.jpg" },
          { type: "image", attachmentId: "1700000000000001" },
        ],
      }).map((e) => e.field),
    ).toEqual(["body.attachments.1.attachmentId"]);
  });

  it("is sent as Meta's documented body: the type with payload.attachment_id", () => {
    expect(
      messageObject({
        savedAttachment: { type: "file", attachmentId: "17", url: "https://cdn.example/t.pdf" },
      }),
    ).toEqual({ attachment: { type: "file", payload: { attachment_id: "17" } } });
  });
});

describe("uploadAttachment", () => {
  function deps(result: UploadResult, current = integration()) {
    const stored: SavedAttachment[] = [];
    const d: AttachmentDeps = {
      integrations: { get: async () => current },
      store: { put: async (a) => void stored.push(a), get: async () => undefined, removeAll: async () => 0 },
      uploadsFor: (i) => (i.loginFlavour === "facebook" ? { upload: async () => result } : undefined),
      now: () => NOW,
    };
    return { d, stored };
  }
  const media = { type: "image" as const, url: "https://cdn.example/a.jpg" };
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: AppError) => e.code,
    );

  it("stores Meta's id with its Page and expiry", async () => {
    const { d, stored } = deps({ ok: true, attachmentId: "42" });
    await expect(uploadAttachment({ imoId: "org", userId: "user" }, media, d)).resolves.toEqual({
      attachmentId: "42",
      type: "image",
      createdAt: NOW,
      expiresAt: NOW + ATTACHMENT_ID_LIFETIME_MS,
    });
    expect(stored).toEqual([
      expect.objectContaining({ attachmentId: "42", pageId: PAGE.id, igAccountId: "17841400000000001" }),
    ]);
  });

  it("maps Meta's refusals and stores nothing", async () => {
    for (const [kind, code] of [
      ["invalid_request", "attachments.upload_refused"],
      ["permission_missing", "attachments.upload_refused"],
      ["token_invalid", "integration.needs_reauth"],
      ["transient", "dependency.unavailable"],
      ["rate_limited", "dependency.unavailable"],
    ] as const) {
      const { d, stored } = deps({ ok: false, kind });
      expect(await codeOf(uploadAttachment({ imoId: "org", userId: "user" }, media, d))).toBe(code);
      expect(stored).toEqual([]);
    }
  });

  it("Instagram Login: 409 unsupported; needs_reauth and revoked as for sending", async () => {
    const tenant = { imoId: "org", userId: "user" };
    const ok = { ok: true as const, attachmentId: "1" };
    expect(
      await codeOf(
        uploadAttachment(
          tenant,
          media,
          deps(ok, integration({ loginFlavour: "instagram", page: undefined })).d,
        ),
      ),
    ).toBe("attachments.unsupported_for_login_flavour");
    expect(
      await codeOf(uploadAttachment(tenant, media, deps(ok, integration({ status: "needs_reauth" })).d)),
    ).toBe("integration.needs_reauth");
    expect(
      await codeOf(uploadAttachment(tenant, media, deps(ok, integration({ status: "revoked" })).d)),
    ).toBe("integration.not_connected");
  });
});

describe("disconnect cleanup", () => {
  function store(current: Integration, others: Integration[] = []): IntegrationStore {
    return {
      get: async () => current,
      save: async () => "saved",
      findByAccount: async () => [current, ...others],
    } as unknown as IntegrationStore;
  }
  const base = {
    login: { unsubscribe: async () => undefined } as unknown as InstagramLogin,
    keys: { current: { keyId: "k", key: Buffer.alloc(32) }, all: [] } as unknown as TokenKeys,
    now: () => NOW,
    onSecret: () => undefined,
  };

  it("a profile removal that throws or is refused never fails the disconnect; ids are removed either way", async () => {
    const removed: string[] = [];
    const attachments = {
      removeAll: async (imoId: string) => {
        removed.push(imoId);
        return 3;
      },
    };
    const thrown = await disconnect(
      { imoId: "org", userId: "user" },
      {
        ...base,
        store: store(integration()),
        attachments,
        profile: { clear: async () => Promise.reject(new Error("down")) },
      },
    );
    expect(thrown).toMatchObject({ disconnected: true, profile: { failed: "ice_breakers" }, attachments: 3 });
    const refused = await disconnect(
      { imoId: "org", userId: "user" },
      {
        ...base,
        store: store(integration()),
        attachments,
        profile: { clear: async () => ({ ok: false, kind: "transient" }) },
      },
    );
    expect(refused).toMatchObject({ disconnected: true, profile: { failed: "ice_breakers: transient" } });
    expect(removed).toEqual(["org", "org"]);
  });

  it("skips the profile while another organisation still has the account", async () => {
    const cleared: string[] = [];
    const result = await disconnect(
      { imoId: "org", userId: "user" },
      {
        ...base,
        store: store(integration(), [
          integration({ imoId: "other", loginFlavour: "instagram", page: undefined }),
        ]),
        profile: {
          clear: async (_i, field) => {
            cleared.push(field);
            return { ok: true };
          },
        },
      },
    );
    expect(result.profile).toBe("skipped");
    expect(cleared).toEqual([]);
  });
});
