import { type Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** cdk-nag findings we accept, each with the reason it is right for this system. Nothing else is waived. */
export function acknowledgeNagFindings(stack: Stack): void {
  const acknowledge = (id: string, reason: string) => Validations.of(stack).acknowledge({ id, reason });
  acknowledge(
    "AwsSolutions::AwsSolutions-APIG4",
    "Only Meta's callbacks are public (webhook, OAuth redirect, deauthorize, data deletion): Meta cannot send " +
      "our JWT, so each authenticates its caller itself (X-Hub-Signature-256, verify token, signed_request, OAuth " +
      "state). Every app route uses the JWT authorizer, which the infrastructure tests assert.",
  );
  acknowledge(
    "AwsSolutions::AwsSolutions-SMG4",
    "One secret holds Meta's app credentials, which only Meta's dashboard can rotate; the other the token-encryption " +
      "key, which is rotated by hand with PREVIOUS_TOKEN_ENCRYPTION_KEYS (docs/runbook.md#rotate-the-token-encryption-key).",
  );
}

/**
 * Active tracing gives a function's role `xray:PutTraceSegments` and `xray:PutTelemetryRecords` on `*`: X-Ray
 * supports no resource-level permissions for them. Acknowledged on that role only, so any other wildcard
 * resource in the stack still fails synth.
 */
export function acknowledgeXrayWrites(role: IConstruct): void {
  Validations.of(role).acknowledge({
    id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
    reason:
      "X-Ray trace writes (xray:PutTraceSegments, xray:PutTelemetryRecords) support no resource-level permissions.",
  });
}
