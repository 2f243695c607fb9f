/**
 * A sample app on the client, and the client's type test: `npm run typecheck` compiles this file, so a route
 * whose body or response changes (and whose types are regenerated with `npm run openapi`) breaks the build
 * here, where an app would break, instead of at run time. It reads and writes the fields an app relies on.
 */
import {
  createInstagramDmClient,
  InstagramDmError,
  type MessageStatus,
  type ProblemCode,
} from "@instagram-dm/client";

const dm = createInstagramDmClient({
  baseUrl: "http://localhost:3000",
  getToken: async () => "the signed-in user's JWT",
});

/** Sends the user to Instagram's consent page, and back to the app afterwards. */
export async function connectUrl(returnTo: string): Promise<string> {
  const { authorizationUrl, expiresAt }: { authorizationUrl: string; expiresAt: string } =
    await dm.startConnect({ returnTo });
  return `${authorizationUrl}#expires=${expiresAt}`;
}

/**
 * On the returnTo page: finishes the connect with the ticket the callback put on the URL. A Facebook-flavour
 * ticket with several Pages asks which one; `pick` chooses (the ticket waits, for this user only, until it expires).
 */
export async function finishConnect(
  landingUrl: string,
  pick: (pages: { pageId: string; pageName: string; username: string }[]) => Promise<string> = async (
    pages,
  ) => pages[0]?.pageId ?? "",
): Promise<string | undefined> {
  const ticket = new URL(landingUrl).searchParams.get("connect_ticket");
  if (ticket === null) return undefined;
  let result = await dm.completeConnect(ticket);
  if ("choosePage" in result) result = await dm.completeConnect(ticket, await pick(result.choosePage));
  return "choosePage" in result ? undefined : result.username;
}

/** One line per conversation: who, whether a reply can still go out, the last message. */
export async function inboxLines(): Promise<string[]> {
  const integration = await dm.getIntegration();
  if (integration.status === "none") return [];
  const lines: string[] = [`@${integration.username} (${integration.accountType})`];
  for await (const conversation of dm.conversations({ limit: 50 })) {
    const open: boolean = conversation.window.state === "open";
    const closesAt: string | undefined = conversation.window.closesAt;
    const igsid: string = conversation.participant.igsid;
    const unread: number = conversation.unreadCount;
    lines.push(`${igsid} ${open ? `open until ${closesAt}` : "closed"} ${unread} unread`);
    for await (const message of dm.messages(conversation.conversationId, { limit: 20 })) {
      const who: "inbound" | "outbound" = message.direction;
      const text: string | undefined = message.text;
      lines.push(`  ${who} ${message.sentAt} ${text ?? message.type}`);
    }
  }
  return lines;
}

/** Replies in a conversation and waits for the outcome; a refused send names its reason. */
export async function reply(conversationId: string, text: string): Promise<MessageStatus | ProblemCode> {
  try {
    const { messageId, status }: { messageId: string; status: MessageStatus["status"] } =
      await dm.sendMessage({ conversationId, text });
    let current = await dm.getMessage(messageId);
    while (status === "queued" && (current.status === "queued" || current.status === "sending")) {
      current = await dm.getMessage(messageId);
    }
    const reason: string | undefined = current.failureReason;
    return reason === undefined ? current : { ...current, failureReason: current.failureReason };
  } catch (error) {
    if (error instanceof InstagramDmError && error.code === "send.window_closed") return error.code;
    throw error;
  }
}

/** Sends an image to a customer by id, with the app's own idempotency key (safe to call again). */
export async function sendImage(recipientId: string, url: string, key: string): Promise<string> {
  const accepted = await dm.sendMessage(
    { recipientId, attachment: { type: "image", url } },
    { idempotencyKey: key },
  );
  return accepted.messageId;
}

export async function disconnect(): Promise<void> {
  await dm.disconnect();
}
