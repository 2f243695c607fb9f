import type middy from "@middy/core";
import type { Context } from "aws-lambda";
import { type HandlerName, Routes } from "../contract/routes";
import type { Tenant } from "../domain/tenant";
import { tenantOf } from "../http/request";
import type { HttpEvent, HttpResult } from "../http/types";
import type { ClaimNames } from "../platform/runtime-config";

export type ContextWithTenant = Context & { tenant: Tenant };

/**
 * Puts the caller's tenant (from the JWT authorizer's claims) on the context, for a route whose declaration
 * in contract/routes.ts says `auth: "jwt"`. Building it for a public route is a wiring mistake: it throws at
 * cold start, since a public route has no verified claims to trust.
 */
export function tenant<TContext extends ContextWithTenant>(
  route: HandlerName,
  claimNames: ClaimNames,
): middy.MiddlewareObj<HttpEvent, HttpResult, Error, TContext> {
  const declared = Routes.find((candidate) => candidate.handler === route);
  if (declared?.auth !== "jwt") throw new Error(`Route ${route} is not declared with auth "jwt"`);
  return {
    before: async (request) => {
      request.context.tenant = tenantOf(request.event, claimNames);
    },
  };
}
