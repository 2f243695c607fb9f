import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import cdkJson from "../../cdk.json" with { type: "json" };
import { InstagramDmStack } from "../../lib/stack";
import { parseStageConfig, type StageConfig } from "../../lib/stage-config";

/** The dev stage's config from cdk.json, with optional overrides. */
export function devConfig(overrides: Partial<StageConfig> = {}): StageConfig {
  return { ...parseStageConfig("dev", cdkJson.context.stages.dev), ...overrides };
}

/**
 * Synthesises the stack as `cdk synth` would (bundling with the local esbuild) and returns its template.
 * `bundle: false` skips bundling, for tests that assert only resources and policies (much faster).
 */
export function synthStack(
  config: StageConfig = devConfig(),
  options: { bundle?: boolean } = {},
): {
  app: App;
  stack: InstagramDmStack;
  template: Template;
} {
  const app = new App(options.bundle === false ? { context: { "aws:cdk:bundling-stacks": [] } } : {});
  const stack = new InstagramDmStack(app, "TestStack", { config });
  return { app, stack, template: Template.fromStack(stack) };
}
