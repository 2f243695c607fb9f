/**
 * How the table writes time, in one place: attributes hold epoch milliseconds; sort keys hold ISO-8601 UTC
 * (so they sort as text); TTL attributes hold epoch seconds, as DynamoDB's TTL requires.
 */

/** The time part of a sort key (gsi1sk, gsi3sk): ISO-8601 UTC. */
export function sortKeyTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A TTL attribute value: whole epoch seconds, never earlier than the given time. */
export function ttlSeconds(epochMs: number): number {
  return Math.ceil(epochMs / 1000);
}
