/**
 * Prints self-contained HTML to an A4 PDF with the system's Chromium (puppeteer-core, which
 * downloads no browser). The page gets no network: every request other than inline data is
 * aborted and page scripts are off, so the PDF shows exactly the HTML it was given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { TimeoutError } from 'puppeteer-core';
import type { Browser } from 'puppeteer-core';
import { findChromium } from './find-chromium.ts';

/** What goes on every page besides the body (puppeteer header and footer templates). */
export interface PageFurniture {
  /** HTML of the running header; `<span class="pageNumber">` and `totalPages` are filled in by Chromium. */
  headerTemplate: string;
  footerTemplate: string;
}

/** Page geometry: A4 with room for the running header and footer. */
const PAGE = { format: 'A4', margin: { top: '20mm', bottom: '18mm', left: '16mm', right: '16mm' } } as const;

/**
 * Chromium with no network at all. `--disable-background-networking` alone still let it look
 * up clients2.google.com and accounts.google.com and try a DoH probe to 2001:4860:4860::8888
 * while printing: every name now resolves to nothing, every connection goes to a proxy on a
 * closed loopback port, secure DNS and the background services are off. The page itself is
 * held to its own HTML by request interception (`printPdf`).
 */
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--font-render-hinting=none',
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=http://127.0.0.1:9',
  '--dns-prefetch-disable',
  '--no-pings',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-default-apps',
  '--disable-breakpad',
  '--disable-field-trial-config',
  '--no-service-autorun',
  '--password-store=basic',
  '--disable-features=DnsOverHttps,AsyncDns,OptimizationHints,MediaRouter,DialMediaRouteProvider,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying,InterestFeedContentSuggestions',
];

/** A Chromium started for printing, with its throw-away profile. */
export interface PrintingBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * How long one launch may take. Chromium starts in about a second on a quiet machine; a
 * launch is given 60 s and, should it time out, one more of twice that (a machine busy
 * enough to miss the first is given room rather than a failed report), then the error says
 * both limits.
 */
const LAUNCH_TIMEOUTS_MS = [60_000, 120_000];

let launches = 0;

/** How many Chromiums this process has started (the shared browser's spec and the fleet bench read it). */
export function browserLaunches(): number {
  return launches;
}

/** Starts Chromium (`chromium` as {@link findChromium} finds it unless given). */
export async function launchBrowser(chromium: string = findChromium()): Promise<PrintingBrowser> {
  const failures: string[] = [];
  for (const timeout of LAUNCH_TIMEOUTS_MS) {
    const userDataDir = mkdtempSync(join(tmpdir(), 'dnsconform-chromium-'));
    launches += 1;
    try {
      const browser = await puppeteer.launch({
        executablePath: chromium,
        headless: true,
        userDataDir,
        args: LAUNCH_ARGS,
        timeout,
      });
      return {
        browser,
        async close() {
          try {
            await browser.close();
          } finally {
            rmSync(userDataDir, { recursive: true, force: true });
          }
        },
      };
    } catch (error) {
      rmSync(userDataDir, { recursive: true, force: true });
      failures.push(`within ${timeout / 1000} s: ${(error as Error).message.split('\n')[0]}`);
      if (!(error instanceof TimeoutError)) break;
    }
  }
  throw new Error(`could not start Chromium (${chromium}) to print the PDF report: ${failures.join('; then ')}`);
}

/**
 * Reports printed at once in one browser (a page each). Chromium lays out and prints on the
 * machine's cores; more pages at once only queue inside it and stretch each page's timeout.
 */
const PAGES_AT_ONCE = Math.max(2, availableParallelism());

/**
 * One Chromium per process and executable, shared by every report printed while it runs: a
 * fleet of 100 devices printed 100 reports at once, and 100 Chromiums started together
 * exhausted the machine. The browser closes once no report has been printing for
 * {@link IDLE_CLOSE_MS} (reports finalised one after another share it; a command that
 * printed its last report waits that long before it exits, and its Chromium profile is
 * removed), and is started again should it crash.
 */
