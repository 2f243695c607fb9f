// The README's ten-line example, compiled by `npm run typecheck` so the README stays true.
import { createInstagramDmClient, InstagramDmError } from "@instagram-dm/client";

declare const session: { jwt: string };

const dm = createInstagramDmClient({ baseUrl: "https://api.example.com", getToken: () => session.jwt });
const { authorizationUrl } = await dm.startConnect({ returnTo: "https://app.example.com/" }); // send the user there
for await (const conversation of dm.conversations()) {
  if (conversation.window.state !== "open") continue;
  const { messageId } = await dm.sendMessage({ conversationId: conversation.conversationId, text: "Hi!" });
  console.log((await dm.getMessage(messageId)).status); // queued, then sending → sent, or failed
}
await dm.getMessage("m-404").catch((e) => e instanceof InstagramDmError && console.log(e.code)); // resource.not_found

export { authorizationUrl };
