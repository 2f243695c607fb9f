import type { ConnectFailureCause, ConnectFailureReason } from "./callback";
import { MetaCallError } from "./ports";

/** A callback step failed: the reason the app sees and the cause for the log. */
export class StepFailure extends Error {
  constructor(
    readonly reason: ConnectFailureReason,
    readonly failure: ConnectFailureCause,
  ) {
    super(reason);
  }
}

export async function step<T>(
  name: ConnectFailureCause["step"],
  reason: ConnectFailureReason,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MetaCallError) {
      throw new StepFailure(reason, {
        step: name,
        ...(error.code === undefined ? {} : { metaCode: error.code }),
        ...(error.subcode === undefined ? {} : { metaSubcode: error.subcode }),
        ...(error.fbtraceId === undefined ? {} : { fbtraceId: error.fbtraceId }),
        message: error.message,
      });
    }
    throw new StepFailure(reason, { step: name, message: error instanceof Error ? error.message : "failed" });
  }
}
