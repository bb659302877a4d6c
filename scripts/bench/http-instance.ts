/** A Streamable HTTP server in a process of its own, as a deployment runs it, told apart by the URL it prints. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** USER_HZ, 100 on every Linux that Node supports. */
const CLOCK_TICKS = 100;

export interface HttpInstance {
  url: string;
  pid: number;
  /** The last 4,000 characters the process wrote on stderr. */
  stderrTail(): string;
  /** How many times any of the given secrets appeared on its stderr, whole or across two writes. */
  leaks(): number;
  /** The process's memory now and at its highest so far (VmRSS, VmHWM), in MB; NaN off Linux. */
  rssMb(): { now: number; peak: number };
  /** CPU time the process has used so far (user + system), in ms; NaN off Linux. */
  cpuMs(): number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startHttpInstance(entry: string, args: string[], env: Record<string, string>, secrets: string[] = []): Promise<HttpInstance> {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  let leaks = 0;
  const longest = Math.max(0, ...secrets.map((secret) => secret.length));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      // With the previous write's tail, a secret cut in two is caught; one wholly in that tail was counted already.
      const carry = longest > 1 ? stderr.slice(-(longest - 1)) : '';
      for (const secret of secrets) leaks += (carry + text).split(secret).length - carry.split(secret).length;
      stderr = (stderr + text).slice(-4000);
      const found = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (found?.[1]) resolve(found[1]);
    });
    void exited.then((code) => reject(new Error(`${entry} exited (${code}) before listening:\n${stderr}`)));
  });
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    stderrTail: () => stderr,
    leaks: () => leaks,
    rssMb: () => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
        return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
      } catch {
        return { now: NaN, peak: NaN };
      }
    },
    cpuMs: () => {
      try {
        // Fields 14 and 15 (utime, stime) after the command name, which is in parentheses and may hold spaces.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
      } catch {
        return NaN;
      }
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
