import { EMPTY_LIMITER } from "./limiter";
import type { OutboundRef, SendView } from "./ports";
import type { SenderDeps } from "./send";

/**
 * What one send decision reads: through `deps.reads` in one request when wired (DynamoDB: one BatchGetItem),
 * else port by port (message first, then the rest, which its keys name).
 */
export async function sendView(ref: OutboundRef, deps: SenderDeps): Promise<SendView> {
  if (deps.reads !== undefined) return deps.reads.view(ref);
  const message = await deps.store.get(ref);
  if (message === undefined) return { anchors: {}, accountLimiter: { state: EMPTY_LIMITER } };
  const [integration, anchors, accountState] = await Promise.all([
    deps.integrations.get(message.imoId, message.userId),
    deps.conversations.anchors(message.imoId, message.igAccountId, message.igsid),
    deps.limiter.state(message.igAccountId),
  ]);
  return {
    message,
    ...(integration === undefined ? {} : { integration }),
    anchors,
    // No version from a port read: the reservation reads the limiter itself.
    accountLimiter: { state: accountState },
  };
}
