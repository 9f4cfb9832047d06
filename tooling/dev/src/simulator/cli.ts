import { parseArgs } from 'node:util';
import { readLocalEnv } from '@korgon/config';
import { createSimulator, type SimulatorOptions } from './index';

/**
 * `pnpm simulate`: PBX traffic for a running Korgon (see ./index.ts).
 *
 *   pnpm simulate --extensions 101,102,103 --transfer-to 110
 *   pnpm simulate --rate 60 --speed 10 --duration 120 --seed demo
 */
const HELP = `Usage: pnpm simulate [options]

  --url <url>              Korgon's address (default http://localhost:8080)
  --secret <secret>        TELEPHONY_SECRET (default: from the environment, else .env.local)
  --rate <n>               calls per minute, Poisson (default 6)
  --duration <s>           stop after this many seconds (default: until Ctrl-C)
  --seed <seed>            same seed, same traffic (default: random)
  --line <line>            the line calls come in on (default 5200)
  --extensions <a,b,c>     extensions that answer (default 101,102,103)
  --transfer-to <a,b>      where transfers go, e.g. 110 (default: another answering extension)
  --calls-per-extension <n> calls one extension holds at once (default 1)
  --speed <x>              simulated time runs x times faster (default 1)
  --talk <s>               median talk time in seconds (default 180)
  --patience <s>           median patience of a waiting caller in seconds (default 90)
  --late <share>           share of events delivered late (default 0.05)
  --duplicates <share>     share of events delivered twice (default 0.04)
  --report <s>             print a summary this often (default 30; 0: never)
  -h, --help               this help

With 3 extensions and ~3-minute talks the line answers about 1 call a minute; at higher rates callers queue
and many hang up, as they would. Stop with Ctrl-C: calls still on the line are hung up and the last events
sent; a second Ctrl-C quits at once.`;

function fail(message: string): never {
  console.error(`pnpm simulate: ${message}\n\n${HELP}`);
  process.exit(64);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        url: { type: 'string' },
        secret: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        line: { type: 'string' },
        extensions: { type: 'string' },
        'transfer-to': { type: 'string' },
        'calls-per-extension': { type: 'string' },
        speed: { type: 'string' },
        talk: { type: 'string' },
        patience: { type: 'string' },
        late: { type: 'string' },
        duplicates: { type: 'string' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    fail((err as Error).message);
  }
})();

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function num(name: string, value: string | undefined, check: (n: number) => boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) fail(`--${name} ${value} is not valid`);
  return n;
}
const share = (n: number) => n >= 0 && n <= 1;
const list = (v: string | undefined) =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const secret = values.secret ?? process.env.TELEPHONY_SECRET ?? readLocalEnv().TELEPHONY_SECRET;
if (!secret) {
  fail(
    'no TELEPHONY_SECRET: pass --secret, set TELEPHONY_SECRET, or run `pnpm start` once so .env.local has one',
  );
}
const extensions = list(values.extensions);
if (extensions && extensions.length === 0) fail('--extensions needs at least one extension');

const options: SimulatorOptions = {
  url: values.url,
  secret,
  rate: num('rate', values.rate, (n) => n > 0),
  duration: num('duration', values.duration, (n) => n > 0),
  seed: values.seed,
  line: values.line,
  extensions,
  transferTo: list(values['transfer-to']),
  callsPerExtension: num(
    'calls-per-extension',
    values['calls-per-extension'],
    (n) => Number.isInteger(n) && n > 0,
  ),
  speed: num('speed', values.speed, (n) => n > 0),
  talkSeconds: num('talk', values.talk, (n) => n > 0),
  patienceSeconds: num('patience', values.patience, (n) => n > 0),
  lateShare: num('late', values.late, share),
  duplicateShare: num('duplicates', values.duplicates, share),
  reportEvery: num('report', values.report, (n) => n >= 0) ?? 30,
};

const sim = createSimulator(options);
let interrupted = false;
const onSignal = () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.log('[simulator] stopping: hanging up the calls on the line (Ctrl-C again to quit at once)');
  void sim.stop();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

sim.start();
const final = await sim.done;
process.exit(final.failedRequests > 0 && final.events === 0 ? 1 : 0);
