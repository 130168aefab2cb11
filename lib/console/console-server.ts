/**
 * The lab console over HTTP (Fastify): the runs, one run live (server-sent events from the
 * run's evidence log or its bench's published progress), a finished run with its verdict,
 * Table I row, figures, documents, bundle and `verify` result, and the fleet. Pages are
 * rendered on the server with handlebars in the report's style. The console reads run
 * directories and never writes to one; the only thing it changes is the queue (a run
 * submitted or retried).
 *
 * Every request but the login needs the token (a cookie set by the login, or
 * `Authorization: Bearer`), unless `serve` was told `--no-token` on loopback.
 */
import { createReadStream, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve, sep } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { RUN_FILES } from '../evidence/run-directory.ts';
import { loadProfile } from '../profile/load-profile.ts';
import type { Profile } from '../profile/profile-types.ts';
import { REPORT_HTML_FILE, REPORT_PDF_FILE } from '../report/bundle-files.ts';
import { createBundle, openRunOrBundle } from '../report/bundle.ts';
import { FLEET_HEADINGS, FLEET_MARKS, fleetRow } from '../report/fleet-summary.ts';
import type { FleetRow } from '../report/fleet-summary.ts';
import { formatDateTime } from '../report/html/helpers.ts';
import { TABLE_I_HEADINGS } from '../report/table-i.ts';
import { verifyRun } from '../report/verify-run.ts';
import type { VerifyOutcome } from '../report/verify-run.ts';
import { TABLE_I_COLUMNS } from '../catalogue/table-i-columns.ts';
import { findRun, jobProgress, listRuns, summariseJob } from './console-runs.ts';
import type { RunLocation, RunSources } from './console-runs.ts';
import { tokenMatches } from './console-token.ts';
import { RUN_KEY, durationOf, readReport, summariseRunDir } from './run-index.ts';
import type { RunSummary } from './run-index.ts';
import { RunProgressTail } from './run-progress.ts';
import type { RunProgress } from './run-progress.ts';

const TEMPLATE_DIR = join(import.meta.dirname, '..', '..', 'templates');

/** The cookie the login sets. */
export const TOKEN_COOKIE = 'dnsconform-console';

export interface ConsoleOptions extends RunSources {
  /** The login token; null only for `--no-token` on loopback. */
  token: string | null;
  /** The lab's public key to verify signatures with; the run's bundled key when absent. */
  publicKeyFile?: string;
  /** How often a live page's stream is refreshed (ms). */
  streamEveryMs?: number;
}

type Page = (context: object) => string;

