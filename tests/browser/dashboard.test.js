// dashboard.test.js - the dashboard in a real browser (issue 13): headless
// Chromium from Debian, driven by puppeteer-core. Run by
// tests/integration/42-dashboard-browser.sh, which starts edgesim on the
// demo chain with SNI off at the akamai edge (seed 000) and admin on, and
// made a failing request before this page was opened.
//
// Prints TAP lines ("ok - ..." / "not ok - ..."), exits 1 on a failure.
//
// Environment: ADMIN (http://127.0.0.1:PORT), EDGE_PORT (the akamai
// edge), CA (the lab CA file), SHOT (where to save the screenshot),
// CHROMIUM (default /usr/bin/chromium).
"use strict";

const fs = require("fs");
const https = require("https");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const ADMIN = process.env.ADMIN;
const EDGE_PORT = +process.env.EDGE_PORT;
const CA = fs.readFileSync(process.env.CA);
const SHOT = process.env.SHOT || "build/dashboard.png";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const BAD_HOP = '[data-key="origin:akamai/cloudfront-dist"]';

let failed = 0;
function ok(cond, what, diag) {
  console.log((cond ? "ok - " : "not ok - ") + what);
  if (!cond) {
    failed++;
    if (diag) console.log(String(diag).split("\n").map(l => "# " + l).join("\n"));
  }
}

