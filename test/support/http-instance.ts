import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The built binary; `npm test` builds it first. */
export const BIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface Instance {
  url: string;
  readonly stderr: string;
  /** The exit code, once the process has exited. */
  exited: Promise<number | null>;
  signal(name: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** The built binary in --http mode on a free port, as a deployment would run it. */
export async function startInstance(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): Promise<Instance> {
  const child = spawn(process.execPath, [BIN, '--http', '--port', '0', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (found?.[1]) resolve(found[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    url,
    get stderr() {
      if (stdout) throw new Error(`the HTTP server wrote to stdout: ${stdout}`);
      return stderr;
    },
    exited,
    signal: (name) => child.kill(name),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs the binary expecting it to refuse to start. */
export async function startFailure(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stderr };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch, so that Host and Origin are exactly what the test says. A string body goes as it is. */
export function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown; chunked?: boolean } = {}): Promise<RawAnswer> {
  const body = options.body === undefined || typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    if (options.chunked && body !== undefined) {
      // Written in pieces without a Content-Length, so the size is only known as it arrives.
      for (let at = 0; at < body.length; at += 1024 * 1024) req.write(body.slice(at, at + 1024 * 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}
