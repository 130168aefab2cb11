/**
 * Prints self-contained HTML to an A4 PDF with the system's Chromium (puppeteer-core, which
 * downloads no browser). The page gets no network: every request other than inline data is
 * aborted and page scripts are off, so the PDF shows exactly the HTML it was given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
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

/** Starts Chromium (`chromium` as {@link findChromium} finds it unless given). */
export async function launchBrowser(chromium: string = findChromium()): Promise<PrintingBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'dnsconform-chromium-'));
  try {
    const browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      userDataDir,
      args: LAUNCH_ARGS,
      timeout: 60_000,
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
    throw new Error(`could not start Chromium (${chromium}) to print the PDF report: ${(error as Error).message}`);
  }
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
    await page.setContent(html, { waitUntil: 'load', timeout: 60_000 });
    await page.emulateMediaType('print');
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

/** Starts Chromium, prints `html` to PDF, and stops it. */
export async function renderPdf(html: string, furniture: PageFurniture, chromium?: string): Promise<Uint8Array> {
  const printing = await launchBrowser(chromium);
  try {
    return await printPdf(printing.browser, html, furniture);
  } finally {
    await printing.close();
  }
}
