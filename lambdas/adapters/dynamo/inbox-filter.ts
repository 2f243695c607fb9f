import type { StoredFilter, WindowAnchorBound } from "../../domain/inbox/inbox";

/**
 * How many 100-item reads one filtered page may take. A filter that matches little in a long inbox answers a
 * shorter (possibly empty) page with a cursor to continue, instead of reading the whole partition at once.
 */
export const MAX_FILTER_ROUNDS = 5;

/**
 * A conversation filter as a DynamoDB FilterExpression (names and values prefixed to avoid the key's). The window
 * bounds compare both anchors the reply window is computed from (domain/inbox/inbox.ts `windowPasses` is the same
 * rule in memory), so an ad-started thread's 7-day window filters as it is shown. Nothing extra is stored: items
 * written before ad windows existed filter correctly too.
 */
export function filterExpression(filter: StoredFilter): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  /** "The window closes after the bound's moment": the customer wrote recently enough, or the ad started so. */
  const closesAfter = (bound: WindowAnchorBound, suffix: string) => {
    names["#fLcm"] = "lastCustomerMessageAt";
    names["#fAd"] = "adReferral";
    names["#fAt"] = "at";
    values[`:fWrote${suffix}`] = bound.customerWrote;
    values[`:fAd${suffix}`] = bound.adStarted;
    return `(#fLcm > :fWrote${suffix} OR (attribute_exists(#fLcm) AND #fAd.#fAt > :fAd${suffix}))`;
  };
  if (filter.windowClosesAfter !== undefined) clauses.push(closesAfter(filter.windowClosesAfter, "After"));
  if (filter.windowClosesAtOrBefore !== undefined) {
    clauses.push(`NOT ${closesAfter(filter.windowClosesAtOrBefore, "UpTo")}`);
  }
  if (filter.unreadOnly) {
    names["#fUnread"] = "unreadCount";
    values[":fZero"] = 0;
    clauses.push("#fUnread > :fZero");
  }
  if (filter.customerPrefix !== undefined) {
    // Lowercased copies written with the profile (adapters/dynamo/profiles.ts): DynamoDB compares bytes.
    names["#fSu"] = "profileSearchUsername";
    names["#fSn"] = "profileSearchName";
    values[":fQ"] = filter.customerPrefix;
    values[":fQw"] = ` ${filter.customerPrefix}`;
    clauses.push("(begins_with(#fSu, :fQ) OR begins_with(#fSn, :fQ) OR contains(#fSn, :fQw))");
  }
  return { expression: clauses.join(" AND "), names, values };
}
