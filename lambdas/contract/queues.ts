/**
 * The outbound queue. FIFO with the conversation as message group keeps each conversation's
 * replies in the order they were accepted; the dedup id is our message id.
 */
export const OutboundQueue = {
  fifo: true,
  /** Sender timeout; the queue's visibility timeout is six times this, as Lambda recommends. */
  senderTimeoutSeconds: 30,
  visibilityTimeoutSeconds: 180,
  retentionSeconds: 4 * 24 * 3600,
  dlqRetentionSeconds: 14 * 24 * 3600,
  /** Safety net for poison records; waiting for the send cap must never consume receives (see sender). */
  maxReceiveCount: 10,
  /**
   * One record per invocation: a FIFO receive hands over several records of one conversation at once, and when
   * the first must wait for the cap every later one would burn a receive each time (see docs/outbound.md).
   * With one, a conversation's next message is received only after the previous one is done.
   */
  batchSize: 1,
  /** Sender instances at most; the per-account cap is enforced by the limiter, not by this. */
  maxConcurrency: 5,
} as const;

/** No send outlives the sender's timeout; a `sending` message older than this was left by a crash. */
export const SENDING_LEASE_MS = (OutboundQueue.senderTimeoutSeconds + 5) * 1000;
