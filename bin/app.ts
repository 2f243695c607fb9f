#!/usr/bin/env node
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { InstagramDmStack } from "../lib/stack";
import { parseStageConfig } from "../lib/stage-config";

const app = new App();
const stageName = String(app.node.tryGetContext("stage") ?? "dev");
const stages = (app.node.tryGetContext("stages") ?? {}) as Record<string, unknown>;
const config = parseStageConfig(stageName, stages[stageName]);

new InstagramDmStack(app, `InstagramDm-${stageName}`, {
  config,
  description: `Instagram DM integration (${stageName})`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
