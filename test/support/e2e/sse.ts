/** One server-sent event as `GET /dev/events` writes it. */
export interface ServerSentEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/** A running subscription: what arrived so far, and the way to end it. */
export interface SseSubscription {
  readonly status: number;
  readonly received: ServerSentEvent[];
  close(): void;
}

/** Opens a server-sent event stream with fetch (as EventSource would) and collects its events as they come. */
export async function subscribe(url: string): Promise<SseSubscription> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream" } });
  const received: ServerSentEvent[] = [];
  if (response.ok && response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = "";
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = new Map<string, string>();
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) continue;
              const colon = line.indexOf(":");
              if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
            }
            const data = fields.get("data");
            if (data !== undefined) {
              const id = fields.get("id");
              received.push({ ...(id ? { id } : {}), event: fields.get("event") ?? "message", data });
            }
            end = buffer.indexOf("\n\n");
          }
        }
      } catch {
        // Aborted by close(): the stream simply ends.
      }
    })();
  } else {
    await response.body?.cancel();
  }
  return { status: response.status, received, close: () => abort.abort() };
}
