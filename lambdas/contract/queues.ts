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
  /**
   * Safety net for poison records only (SQS's maximum). Waiting is not an attempt (real sends are counted on the
   * message item), but each wait is a receive: a Meta pause of at least 5 minutes costs every waiting
   * conversation head one receive, so 3 days of back-to-back pauses (the longest a message may wait, a day under
   * the retention) are at most 864 receives — under this bound. See docs/outbound.md.
   */
  maxReceiveCount: 1000,
  /**
   * Sized for 10,000 accounts at the full cap (≈ 556 sends/s) in docs/performance.md ("Sizing the sender") and
   * shown by the bench's scale model (bench/scale.ts). FIFO's largest batch: the sender runs a batch's
   * conversations concurrently (each one's records in order), so an invocation lasts about its slowest
   * conversation, not the sum of its records. A conversation's followers in a batch cost a receive each time
   * the head waits (docs/outbound.md, "The budget").
   */
  batchSize: 10,
  /**
   * Sender instances at most (the per-account cap is enforced by the limiter, not by this): ≈ 3× the
   * concurrency the scale model uses at 10,000 accounts, and a tenth of the account's default Lambda
   * concurrency (1,000), so a burst of sends never starves the API and webhook functions.
   */
  maxConcurrency: 400,
  /**
   * No record starts later than this before the function's timeout: a send (Meta's 10 s client timeout plus its
   * writes) that starts finishes, so a batch of one conversation's ten records never times out mid-send.
   */
  stopStartingMs: 15_000,
} as const;

/** No send outlives the sender's timeout; a `sending` message older than this was left by a crash. */
export const SENDING_LEASE_MS = (OutboundQueue.senderTimeoutSeconds + 5) * 1000;

/**
 * The outgoing webhook queue (an EventBridge rule feeds it; docs/events.md). Standard, not FIFO: every event
 * carries its own id and time, and one slow event must not hold back the others.
 */
export const WebhookDeliveryQueue = {
  /** One POST waits at most this long; a timeout counts as a failure to retry. */
  requestTimeoutMs: 10_000,
  deliveryTimeoutSeconds: 30,
  /** Six times the function timeout, as Lambda recommends for SQS sources. */
  visibilityTimeoutSeconds: 180,
  /** Retry n waits firstRetrySeconds · 2^(n-1), at most maxRetrySeconds (via the message's visibility). */
  firstRetrySeconds: 60,
  maxRetrySeconds: 6 * 3600,
  /** 12 attempts span about 20.5 h of backoff; the 13th receive moves the event to the DLQ (≈ 26 h). */
  maxReceiveCount: 12,
  retentionSeconds: 4 * 24 * 3600,
  dlqRetentionSeconds: 14 * 24 * 3600,
  batchSize: 10,
} as const;

/**
 * The erasure queue: data deletion jobs, run by the erasure worker off Meta's 10-second callback. Standard (order
 * does not matter; a duplicate finds the job's lease held or the job completed and does nothing).
 */
export const ErasureQueue = {
  fifo: false,
  /** Worker timeout; each step stops starting new pages this long before it, then re-queues the job. */
  workerTimeoutSeconds: 60,
  stopBeforeTimeoutSeconds: 15,
  /** Six times the timeout, as Lambda recommends; longer than the job lease, so a crashed step's lease has lapsed. */
  visibilityTimeoutSeconds: 360,
  /** A step holds the job this long; a crashed holder's lease lapses before its message is received again. */
  leaseSeconds: 75,
  retentionSeconds: 4 * 24 * 3600,
  dlqRetentionSeconds: 14 * 24 * 3600,
  /** A job that failed this often (not one that ran out of time: that re-queues itself) goes to the DLQ. */
  maxReceiveCount: 5,
  batchSize: 1,
  maxConcurrency: 2,
} as const;

/**
 * The history import queue (docs/app-api.md "History import"): one record is one step of an account's import (a page
 * of conversations, or one conversation's messages). Standard: the job item's step number drops duplicates.
 */
export const HistoryQueue = {
  fifo: false,
  /** A step is at most 21 paced Meta calls (about 13 s); the timeout leaves room for slow answers. */
  workerTimeoutSeconds: 60,
  /** Six times the timeout, as Lambda recommends for SQS sources. */
  visibilityTimeoutSeconds: 360,
  retentionSeconds: 4 * 24 * 3600,
  dlqRetentionSeconds: 14 * 24 * 3600,
  /** A step that failed this often (Meta errors are re-queued by the step itself, not counted) goes to the DLQ. */
  maxReceiveCount: 5,
  batchSize: 1,
  maxConcurrency: 2,
} as const;

/**
 * The profile fetch queue: one job per customer whose profile is due (docs/app-api.md). Standard: order does not
 * matter, and the conversation's `profileRequestedAt` makes a burst of DMs one job.
 */
export const ProfileQueue = {
  fifo: false,
  workerTimeoutSeconds: 30,
  /** Six times the timeout, as Lambda recommends for SQS sources. */
  visibilityTimeoutSeconds: 180,
  retentionSeconds: 4 * 24 * 3600,
  dlqRetentionSeconds: 14 * 24 * 3600,
  /**
   * Throttled and slow answers are retried via the record's visibility, each a receive: 10 receives span hours
   * of Meta's throttles (`estimated_time_to_regain_access`, at most 60 min each), then the DLQ.
   */
  maxReceiveCount: 10,
  batchSize: 5,
  /** Profile reads share the account's Graph budget with sends: two workers at most keep them a trickle. */
  maxConcurrency: 2,
} as const;