function compilePages(): Record<'runs' | 'run' | 'fleet' | 'login', Page> {
  const hbs = Handlebars.create();
  hbs.registerPartial('reportStyle', readFileSync(join(TEMPLATE_DIR, 'report.css.hbs'), 'utf8'));
  hbs.registerPartial('consoleLayout', readFileSync(join(TEMPLATE_DIR, 'console-layout.html.hbs'), 'utf8'));
  hbs.registerHelper('datetime', (iso: unknown) => (typeof iso === 'string' ? formatDateTime(iso) : '–'));
  hbs.registerHelper('duration', (s: unknown) =>
    typeof s === 'number' ? (s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`) : '–',
  );
  hbs.registerHelper('lower', (s: unknown) =>
    String(s ?? '')
      .toLowerCase()
      .replace(/_/g, '-'),
  );
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('json', (v: unknown) => JSON.stringify(v ?? null).replace(/</g, '\\u003c'));
  const load = (name: string): Page => hbs.compile(readFileSync(join(TEMPLATE_DIR, name), 'utf8'), { strict: false });
  return {
    runs: load('console-runs.html.hbs'),
    run: load('console-run.html.hbs'),
    fleet: load('console-fleet.html.hbs'),
    login: load('console-login.html.hbs'),
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ndjson': 'application/x-ndjson',
  '.yaml': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.pem': 'text/plain; charset=utf-8',
  '.sig': 'application/octet-stream',
  '.pcapng': 'application/octet-stream',
  '.gz': 'application/gzip',
};

/** The Table I row of a report as cells for the page. */
function tableICells(report: NonNullable<ReturnType<typeof readReport>>) {
  return TABLE_I_COLUMNS.map((column) => ({
    heading: TABLE_I_HEADINGS[column],
    cell: report.tableI[column],
    mark: FLEET_MARKS[report.tableI[column]],
  }));
}

/** What the live part of a run page shows, from its published progress or its log. */
interface LiveView {
  state: string;
  bench: string;
  progress: RunProgress | null;
  durationSeconds: number | null;
}

/** Builds the console (not yet listening). */
export async function buildConsole(options: ConsoleOptions): Promise<FastifyInstance> {
  const pages = compilePages();
  const app = Fastify({ logger: false });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  const verified = new Map<string, Promise<VerifyOutcome>>();

  const authorised = (request: FastifyRequest): boolean => {
    if (options.token === null) return true;
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    return tokenMatches(options.token, bearer) || tokenMatches(options.token, request.cookies[TOKEN_COOKIE]);
  };

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    if (request.url === '/login' || request.url.startsWith('/login?')) return;
    if (authorised(request)) return;
    const wantsHtml = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
    reply.code(401);
    if (wantsHtml) return reply.type('text/html; charset=utf-8').send(pages.login({ title: 'Log in' }));
    return reply.type('text/plain').send('401: the console needs its token (log in at /login)\n');
  });

  const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);

  const login = async (reply: FastifyReply, given: string | undefined) => {
    if (options.token !== null && !tokenMatches(options.token, given)) {
      reply.code(401);
      return html(reply, pages.login({ title: 'Log in', wrong: given !== undefined }));
    }
    if (options.token !== null)
      reply.setCookie(TOKEN_COOKIE, options.token, { path: '/', httpOnly: true, sameSite: 'strict' });
    return reply.redirect('/');
  };
  app.get<{ Querystring: { token?: string } }>('/login', (request, reply) =>
    request.query.token === undefined
      ? html(reply, pages.login({ title: 'Log in' }))
      : login(reply, request.query.token),
  );
  app.post<{ Body: { token?: string } }>('/login', (request, reply) => login(reply, request.body?.token));

  const benchesAndProfiles = async () => {
    const benches = options.queues ? await options.queues.benches() : [];
    const profiles = [...new Set(benches.flatMap((b) => b.profiles))].sort();
    return { benches, profiles };
  };

  app.get('/', async (_request, reply) => {
    const runs = await listRuns(options);
    const { benches, profiles } = await benchesAndProfiles();
    return html(
      reply,
      pages.runs({
        title: 'Runs',
        runs,
        queued: options.queues !== null,
        benches,
        profiles,
        reportsDir: options.reportsDir,
      }),
    );
  });

  app.get('/api/runs', async () => ({ runs: await listRuns(options) }));

  app.get('/api/benches', async () => ({ benches: (await benchesAndProfiles()).benches }));

  const found = async (key: string, reply: FastifyReply): Promise<RunLocation | null> => {
    if (!RUN_KEY.test(key)) {
      reply.code(404).type('text/plain').send(`no run ${key}\n`);
      return null;
    }
    const run = await findRun(options, key);
    if (!run) reply.code(404).type('text/plain').send(`no run ${key}\n`);
    return run;
  };

  /** The bundle of a finished run: the stored or existing one, or one packed into a temporary folder. */
  const bundleOf = async (run: RunLocation): Promise<{ file: string; cleanup: () => void } | null> => {
    if (run.bundle) return { file: run.bundle, cleanup: () => {} };
    if (!run.runDir || readReport(run.runDir) === null) return null;
    const dir = mkdtempSync(join(tmpdir(), 'dnsconform-console-'));
    const made = await createBundle(run.runDir, { out: join(dir, `${run.summary.runId}.tar.gz`) });
    return { file: made.file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  };

  /** `verify` of the run's bundle, as a regulator runs it; once per run (a finished run does not change). */
  const verifyOf = (run: RunLocation): Promise<VerifyOutcome> | null => {
    if (!run.runDir || run.summary.state !== 'finished') return null;
    const key = run.runDir;
    let outcome = verified.get(key);
    if (!outcome) {
      outcome = (async () => {
        const bundle = await bundleOf(run);
        if (!bundle) throw new Error('no bundle');
        const opened = await openRunOrBundle(bundle.file);
        try {
          return verifyRun(opened.runDir, options.publicKeyFile ? { publicKeyFile: options.publicKeyFile } : {});
        } finally {
          opened.close();
          bundle.cleanup();
        }
      })();
      verified.set(key, outcome);
    }
    return outcome;
  };

  const liveView = async (run: RunLocation, tail?: RunProgressTail): Promise<LiveView> => {
    if (run.kind === 'local') {
      const progress = (tail ?? new RunProgressTail(run.runDir)).read();
      const summary = summariseRunDir(run.runDir, run.summary.key, 'local');
      return { state: summary.state, bench: 'local', progress, durationSeconds: durationOf(progress) };
    }
    const job = (await options.queues!.job(String(run.job.id))) ?? run.job;
    const summary = await summariseJob(job);
    return {
      state: summary.state,
      bench: summary.bench,
      progress: jobProgress(job),
      durationSeconds: summary.durationSeconds,
    };
  };

  app.get<{ Params: { key: string } }>('/runs/:key', async (request, reply) => {
    const run = await found(request.params.key, reply);
    if (!run) return reply;
    const report = run.runDir ? readReport(run.runDir) : null;
    const verification = verifyOf(run);
    let verify: { ok: boolean; problems: string[]; notes: string[]; signer: string | null } | null = null;
    if (verification) {
      try {
        const outcome = await verification;
        verify = {
          ok: outcome.ok,
          problems: outcome.files.flatMap((f) => f.problems.map((p) => `${f.file}: ${p}`)),
          notes: outcome.notes,
          signer: outcome.signer ? `${outcome.signer.source} key ${outcome.signer.fingerprint}` : null,
        };
      } catch (error) {
        verify = { ok: false, problems: [(error as Error).message], notes: [], signer: null };
      }
    }
    const { benches } = await benchesAndProfiles();
    const live = await liveView(run);
    const summary: RunSummary = run.summary;
    return html(
      reply,
      pages.run({
        title: `Run ${summary.key}`,
        run: summary,
        live,
        report,
        tableI: report ? tableICells(report) : null,
        figures: report?.figures ?? [],
        hasHtml: run.runDir !== null && existsSync(join(run.runDir, REPORT_HTML_FILE)),
        hasPdf: run.runDir !== null && existsSync(join(run.runDir, REPORT_PDF_FILE)),
        verify,
        evidence:
          run.kind === 'job'
            ? { onBench: run.progress?.runDir ?? null, bench: run.progress?.bench ?? null, stored: run.evidence }
            : null,
        canRetry: run.kind === 'job' && summary.state === 'failed',
        retryBenches: benches.filter((b) => b.profiles.includes(summary.profile ?? '')),
        streaming: summary.state === 'running' || summary.state === 'queued',
      }),
    );
  });

  app.get<{ Params: { key: string } }>('/runs/:key/stream', async (request, reply) => {
    const run = await found(request.params.key, reply);
    if (!run) return reply;
    reply.hijack();
    reply.raw.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    const tail = run.kind === 'local' ? new RunProgressTail(run.runDir) : undefined;
    let last = '';
    let closed = false;
    const send = async () => {
      const view = await liveView(run, tail);
      const data = JSON.stringify(view);
      if (data !== last && !closed) reply.raw.write(`data: ${data}\n\n`);
      last = data;
      if (view.state !== 'running' && view.state !== 'queued' && !closed) {
        reply.raw.write(`event: end\ndata: ${JSON.stringify(view.state)}\n\n`);
        stop();
      }
    };
    const timer = setInterval(() => {
      send().catch(() => stop());
    }, options.streamEveryMs ?? 1000);
    const stop = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      reply.raw.end();
    };
    request.raw.on('close', stop);
    await send().catch(() => stop());
  });

  app.get<{ Params: { key: string; '*': string } }>('/runs/:key/files/*', async (request, reply) => {
    const run = await found(request.params.key, reply);
    if (!run) return reply;
    const dir = run.runDir ?? (run.kind === 'job' ? null : null);
    const wanted = request.params['*'];
    if (!dir) return reply.code(404).type('text/plain').send('the run has no files here yet\n');
    const file = resolve(dir, wanted);
    const inside = relative(resolve(dir), file);
    if (
      inside === '' ||
      inside.startsWith('..') ||
      inside.includes(`..${sep}`) ||
      !existsSync(file) ||
      !lstatSync(file).isFile()
    )
      return reply.code(404).type('text/plain').send(`no file ${wanted} in run ${request.params.key}\n`);
    reply.type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
    // Run files are evidence to look at, not pages of the console: no scripts, no forms.
    reply.header('Content-Security-Policy', "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    return reply.send(createReadStream(file));
  });

  app.get<{ Params: { key: string } }>('/runs/:key/bundle', async (request, reply) => {
    const run = await found(request.params.key, reply);
    if (!run) return reply;
    const bundle = await bundleOf(run);
    if (!bundle) return reply.code(404).type('text/plain').send('the run has no bundle: it did not finish\n');
    const name = `${run.summary.runId}.tar.gz`;
    reply.header('Content-Disposition', `attachment; filename="${name}"`);
    reply.type('application/gzip');
    const stream = createReadStream(bundle.file);
    stream.on('close', bundle.cleanup);
    return reply.send(stream);
  });

  app.get('/fleet', async (_request, reply) => {
    const latest = new Map<string, { row: FleetRow; verdict: string; bench: string; key: string }>();
    const runs = (await listRuns(options)).filter((r) => r.state === 'finished');
    for (const summary of runs) {
      const run = await findRun(options, summary.key);
      if (!run?.runDir) continue;
      const report = readReport(run.runDir);
      if (!report || latest.has(report.dut.id)) continue;
      // The profile copy says which Table I row the device should get (its paper row); a run
      // whose copy no longer loads with this harness still shows its own row, compared to none.
      let row: FleetRow;
      try {
        row = fleetRow(report, loadProfile(join(run.runDir, RUN_FILES.profile)).profile, run.runDir);
      } catch {
        const { rule: _rule, ...tableI } = report.tableI;
        row = {
          ...fleetRow(report, { dut: report.dut } as Profile, run.runDir),
          tableI,
          expected: null,
          differences: [],
        };
      }
      latest.set(report.dut.id, {
        row,
        verdict: report.overall.verdict,
        bench: summary.bench,
        key: summary.key,
      });
    }
    const rows = [...latest.values()]
      .sort((a, b) => (a.row.device < b.row.device ? -1 : 1))
      .map((entry) => ({
        ...entry,
        cells: TABLE_I_COLUMNS.map((column) => ({
          cell: entry.row.tableI[column],
          mark: FLEET_MARKS[entry.row.tableI[column]],
          differs: entry.row.differences.includes(column),
        })),
      }));
    const { benches } = await benchesAndProfiles();
    const all = await listRuns(options);
    const counts = ['queued', 'running', 'finished', 'failed'].map((state) => ({
      state,
      n: all.filter((r) => r.state === state).length,
    }));
    return html(
      reply,
      pages.fleet({
        title: 'Fleet',
        headings: TABLE_I_COLUMNS.map((c) => FLEET_HEADINGS[c]),
        rows,
        benches,
        counts,
        queued: options.queues !== null,
      }),
    );
  });

  app.post<{ Body: { profile?: string; plan?: string; window?: string; bench?: string } }>(
    '/submit',
    async (request, reply) => {
      if (!options.queues)
        return reply.code(404).type('text/plain').send('no queue: serve was started without --redis\n');
      const { profile, plan, window, bench } = request.body ?? {};
      if (!profile || !plan) return reply.code(400).type('text/plain').send('a run needs a profile and a plan\n');
      const windowSeconds = window === undefined || window === '' ? undefined : Number(window);
      if (windowSeconds !== undefined && !(windowSeconds > 0))
        return reply.code(400).type('text/plain').send(`window "${window}" is not a positive number of seconds\n`);
      const id = await options.queues.submit({
        profile,
        plan,
        ...(windowSeconds !== undefined ? { windowSeconds } : {}),
        ...(bench ? { bench } : {}),
        submittedBy: 'console',
      });
      return reply.redirect(`/runs/${id}`, 303);
    },
  );

  app.post<{ Params: { key: string }; Body: { bench?: string } }>('/runs/:key/retry', async (request, reply) => {
    const run = await found(request.params.key, reply);
    if (!run) return reply;
    if (run.kind !== 'job' || run.summary.state !== 'failed')
      return reply.code(409).type('text/plain').send('only a failed queued run can be retried\n');
    const { submittedAt: _at, bench: _bench, ...request0 } = run.job.data;
    const bench = request.body?.bench;
    const id = await options.queues!.submit({
      ...request0,
      ...(bench ? { bench } : {}),
      retryOf: String(run.job.id),
      submittedBy: 'console',
    });
    return reply.redirect(`/runs/${id}`, 303);
  });

  return app;
}
