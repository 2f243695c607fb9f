import type { SenderActions } from "../../domain/inbox/sender-actions";
import { registerSecretValue } from "../../platform/redaction";
import type { MetaHosts } from "../../platform/runtime-config";
import { callFailure } from "./call-failure";
import { metaFetch } from "./graph-http";
import { graphNodeUrl } from "./graph-target";

/** Short: a typing indicator or read mark that takes longer is worth nothing, and the app waits on it. */
export const SENDER_ACTION_TIMEOUT_MS = 3_000;

/**
 * `POST /<IG_ID>/messages` with `sender_action` (typing_on, typing_off, mark_seen, react, unreact): not a message, so it never
 * counts against the send cap. Failures are classified, never thrown.
 */
export function graphSenderActions(hosts: MetaHosts, timeoutMs = SENDER_ACTION_TIMEOUT_MS): SenderActions {
  return {
    async act({ igAccountId, accessToken, target, recipientId, action, reactTo }) {
      registerSecretValue(accessToken);
      const url = graphNodeUrl(hosts, target ?? { host: "instagram", nodeId: igAccountId }, "messages");
      try {
        await metaFetch(
          url,
          {
            method: "POST",
            headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
            body: JSON.stringify({
              recipient: { id: recipientId },
              sender_action: action,
              // Sender-actions page: react/unreact name the message by `payload.message_id` (react adds `reaction`).
              ...(reactTo === undefined
                ? {}
                : {
                    payload: {
                      message_id: reactTo.mid,
                      ...(reactTo.reaction === undefined ? {} : { reaction: reactTo.reaction }),
                    },
                  }),
            }),
          },
          { timeoutMs },
        );
        return { ok: true };
      } catch (error) {
        return callFailure(error);
      }
    },
  };
}
