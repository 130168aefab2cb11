/**
 * Prints one page that tries every way out (remote image, stylesheet, font, prefetch,
 * preconnect, iframe), for `pdf-offline.e2e.spec.ts`, which runs it inside a network
 * namespace and watches the namespace's only way out. Prints the PDF's size.
 */
import { renderPdf } from '../lib/report/pdf/render-pdf.ts';

const html = `<!doctype html><html><head>
<link rel="dns-prefetch" href="//prefetch.dnsconform.test"><link rel="preconnect" href="https://preconnect.dnsconform.test">
<link rel="stylesheet" href="https://style.dnsconform.test/a.css">
<style>@font-face { font-family: x; src: url(https://font.dnsconform.test/x.woff2); } body { font-family: x, sans-serif; }</style>
</head><body><h1>offline</h1><img src="https://image.dnsconform.test/x.png"><iframe src="http://frame.dnsconform.test/"></iframe></body></html>`;
const pdf = await renderPdf(html, {
  headerTemplate: '<span></span>',
  footerTemplate: '<span class="pageNumber"></span>',
});
process.stdout.write(`${pdf.length}\n`);
