import { App, Stack, Validations } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { InstagramDmStack } from "../../lib/stack";
import { devConfig } from "../support/synth";

function synthWithNag(build: (app: App) => void): () => void {
  const app = new App();
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return () => app.synth();
}

describe("cdk-nag AwsSolutions", () => {
  it("finds nothing unacknowledged in the stack", () => {
    const synth = synthWithNag((app) => new InstagramDmStack(app, "NagStack", { config: devConfig() }));
    expect(synth).not.toThrow();
  });

  it("does fail synth on a finding, so the test above can fail", () => {
    const synth = synthWithNag((app) => new Queue(new Stack(app, "Bad"), "NoDlqNoSsl"));
    expect(synth).toThrow(/AwsSolutions-SQS3|AwsSolutions-SQS4|Validation failed/);
  });
});
