/**
 * Runs DynamoDB Local — AWS's own emulator, with conditional writes, GSIs and Streams — as a
 * child Java process, for `npm start` and the integration tests. The jar ships inside the npm
 * package `amplify-dynamodb-simulator` (folder `emulator/`); only that folder is used.
 *
 * Invariant: a resolved `startDynamoDbLocal` means the endpoint has answered a real DynamoDB
 * call, so callers never race the JVM's startup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDynamoClients, pingDynamo } from '../adapters/dynamodb/client.js';

export interface DynamoDbLocalOptions {
  /** 0 or undefined = pick a free port. */
  port?: number;
  /** Directory for a persistent database (`-dbPath`); undefined = `-inMemory`. */
  dataDir?: string;
  /** Receives every line DynamoDB Local prints. */
  log?: (line: string) => void;
  /** How long to wait for the first successful call; default 30 s. */
  startTimeoutMs?: number;
  /**
   * The JVM's maximum heap (`-Xmx`, e.g. `'4g'`) for tables of millions of items; undefined =
   * the JVM's default (a quarter of the machine's memory).
   */
  maxHeap?: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** Stops the JVM (SIGTERM, then SIGKILL) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export const JAVA_MISSING_MESSAGE =
  'DynamoDB Local needs Java 17 or newer, and `java` could not be run. Install it with ' +
  '`sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or ' +
  '`brew install openjdk@17` (macOS; then put it on PATH as brew explains), and try again.';

const DEFAULT_START_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 3_000;
const PROBE_TIMEOUT_MS = 2_000;
const OUTPUT_TAIL_LINES = 40;
/** Attempts when we picked the port ourselves: another process may grab it before the JVM binds. */
const FREE_PORT_ATTEMPTS = 3;

/** Startup failed on this port (exit or bind error); with a port we picked, worth another try. */
class PortStartError extends Error {}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  await assertJavaRuns();
  const emulatorDir = findEmulatorDir();
  // The JVM runs with cwd = emulatorDir, so a relative dataDir must be resolved here.
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });

  const fixedPort = options.port !== undefined && options.port !== 0 ? options.port : undefined;
  const attempts = fixedPort === undefined ? FREE_PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await findFreePort());
    try {
      return await launch({ emulatorDir, port, dataDir, log: options.log, timeoutMs: options.startTimeoutMs, maxHeap: options.maxHeap });
    } catch (error) {
      if (!(error instanceof PortStartError) || attempt >= attempts) throw error;
    }
  }
}

/** Binds 127.0.0.1:0, reads the port the OS chose, and releases it. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('Could not read a free port');
  return address.port;
}

function findEmulatorDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

async function assertJavaRuns(): Promise<void> {
  const java = spawn('java', ['-version'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = collectLines(java.stderr);
  const outcome = await waitForExit(java);
  if ('error' in outcome) throw new Error(JAVA_MISSING_MESSAGE, { cause: outcome.error });
  if (outcome.code !== 0) {
    throw new Error(`${JAVA_MISSING_MESSAGE}\n\`java -version\` exited with ${outcome.code}:\n${stderr.join('\n')}`);
  }
}

interface LaunchArgs {
  emulatorDir: string;
  port: number;
  dataDir: string | undefined;
  log: ((line: string) => void) | undefined;
  timeoutMs: number | undefined;
  maxHeap: string | undefined;
}

async function launch(args: LaunchArgs): Promise<DynamoDbLocal> {
  const { emulatorDir, port, dataDir, log } = args;
  if (args.maxHeap !== undefined && !/^\d+[kmgKMG]?$/.test(args.maxHeap)) throw new Error(`maxHeap must look like 4g or 512m, not ${args.maxHeap}`);
  const javaArgs = [
    ...(args.maxHeap === undefined ? [] : [`-Xmx${args.maxHeap}`]),
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    'DynamoDBLocal.jar',
    '-port',
    String(port),
    ...(dataDir === undefined ? ['-inMemory'] : ['-dbPath', dataDir]),
    '-sharedDb',
    '-disableTelemetry',
  ];
  const child = spawn('java', javaArgs, { cwd: emulatorDir, stdio: ['ignore', 'pipe', 'pipe'] });

  // The JVM must not outlive us: on a normal or process.exit() exit, kill it synchronously.
  const killOnParentExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnParentExit);
  const exited = waitForExit(child).finally(() => process.off('exit', killOnParentExit));

  const output: string[] = [];
  let bindFailed = false;
  const record = (line: string): void => {
    // On a taken port Jetty logs a BindException but the JVM stays up, so watch for it.
    if (/BindException|Failed to bind/.test(line)) bindFailed = true;
    output.push(line);
    if (output.length > OUTPUT_TAIL_LINES) output.shift();
    log?.(line);
  };
  collectLines(child.stdout, record);
  collectLines(child.stderr, record);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= terminate(child, exited));

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, exited, () => bindFailed, args.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  } catch (error) {
    await stop();
    const tail = output.length > 0 ? `\nDynamoDB Local output:\n${output.join('\n')}` : '';
    if (error instanceof PortStartError) throw new PortStartError(`${error.message}${tail}`);
    throw new Error(`${(error as Error).message}${tail}`, { cause: error });
  }
  return { endpoint, port, stop };
}

type ExitOutcome = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

/** Settles once: on `exit`, or on `error` when the process could not be spawned (ENOENT). */
function waitForExit(child: ChildProcess): Promise<ExitOutcome> {
  return new Promise((settle) => {
    child.once('exit', (code, signal) => settle({ code, signal }));
    child.once('error', (error) => settle({ error }));
  });
}

/** Drains `stream` line by line: into `onLine` if given, else into the returned array. */
function collectLines(stream: Readable | null, onLine?: (line: string) => void): string[] {
  const lines: string[] = [];
  if (stream === null) return lines;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine ?? ((line) => lines.push(line)));
  return lines;
}

async function waitUntilReady(endpoint: string, exited: Promise<ExitOutcome>, bindFailed: () => boolean, timeoutMs: number): Promise<void> {
  // One attempt per probe with a short timeout: the loop below is the retry policy.
  const { client } = makeDynamoClients({ endpoint, maxAttempts: 1 });
  let exit: ExitOutcome | undefined;
  void exited.then((outcome) => (exit = outcome));
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      if (exit !== undefined) {
        if ('error' in exit) throw new Error(JAVA_MISSING_MESSAGE, { cause: exit.error });
        throw new PortStartError(`DynamoDB Local exited during startup (code ${exit.code}, signal ${exit.signal})`);
      }
      if (bindFailed()) throw new PortStartError(`DynamoDB Local could not bind ${endpoint}: the port is taken`);
      try {
        await pingDynamo(client, PROBE_TIMEOUT_MS);
        return;
      } catch (error) {
        lastError = error;
      }
      await sleep(100);
    }
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms (last error: ${String(lastError)})`, { cause: lastError });
  } finally {
    client.destroy();
  }
}

async function terminate(child: ChildProcess, exited: Promise<ExitOutcome>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const escalation = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(escalation);
  }
}
