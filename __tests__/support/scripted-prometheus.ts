import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = { status: number; body: string; headers?: Record<string, string> } | 'hang';

/** A stand-in for Prometheus on 127.0.0.1 that answers from a script and records what it was sent. */
export class ScriptedServer {
  readonly requests: {
    method?: string;
    path?: string;
    headers: IncomingHttpHeaders;
    form: URLSearchParams;
  }[] = [];
  replies: Reply[] = [];
  /** Answers by the query itself, before the script: for queries sent concurrently, in no set order. */
  answer?: (query: string) => Reply | undefined;
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      this.requests.push({
        method: request.method,
        path: request.url,
        headers: request.headers,
        form: new URLSearchParams(body),
      });
      const reply =
        this.answer?.(new URLSearchParams(body).get('query') ?? '') ?? this.replies.shift() ?? success('1');
      if (reply === 'hang') return;
      response
        .writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers })
        .end(reply.body);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.replies = [];
    this.answer = undefined;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function success(value: string, extra = ''): Reply {
  return {
    status: 200,
    body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"${value}"]}]}${extra}}`,
  };
}

export function failure(status: number, errorType: string, error: string): Reply {
  return { status, body: JSON.stringify({ status: 'error', errorType, error }) };
}

/** A `sum by (le)` answer: one series per bucket upper bound. */
export function buckets(counts: Readonly<Record<string, number>>): Reply {
  const result = Object.entries(counts).map(([le, count]) => ({
    metric: { le },
    value: [1700000000, String(count)],
  }));
  return { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }) };
}
