import type { OutboundMessage, OutboundRef, SendReads, SendView } from "../../domain/outbound/ports";
import { batchGet, type Found, type ItemKey } from "./batch-get";
import type { DynamoAccess } from "./capacity";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { outboundFromItem } from "./outbound-item";
import { anchorsFromItem } from "./outbound-lookups";
import { limiterFromItem } from "./send-limiter";

/** Whose message it is, where it goes: the keys a send decision reads besides the message. */
interface Subject {
  readonly imoId: string;
  readonly userId: string;
  readonly igAccountId: string;
  readonly igsid: string;
}

const subjectKeys = (s: Subject): ItemKey[] => [
  Keys.integration(s.imoId, s.userId),
  Keys.conversation(s.imoId, s.igAccountId, s.igsid),
  Keys.sendLimiter(s.igAccountId),
];

function viewOf(message: OutboundMessage, found: Found): SendView {
  const integration = found.get(Keys.integration(message.imoId, message.userId));
  return {
    message,
    ...(integration === undefined ? {} : { integration: integrationFromItem(integration) }),
    anchors: anchorsFromItem(found.get(Keys.conversation(message.imoId, message.igAccountId, message.igsid))),
    accountLimiter: limiterFromItem(found.get(Keys.sendLimiter(message.igAccountId))),
  };
}

const UNKNOWN: SendView = { anchors: {}, accountLimiter: { state: { runs: [] } } };

/**
 * The sender's reads as one strongly consistent BatchGetItem: the message, its integration, its conversation
 * (reply-window anchors) and the account's limiter. The queue record names the keys; the
 * message item stays the truth: if it names others (it never should), those are read from its own. A record
 * without the keys (queued before they were added) reads the message first: two requests.
 */
export function dynamoSendReads(access: DynamoAccess): SendReads {
  return {
    async view(ref: OutboundRef) {
      const messageKey = Keys.message(ref.imoId, ref.messageId);
      const { userId, igAccountId, igsid } = ref;
      const named =
        userId !== undefined && igAccountId !== undefined && igsid !== undefined
          ? { imoId: ref.imoId, userId, igAccountId, igsid }
          : undefined;
      const found = await batchGet(access, [messageKey, ...(named === undefined ? [] : subjectKeys(named))]);
      const item = found.get(messageKey);
      const message = item === undefined ? undefined : outboundFromItem(item);
      if (message === undefined) return UNKNOWN;
      const same =
        named !== undefined &&
        message.userId === named.userId &&
        message.igAccountId === named.igAccountId &&
        message.igsid === named.igsid;
      return viewOf(message, same ? found : await batchGet(access, subjectKeys(message)));
    },
  };
}
