/**
 * The two HTTP servers the records-API figure reads — the API (`api-child.ts`) and its ceiling
 * (`ceiling-child.ts`) — each run in a child process of its own, as a Lambda would: neither
 * shares the benchmark client's event loop. This file holds both halves of that handshake.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ServerChildArgs {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  runQueueUrl: string;
}

export interface ServerChild {
  url: string;
  stop(): Promise<void>;
}

const URL_PREFIX = '@@url ';
const START_TIMEOUT_MS = 60_000;

/** In the child: tells the parent where it listens, and stops when the parent goes away. */
export function announceUrl(url: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.stdin.on('end', shutdown).on('error', shutdown).resume();
  process.stdout.write(`${URL_PREFIX}${url}\n`);
}

/** In the parent: starts `file` (a TypeScript entry beside this one) and waits for its URL. */
export function startServerChild(file: string, args: ServerChildArgs): Promise<ServerChild> {
  const entry = fileURLToPath(new URL(file, import.meta.url));
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each server child there.
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : [];
  const child = spawn(process.execPath, ['--no-warnings', ...profile, '--import', 'tsx', entry, JSON.stringify(args)], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${file} did not start within ${START_TIMEOUT_MS} ms:\n${err}`));
    }, START_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith(URL_PREFIX));
      if (!line) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ url: line.slice(URL_PREFIX.length).trim(), stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited ${code} before listening:\n${err}`));
    });
  });
}