const IDLE_CLOSE_MS = 500;
const browsers = new Map<string, Promise<PrintingBrowser>>();
let printing = 0;
/** Holds of {@link holdBrowser} not yet released: the browser stays open while any is held. */
let holds = 0;
let idleTimer: NodeJS.Timeout | undefined;
const waiting: (() => void)[] = [];

/** The shared browser for `chromium`, started if none runs (or the last one died). */
async function sharedBrowser(chromium: string): Promise<PrintingBrowser> {
  const running = browsers.get(chromium);
  if (running) {
    const shared = await running.catch(() => null);
    if (shared?.browser.connected) return shared;
    if (browsers.get(chromium) === running) browsers.delete(chromium);
    if (shared) void shared.close().catch(() => undefined);
  }
  const started = browsers.get(chromium) ?? launchBrowser(chromium);
  browsers.set(chromium, started);
  started.catch(() => {
    if (browsers.get(chromium) === started) browsers.delete(chromium);
  });
  return started;
}

/** Closes every shared browser (when the last report has printed). */
async function closeBrowsers(): Promise<void> {
  const all = [...browsers.values()];
  browsers.clear();
  await Promise.all(all.map(async (started) => (await started.catch(() => null))?.close().catch(() => undefined)));
}

/** Waits for one of the {@link PAGES_AT_ONCE} printing slots. */
async function takeSlot(): Promise<void> {
  clearTimeout(idleTimer);
  if (printing < PAGES_AT_ONCE) {
    printing += 1;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

/** Hands the slot to the next report waiting, or starts the idle timer. */
function giveSlot(): void {
  const next = waiting.shift();
  if (next) {
    next();
    return;
  }
  printing -= 1;
  if (printing === 0 && holds === 0) {
    idleTimer = setTimeout(() => void closeBrowsers(), IDLE_CLOSE_MS);
  }
}

/**
 * Starts the shared Chromium now for a report printed later, and keeps it open until the
 * hold is released: a command that reads and judges for seconds before it prints
 * (`analyze`) overlaps Chromium's start with that work. Released, the browser closes at
 * once if nothing else prints or holds it (the command is done printing: it need not wait
 * for the idle timer to exit). A Chromium that cannot be found or started is not an error
 * here: printing reports it.
 */
export function holdBrowser(chromium?: string): { release(): Promise<void> } {
  let executable: string;
  try {
    executable = chromium ?? findChromium();
  } catch {
    return { release: async () => undefined };
  }
  clearTimeout(idleTimer);
  holds += 1;
  sharedBrowser(executable).catch(() => undefined);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      holds -= 1;
      if (printing === 0 && holds === 0) {
        clearTimeout(idleTimer);
        await closeBrowsers();
      }
    },
  };
}

/** Prints `html` in a browser already started. */
export async function printPdf(browser: Browser, html: string, furniture: PageFurniture): Promise<Uint8Array> {
  const page = await browser.newPage();
  try {
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith('data:') || request.url() === 'about:blank') void request.continue();
      else void request.abort('blockedbyclient');
    });
    // Print media from the start: emulated after the content was laid out, the whole report was laid out once more
    // (the 25-page report of a 1 GB capture printed 0.1-0.7 s faster this way, 4 of 4 prints, load 7).
    await page.emulateMediaType('print');
    await page.setContent(html, { waitUntil: 'load', timeout: 60_000 });
    return await page.pdf({
      ...PAGE,
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: furniture.headerTemplate,
      footerTemplate: furniture.footerTemplate,
      outline: true,
      tagged: true,
      timeout: 60_000,
    });
  } finally {
    await page.close();
  }
}

/**
 * Prints `html` to PDF in the process's shared Chromium (started on first use), at most
 * {@link PAGES_AT_ONCE} reports at once. A print whose browser died under it is tried once
 * more in a new one.
 */
export async function renderPdf(html: string, furniture: PageFurniture, chromium?: string): Promise<Uint8Array> {
  const executable = chromium ?? findChromium();
  await takeSlot();
  try {
    for (let attempt = 1; ; attempt += 1) {
      const shared = await sharedBrowser(executable);
      try {
        return await printPdf(shared.browser, html, furniture);
      } catch (error) {
        if (shared.browser.connected || attempt > 1) throw error;
      }
    }
  } finally {
    giveSlot();
  }
}