const agent = new https.Agent({ keepAlive: true, maxSockets: 20 });
// A request through the akamai edge by its real name, as curl --resolve.
function request(p) {
  return new Promise(resolve => {
    const req = https.get({ host: "127.0.0.1", port: EDGE_PORT, path: p, servername: "www.example.com",
      headers: { Host: "www.example.com:" + EDGE_PORT }, ca: CA, agent }, res => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", e => resolve("error " + e.message));
  });
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "edgesim-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--user-data-dir=" + profile],
  });
  const consoleErrors = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1500, height: 1000 });
    page.on("console", m => { if (m.type() === "error") consoleErrors.push(m.text()); });
    page.on("pageerror", e => consoleErrors.push("page error: " + e.message));
    // Only the admin listener may be asked for anything (offline, no CDN).
    const elsewhere = [];
    page.on("request", r => { if (!r.url().startsWith(ADMIN) && !r.url().startsWith("data:")) elsewhere.push(r.url()); });

    await page.goto(ADMIN + "/", { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#conn.live", { timeout: 10000 });
    ok(true, "the dashboard loads and its event stream is live");

    const nodes = await page.$$eval(".node", ns => ns.map(n => n.dataset.key));
    const want = ["viewers", "edge:akamai", "host:akamai/www.example.com", "origin:akamai/cloudfront-dist",
      "edge:cloudfront", "host:cloudfront/d111111abcdef8.cloudfront.net", "origin:cloudfront/api", "origin:cloudfront/site"];
    ok(want.every(k => nodes.includes(k)), "the chain is drawn as one path: viewers, both edges, their hosts and origins",
      nodes.join(" "));
    const edgeText = await page.$eval('[data-key="edge:akamai"]', n => n.textContent);
    ok(edgeText.includes("akamai") && edgeText.includes("127.0.0.1:" + EDGE_PORT),
      "an edge shows its persona and listen address", edgeText);

    // The request made before the page was opened is already on it.
    await page.waitForSelector(BAD_HOP + ".bad", { timeout: 5000 }).catch(() => {});
    let text = await page.$eval(BAD_HOP, n => n.className + " | " + n.textContent);
    ok(text.includes("bad") && text.includes("no_certificate"),
      "a failure from before the page was opened is drawn red, with its sub-reason", text);

    // Live: more requests, the hop stays red, says why and how to fix it.
    const rowsBefore = await page.$$eval("#events tbody tr", r => r.length);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await request("/live" + i));
    ok(codes.every(c => c === 503), "live requests through the broken hop answer 503", codes.join(" "));
    await page.waitForFunction(n => document.querySelectorAll("#events tbody tr").length >= n + 6,
      { timeout: 5000 }, rowsBefore).catch(() => {});
    const rowsAfter = await page.$$eval("#events tbody tr", r => r.length);
    ok(rowsAfter >= rowsBefore + 6, "each live request and origin handshake appears in the events (" +
      rowsBefore + " -> " + rowsAfter + " rows)");
    text = await page.$eval(BAD_HOP, n => n.className + " | " + n.textContent);
    ok(/\bbad\b/.test(text), "the failing hop (akamai -> cloudfront-dist) is red", text);
    ok(text.includes("ERR_FWD_SSL_HANDSHAKE") && text.includes("no_certificate"),
      "  ... with its code and sub-reason", text);
    ok(text.includes("SNI sent: -"), "  ... and the SNI sent (none)", text);
    ok(/fix: .*sni = on/.test(text), "  ... and the fix line", text);
    const colour = await page.$eval(BAD_HOP, n => getComputedStyle(n).borderTopColor);
    ok(colour === "rgb(198, 40, 40)", "  ... drawn in red (" + colour + ")");
    const good = await page.$eval('[data-key="origin:cloudfront/site"]', n => n.className);
    ok(!/\bbad\b/.test(good), "a hop that did not fail is not red", good);
    await page.waitForFunction(() => {
      const m = document.querySelector('[data-key="edge:akamai"] .count').textContent.match(/(\d+) requests/);
      return m && +m[1] >= 4;
    }, { timeout: 3000 }).catch(() => {});
    const count = await page.$eval('[data-key="edge:akamai"] .count', n => n.textContent);
    const m = count.match(/(\d+) requests, (\d+) errors/);
    ok(m && +m[1] >= 4 && m[1] === m[2], "per-hop counters: the akamai edge counted every request as an error (" + count + ")");

    // Clicking the reference shows the explain story.
    const ref = await page.$eval(BAD_HOP + " a.ref", a => a.dataset.ref);
    await page.click(BAD_HOP + " a.ref");
    await page.waitForFunction(() => document.querySelector("#explain").textContent.startsWith("Reference"),
      { timeout: 5000 }).catch(() => {});
    const story = await page.$eval("#explain", n => n.textContent);
    ok(story.startsWith("Reference " + ref), "clicking the reference shows its explain story", story.slice(0, 300));
    ok(story.includes("no_certificate") && story.includes("sni = on"), "  ... with the why and the fix", story);

    // 1,000 events a second (each request here makes three: the origin
    // handshake, the request, the inner edge's refused viewer handshake):
    // the page stays responsive (its own event loop, measured inside it)
    // and bounded.
    await page.evaluate(() => {
      window.__lag = 0;
      let last = performance.now();
      window.__probe = setInterval(() => {
        const now = performance.now();
        window.__lag = Math.max(window.__lag, now - last - 50);
        last = now;
      }, 50);
    });
    const t0 = Date.now();
    const burst = [];
    for (let i = 0; i < 1500; i++) burst.push(request("/burst" + i));
    await Promise.all(burst);
    const secs = (Date.now() - t0) / 1000;
    await new Promise(r => setTimeout(r, 500));
    const lag = Math.round(await page.evaluate(() => { clearInterval(window.__probe); return window.__lag; }));
    const rows = await page.$$eval("#events tbody tr", r => r.length);
    ok(lag < 500, "under " + Math.round(1500 * 3 / secs) + " events/s the page's longest stall was " + lag + " ms");
    ok(rows <= 200, "the events table stays bounded (" + rows + " rows)");
    const note = await page.$eval("#events-note", n => n.textContent);
    ok(/received/.test(note), "the events note says what was received and sampled: " + note);
    text = await page.$eval(BAD_HOP, n => n.className + " | " + n.textContent);
    ok(/\bbad\b/.test(text) && /fix: .*sni = on/.test(text), "after the burst the hop is still red with its fix", text);

    fs.mkdirSync(path.dirname(SHOT), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: SHOT, fullPage: false });
    ok(fs.statSync(SHOT).size > 10000, "a screenshot is saved: " + SHOT);
    ok(elsewhere.length === 0, "nothing was fetched from anywhere but the admin listener", elsewhere.join("\n"));
    ok(consoleErrors.length === 0, "no console errors", consoleErrors.join("\n"));
  } finally {
    await browser.close();
    agent.destroy();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => process.exit(failed ? 1 : 0), e => {
  console.log("not ok - the browser test ran to its end");
  console.log("# " + String(e && e.stack || e).split("\n").join("\n# "));
  process.exit(1);
});
