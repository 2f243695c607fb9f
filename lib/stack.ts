import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { Env } from "../lambdas/contract/env";
import { Paths } from "../lambdas/contract/routes";
import { Alarms } from "./constructs/alarms";
import { Api } from "./constructs/api";
import { AppSecret } from "./constructs/app-secret";
import { Erasure } from "./constructs/erasure";
import { Events } from "./constructs/events";
import { History } from "./constructs/history";
import { Outbound } from "./constructs/outbound";
import { Profiles } from "./constructs/profiles";
import { Scheduling } from "./constructs/scheduling";
import { Storage } from "./constructs/storage";
import { acknowledgeNagFindings } from "./nag-acknowledgements";
import type { StageConfig } from "./stage-config";

export interface InstagramDmStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The whole system in one stack of small constructs; see README for the picture. */
export class InstagramDmStack extends Stack {
  constructor(scope: Construct, id: string, props: InstagramDmStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = retentionFor(config.logRetentionDays);

    const storage = new Storage(this, "Storage");
    const { credentials, tokenKey } = new AppSecret(this, "AppSecret");
    const environment: Record<string, string> = {
      [Env.jwtUserIdClaim]: config.jwtUserIdClaim,
      [Env.jwtOrgIdClaim]: config.jwtOrgIdClaim,
      [Env.returnToOrigins]: config.returnToOrigins.join(","),
      [Env.oauthScopes]: config.oauthScopes,
      [Env.loginFlavours]: config.loginFlavours.join(","),
      [Env.facebookOauthScopes]: config.facebookOauthScopes,
      [Env.sendCapPerHour]: String(config.sendCapPerHour),
      [Env.humanAgentEnabled]: String(config.humanAgentEnabled),
      [Env.tokenRefreshWindowDays]: String(config.tokenRefreshWindowDays),
      [Env.graphApiVersion]: config.graphApiVersion,
      ...(config.dataDeletionStatusUrl ? { [Env.dataDeletionStatusUrl]: config.dataDeletionStatusUrl } : {}),
    };
    const shared = {
      table: storage.table,
      tableKey: storage.key,
      credentials,
      tokenKey,
      logRetention,
      environment,
    };

    const outbound = new Outbound(this, "Outbound", shared);
    const erasure = new Erasure(this, "Erasure", shared);
    const history = new History(this, "HistoryImport", shared);
    const profiles = new Profiles(this, "Profiles", shared);
    const api = new Api(this, "Api", {
      ...shared,
      outboundQueue: outbound.queue,
      erasureQueue: erasure.queue,
      historyQueue: history.queue,
      profileQueue: profiles.queue,
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      throttle: config.apiThrottle,
      publicRouteThrottle: config.publicRouteThrottle,
      ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
    });
    const scheduling = new Scheduling(this, "Scheduling", shared);
    const events = new Events(this, "EventsOut", {
      table: storage.table,
      tableKey: storage.key,
      logRetention,
      environment,
      ...(config.appWebhookUrl ? { appWebhookUrl: config.appWebhookUrl } : {}),
    });
    new Alarms(this, "Alarms", {
      api,
      deadLetterQueue: outbound.deadLetterQueue,
      erasureDeadLetterQueue: erasure.deadLetterQueue,
      functions: new Map([
        ...[...api.functions].map(([name, fn]) => [name, fn] as const),
        ["sender", outbound.sender] as const,
        ["token-refresh", scheduling.tokenRefresh] as const,
        ["erasure", erasure.worker] as const,
        ["history-import", history.worker] as const,
        ["profile-fetch", profiles.worker] as const,
        ["events", events.publisher] as const,
        ["window-closing", events.windowClosing] as const,
        ...(events.delivery ? [["webhook-delivery", events.delivery] as const] : []),
      ]),
      deadLetterQueues: [
        {
          id: "HistoryStepsDeadLettered",
          what: "History import steps failed repeatedly and are in the history dead-letter queue (an import stalled)",
          runbook: "history-dead-letters",
          queue: history.deadLetterQueue,
        },
        {
          id: "ProfileFetchesDeadLettered",
          what: "Customer profile fetches failed for hours (Meta throttling or down) and are in the DLQ",
          runbook: "profile-fetches-dead-lettered",
          queue: profiles.deadLetterQueue,
        },
        {
          id: "EventBatchesFailed",
          what: "Stream batches the events function could not publish were sent to the failed-batch queue",
          runbook: "event-batches-failed",
          queue: events.failedBatches,
        },
        ...(events.webhookDeadLetterQueue
          ? [
              {
                id: "WebhooksDeadLettered",
                what: "Outgoing webhooks exhausted their retry budget and are in the DLQ",
                runbook: "webhooks-dead-lettered",
                queue: events.webhookDeadLetterQueue,
              },
            ]
          : []),
      ],
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });

    // Exactly what the operator pastes into Meta's dashboard (setup guide, parts 4 and 9) and the secret to fill.
    const base = config.publicBaseUrl ?? api.url;
    const outputs: Record<string, { value: string; description: string }> = {
      OAuthRedirectUri: { value: `${base}${Paths.oauthCallback}`, description: "Valid OAuth Redirect URI" },
      WebhookCallbackUrl: { value: `${base}${Paths.webhook}`, description: "Webhooks: Callback URL" },
      DeauthorizeCallbackUrl: {
        value: `${base}${Paths.deauthorize}`,
        description: "Deauthorize Callback URL",
      },
      DataDeletionRequestUrl: {
        value: `${base}${Paths.dataDeletion}`,
        description: "Data Deletion Request URL",
      },
      AppSecretArn: {
        value: credentials.secretArn,
        description: "Put INSTAGRAM_APP_ID, INSTAGRAM_APP_SECRET, INSTAGRAM_WEBHOOK_VERIFY_TOKEN here",
      },
      TokenKeySecretArn: {
        value: tokenKey.secretArn,
        description: "Token-encryption key, generated: leave it alone except to rotate (docs/runbook.md)",
      },
      ...(config.loginFlavours.includes("facebook")
        ? {
            // The Facebook Login flavour (issue 17): the same callback routes, pasted into the Facebook app's products.
            FacebookLoginRedirectUri: {
              value: `${base}${Paths.oauthCallback}`,
              description:
                "Facebook Login for Business → Settings: Valid OAuth Redirect URIs (and META_APP_ID, META_APP_SECRET in AppSecretArn)",
            },
            MessengerWebhookCallbackUrl: {
              value: `${base}${Paths.webhook}`,
              description:
                "Messenger → Instagram settings → Webhooks: Callback URL (verify token as for Instagram)",
            },
          }
        : {}),
      ApiUrl: { value: base, description: "Base URL of the app API" },
      EventBusName: { value: events.bus.eventBusName, description: "EventBridge bus of events out" },
      ...(events.webhookSecret
        ? {
            AppWebhookSecretArn: {
              value: events.webhookSecret.secretArn,
              description: "Outgoing webhooks: the signing secret is whsec_ + this secret's value",
            },
          }
        : {}),
    };
    for (const [name, output] of Object.entries(outputs)) new CfnOutput(this, name, output);

    acknowledgeNagFindings(this);
  }
}

function retentionFor(days: number): RetentionDays {
  const match = Object.values(RetentionDays).find((value) => value === days);
  if (match === undefined)
    throw new Error(`logRetentionDays ${days} is not a CloudWatch Logs retention value`);
  return match as RetentionDays;
}
