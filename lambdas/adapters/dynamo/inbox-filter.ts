import type { StoredFilter } from "../../domain/inbox/inbox";

/**
 * How many 100-item reads one filtered page may take. A filter that matches little in a long inbox answers a
 * shorter (possibly empty) page with a cursor to continue, instead of reading the whole partition at once.
 */
export const MAX_FILTER_ROUNDS = 5;

/** A conversation filter as a DynamoDB FilterExpression (names and values prefixed to avoid the key's). */
export function filterExpression(filter: StoredFilter): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.customerWroteAfter !== undefined || filter.customerWroteAtOrBefore !== undefined) {
    names["#fLcm"] = "lastCustomerMessageAt";
  }
  if (filter.customerWroteAfter !== undefined) {
    values[":fAfter"] = filter.customerWroteAfter;
    clauses.push("#fLcm > :fAfter");
  }
  if (filter.customerWroteAtOrBefore !== undefined) {
    values[":fUpTo"] = filter.customerWroteAtOrBefore;
    // Only "closed" has no lower bound, and a thread where the customer never wrote is closed too.
    clauses.push(
      filter.customerWroteAfter === undefined
        ? "(attribute_not_exists(#fLcm) OR #fLcm <= :fUpTo)"
        : "#fLcm <= :fUpTo",
    );
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
