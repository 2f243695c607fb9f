import { Defaults } from "../../contract/env";
import { type Integration, type MetaTarget, metaTargetOf } from "../../domain/integration";
import type { MetaHosts } from "../../platform/runtime-config";

/** The Graph base URL (host and version) of a target's host: graph.instagram.com or graph.facebook.com. */
export function graphBaseOf(hosts: MetaHosts, target: MetaTarget): string {
  const host =
    target.host === "facebook" ? (hosts.facebookGraphUrl ?? Defaults.facebookGraphUrl) : hosts.graphUrl;
  return `${host}/${hosts.graphVersion}`;
}

/** `<base>/<nodeId>/<edge>` for a target, the node id encoded. */
export function graphNodeUrl(hosts: MetaHosts, target: MetaTarget, edge: string): string {
  return `${graphBaseOf(hosts, target)}/${encodeURIComponent(target.nodeId)}/${edge}`;
}

/**
 * Where to call Meta for an integration, with its own token: the Instagram account on graph.instagram.com
 * (Instagram Login), or its Page on graph.facebook.com (Facebook Login, Page token). For every per-integration
 * call (send, sender actions, conversations, profiles): `${graphBase}/${nodeId}/messages`.
 */
export function metaTargetForIntegration(
  hosts: MetaHosts,
  integration: Pick<Integration, "loginFlavour" | "page" | "igAccountId">,
): { readonly graphBase: string; readonly nodeId: string; readonly target: MetaTarget } {
  const target = metaTargetOf(integration);
  return { graphBase: graphBaseOf(hosts, target), nodeId: target.nodeId, target };
}
