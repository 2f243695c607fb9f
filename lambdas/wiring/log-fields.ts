/** Meta's code, subcode and trace id of an error, for a log line (never a token: messages are masked). */
export function metaErrorFields(error: unknown): Record<string, unknown> {
  if (typeof error !== "object" || error === null) return { error: String(error) };
  const fields = error as {
    code?: unknown;
    subcode?: unknown;
    fbtraceId?: unknown;
    message?: unknown;
    name?: unknown;
  };
  return {
    errorName: fields.name,
    metaCode: fields.code,
    metaSubcode: fields.subcode,
    fbtrace_id: fields.fbtraceId,
    errorMessage: fields.message,
  };
}
