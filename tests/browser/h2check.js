// h2check.js - load one page in Debian's Chromium and say which protocol
// the browser used for it, as the browser itself reports it
// (performance.getEntries()[0].nextHopProtocol).
//
//   node h2check.js --url URL --spki B64[,B64...] [--map 'MAP host ip']
//                   [--proxy http://127.0.0.1:PORT] [--timeout MS]
//
// Prints one JSON line: {"status":200,"protocol":"h2","title":"...",
// "via":"...","error":null}. Exit 0 when the page loaded (whatever its
// status), 1 otherwise. A fresh profile each run, removed at the end;
// no network but the loopback (the flags below turn off Chromium's own
// background traffic; QUIC is off so that h2 is what ALPN gives).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

let puppeteer;
try {
    puppeteer = require('puppeteer-core');
} catch (e) {
    console.log(JSON.stringify({ error: 'puppeteer-core not installed: run npm ci in tests/browser' }));
    process.exit(1);
}

function arg(name, def) {
    const i = process.argv.indexOf('--' + name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

async function main() {
    const url = arg('url');
    const timeout = parseInt(arg('timeout', '20000'), 10);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgesim-chromium-'));
    const flags = [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
        '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
        `--user-data-dir=${dir}`,
        // The lab's leaf certificates, by the SHA-256 of their public
        // keys: trusted without touching any trust store.
        `--ignore-certificate-errors-spki-list=${arg('spki', '')}`,
    ];
    if (arg('map'))
        flags.push(`--host-resolver-rules=${arg('map')}`);
    if (arg('proxy'))
        flags.push(`--proxy-server=${arg('proxy')}`);
    const out = { status: null, protocol: null, title: null, via: null, error: null };
    let browser;
    try {
        browser = await puppeteer.launch({
            executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
            headless: false,        // --headless is in flags: Chromium's own
            args: flags,
            timeout,
        });
        const page = await browser.newPage();
        const res = await page.goto(url, { waitUntil: 'load', timeout });
        out.status = res.status();
        out.via = res.headers()['via'] || null;
        out.protocol = await page.evaluate(
            () => performance.getEntries()[0].nextHopProtocol);
        out.title = await page.title();
    } catch (e) {
        out.error = String(e && e.message || e).split('\n')[0];
    } finally {
        if (browser)
            await browser.close().catch(() => {});
        fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(JSON.stringify(out));
    process.exit(out.status ? 0 : 1);
}

main();
