import { parseConversationId } from "../conversation";
import type { Tenant } from "../tenant";
import type { AcceptDeps, SendMessageInput } from "./accept";
import type { AcceptView } from "./ports";

/**
 * The integration, the Idempotency-Key's record and the named conversation, in one request when `deps.reads`
 * is wired (a `recipientId` names no account: its conversation is read once the integration says which).
 */
export async function acceptView(
  tenant: Tenant,
  input: SendMessageInput,
  idempotencyKey: string | undefined,
  deps: AcceptDeps,
): Promise<AcceptView> {
  if (deps.reads === undefined) {
    // Port by port, the key first: a replay answers without reading anything else.
    const idempotency =
      idempotencyKey === undefined
        ? undefined
        : await deps.store.idempotency(tenant.imoId, tenant.userId, idempotencyKey);
    if (idempotency !== undefined) return { idempotency };
    const integration = await deps.integrations.get(tenant.imoId, tenant.userId);
    return integration === undefined ? {} : { integration };
  }
  const conversation =
    input.conversationId === undefined ? undefined : parseConversationId(input.conversationId);
  return deps.reads.read(tenant.imoId, tenant.userId, {
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(conversation === undefined ? {} : { conversation }),
  });
}
