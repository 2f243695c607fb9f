/**
 * Runs the Meta simulator on its own: `npx tsx dev/meta-simulator/main.ts`.
 * Settings from env: META_SIM_PORT (default 4610), META_SIM_APP_ID, META_SIM_APP_SECRET (default: the fake
 * values of the reference vectors), META_SIM_WEBHOOK_URL (where DMs and echoes are delivered),
 * META_SIM_HUMAN_AGENT_APPROVED=true (the app passed review for HUMAN_AGENT), META_SIM_HISTORY=<conversations>x<messages>
 * (seeded Conversations API history, e.g. 250x5), META_SIM_FACEBOOK_APP_ID and META_SIM_FACEBOOK_APP_SECRET (the
 * Facebook Login flavour; off unless both are set), META_SIM_FACEBOOK_USERS (a JSON array of `SimFacebookUser`,
 * default one person with one Page linked to the default account).
 */
import type { SimFacebookUser } from "./facebook-model";
import { startMetaSimulator } from "./index";

const sim = await startMetaSimulator({
  port: Number(process.env.META_SIM_PORT ?? 4610),
  appId: process.env.META_SIM_APP_ID ?? "990602627938098",
  appSecret: process.env.META_SIM_APP_SECRET ?? "5d2e9f7a1b3c4d6e8f0a1b2c3d4e5f6a",
  webhookUrl: process.env.META_SIM_WEBHOOK_URL,
  humanAgentApproved: process.env.META_SIM_HUMAN_AGENT_APPROVED === "true",
  ...historyFromEnv(process.env.META_SIM_HISTORY),
  ...facebookFromEnv(process.env),
});

/** The Facebook Login flavour's settings, when its app id and secret are given. */
function facebookFromEnv(env: NodeJS.ProcessEnv) {
  const facebookAppId = env.META_SIM_FACEBOOK_APP_ID;
  const facebookAppSecret = env.META_SIM_FACEBOOK_APP_SECRET;
  if (!facebookAppId || !facebookAppSecret) return {};
  const users = env.META_SIM_FACEBOOK_USERS;
  return {
    facebookAppId,
    facebookAppSecret,
    ...(users ? { facebookUsers: JSON.parse(users) as SimFacebookUser[] } : {}),
  };
}

/** `250x5` → 250 conversations of 5 messages; anything else → no seeded history. */
function historyFromEnv(value: string | undefined) {
  const match = /^(\d+)x(\d+)$/.exec(value ?? "");
  if (match === null) return {};
  return { history: { conversations: Number(match[1]), messagesPerConversation: Number(match[2]) } };
}

console.log(`Meta simulator on ${sim.url}`);
console.log(`  set INSTAGRAM_OAUTH_URL, INSTAGRAM_API_URL and INSTAGRAM_GRAPH_URL to ${sim.url}`);
console.log(`  Facebook Login flavour: set FACEBOOK_OAUTH_URL and FACEBOOK_GRAPH_URL to ${sim.url} too`);
console.log(`  state: GET ${sim.url}/_sim/state   faults: POST/DELETE ${sim.url}/_sim/faults`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sim.stop().then(() => process.exit(0));
  });
}
