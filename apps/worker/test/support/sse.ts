/** One Server-Sent Event as the API sends it: `event:` name and JSON `data:`. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Reads an SSE stream until it ends (the API ends it after `completed`). Resolves once the response
 * headers have arrived, so the caller knows it is subscribed; `done` resolves with every event.
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
): Promise<{ done: Promise<SseEvent[]> }> {
  const response = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`SSE ${url} answered ${response.status}`);
  const body = response.body.pipeThrough(new TextDecoderStream());
  const done = (async () => {
    const events: SseEvent[] = [];
    let buffer = '';
    for await (const chunk of body) {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name && data !== undefined) events.push({ event: name, data: JSON.parse(data) as unknown });
      }
    }
    return events;
  })();
  return { done };
}
