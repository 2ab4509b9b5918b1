// The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core loads hostd's dashboard and checks it against hostd's own API. Run by the
// `browser` ctest (tests/vm/dashboard_browser_test.cpp), which starts a private libvirtd with
// real agent guests and hotsplice-hostd; usable by hand against any hostd:
//
//   node dashboard_test.js --url http://127.0.0.1:9470/ --hostile NAME --patched NAME \
//        --pending NAME [--hostd-pid PID] [--screenshots DIR]
//
// Exits 0 when every check held; otherwise prints what failed and exits 1.
'use strict';
const { parseArgs } = require('node:util');
const { chromium } = require('playwright-core');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    hostile: { type: 'string' },   // a guest whose name is markup that must stay text
    patched: { type: 'string' },   // a guest with a live bundle: its history is not empty
    pending: { type: 'string' },   // a guest with a bundle not applied: the detail says why
    'hostd-pid': { type: 'string' },  // SIGSTOPped to make hostd really unreachable
    screenshots: { type: 'string' },  // writes dashboard.png and dashboard-hostile.png here
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
for (const required of ['url', 'hostile', 'patched', 'pending']) {
  if (!args[required]) throw new Error('missing --' + required);
}

function check(condition, what, details) {
  if (!condition) {
    const error = new Error('FAILED: ' + what + (details === undefined ? '' : '\n' + JSON.stringify(details, null, 1)));
    error.check = true;
    throw error;
  }
  console.log('ok: ' + what);
}

// Polls fn until it returns a truthy value (or the time is up), returning the last value.
async function eventually(fn, ms = 20000) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last || Date.now() > until) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// What the table shows, one object per row, read from the DOM as text.
function readRows(page) {
  return page.$$eval('#guests tbody tr', (rows) => rows.map((tr) => ({
    id: tr.dataset.id,
    name: tr.querySelector('.c-name').textContent,
    kind: tr.querySelector('.c-kind').textContent,
    kernel: tr.querySelector('.c-kernel').textContent,
    effective: tr.querySelector('.c-effective').textContent,
    status: tr.querySelector('.c-status .badge').dataset.status,
    statusText: tr.querySelector('.c-status').textContent,
    applied: Number(tr.querySelector('.c-applied').textContent),
    open: tr.querySelector('.c-open').textContent,
  })));
}

function expectedRow(g) {
  return {
    id: g.id, name: g.name || g.id, kind: g.kind,
    kernel: g.kernel ? g.kernel.release : 'not reported', effective: g.effective_kernel,
    status: g.status, applied: g.applied.length,
    // With no bundle for its kernel, no manifest lists its CVEs: the API says null and the
    // table shows unknown, not 0.
    open: Array.isArray(g.cves_open) ? String(g.cves_open.length) : '\u2013',
  };
}

const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function main() {
  const browser = await chromium.launch({
    executablePath: args.chromium,
    // root in a test container: Chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const problems = [];  // console errors, page errors, CSP violations, dialogs
  // While hostd is stopped on purpose, failed requests are expected (and shown by the page).
  let hostdStopped = false;
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 700 } });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (hostdStopped && /net::ERR_|Failed to load resource/.test(m.text())) return;
      problems.push('console: ' + m.text());
    });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('dialog', (d) => { problems.push('dialog: ' + d.message()); d.dismiss(); });
    // CSP violations also reach the console, but count them on their own to be sure.
    await page.exposeFunction('__cspViolation', (text) => problems.push('CSP: ' + text));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI);
      });
    });

    const response = await page.goto(args.url);
    check(response.ok(), 'the dashboard loads', response.status());
    const csp = response.headers()['content-security-policy'] || '';
    check(/script-src 'self'/.test(csp) && !/unsafe-inline|unsafe-eval/.test(csp),
      'served with a strict Content-Security-Policy', csp);

    // 1. The table equals /api/v1/guests (retried: the page refreshes every 5 s on its own).
    const api = async () => (await (await page.request.get(new URL('api/v1/guests', args.url).href)).json()).guests;
    let expected;
    let shown;
    const same = await eventually(async () => {
      expected = (await api()).map(expectedRow).sort(byId);
      shown = (await readRows(page)).sort(byId);
      const comparable = shown.map(({ statusText, ...rest }) => rest);
      return expected.length > 0 && JSON.stringify(comparable) === JSON.stringify(expected);
    });
    check(same, 'the rows and their statuses equal /api/v1/guests', { expected, shown });
    for (const row of shown) {
      check(row.statusText.replace(/^\W+\s*/, '').replace(/ /g, '_') === row.status,
        'status ' + row.status + ' is written out in words, not told by colour alone', row.statusText);
    }
    const summaryTotal = await page.textContent('#summary .tile.all .n');
    check(Number(summaryTotal) === expected.length, 'the summary counts every guest', summaryTotal);
    check(/^updated \d+ s ago$/.test(await page.textContent('#freshness')),
      'it says how fresh the data is', await page.textContent('#freshness'));

    // 2. The hostile name is text, and nothing it carries ran.
    const hostile = shown.find((r) => r.name === args.hostile);
    check(hostile, 'the guest named ' + JSON.stringify(args.hostile) + ' is shown as that text', shown.map((r) => r.name));
    const injected = await page.$$eval('#guests tbody script, #guests tbody img, #guests tbody iframe', (n) => n.length);
    check(injected === 0, 'no element was made from a guest name', injected);
    check(await page.evaluate(() => window.__pwned === undefined), 'no script from a guest name ran');

    // 3. The filter narrows the rows (and the hostile text filters like any other).
    await page.fill('#filter', args.patched);
    const narrowed = await readRows(page);
    const wanted = expected.filter((g) => g.name.toLowerCase().includes(args.patched.toLowerCase()) ||
      g.id.toLowerCase().includes(args.patched.toLowerCase()));
    check(narrowed.length === wanted.length && narrowed.length < expected.length &&
      narrowed.some((r) => r.name === args.patched), 'the filter narrows the rows to ' + args.patched, narrowed);
    await page.fill('#filter', args.hostile);
    const onlyHostile = await readRows(page);
    check(onlyHostile.length === 1 && onlyHostile[0].name === args.hostile, 'filtering on the hostile text finds that guest', onlyHostile);
    await page.fill('#filter', '');
    await page.selectOption('#status-filter', 'patched');
    const patchedRows = await readRows(page);
    check(patchedRows.length === expected.filter((g) => g.status === 'patched').length &&
      patchedRows.every((r) => r.status === 'patched'), 'the status filter keeps only patched guests', patchedRows);
    await page.selectOption('#status-filter', '');
    check((await readRows(page)).length === expected.length, 'clearing the filters shows every guest again');

    // 4. Sorting by name orders the rows by name.
    await page.click('#guests th[data-key=name]');
    const sortedNames = (await readRows(page)).map((r) => r.name);
    const byName = [...sortedNames].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : a.localeCompare(b)));
    check(JSON.stringify(sortedNames) === JSON.stringify(byName), 'sorting by name', sortedNames);

    // 5. The detail view: history of the patched guest, the reason of the one not patched.
    const detailOf = async (name) => {
      const row = shown.find((r) => r.name === name);
      check(row, 'guest ' + name + ' is listed');
      await page.click(`#guests tbody tr[data-id="${row.id}"]`);
      await page.waitForSelector('#detail:not([hidden])');
      const api = await (await page.request.get(new URL('api/v1/guests/' + encodeURIComponent(row.id), args.url).href)).json();
      await page.waitForFunction((n) => document.querySelector('#d-history table, #d-history .none') &&
        document.querySelector('#d-name').textContent === n, name);
      return api;
    };
    const patched = await detailOf(args.patched);
    check(patched.history.length > 0, 'hostd has history for ' + args.patched, patched);
    const historyRows = await page.$$eval('#d-history tbody tr', (rows) => rows.map((tr) => [...tr.children].map((td) => td.textContent)));
    check(historyRows.length === patched.history.length &&
      patched.history.every((e) => historyRows.some((r) => r[1] === e.bundle_id && r[3] === e.result)),
    'the detail view lists every history event of ' + args.patched, { historyRows, api: patched.history });
    const appliedShown = await page.textContent('#d-applied');
    check(patched.applied.every((p) => appliedShown.includes(p.bundle_id)), 'the detail view lists the applied bundles', appliedShown);

    const pending = await detailOf(args.pending);
    check(pending.reason && (await page.textContent('#d-status')).includes(pending.reason),
      'the detail view gives the reason ' + args.pending + ' is ' + pending.status, pending.reason);
    const notApplied = await page.$$eval('#d-available tbody tr', (rows) => rows.map((tr) => [...tr.children].map((td) => td.textContent)));
    check(pending.available.length > 0 && notApplied.length === pending.available.length &&
      pending.available.every((p) => notApplied.some((r) => r[0] === p.bundle_id)),
    'the detail view lists what is not applied and why', { notApplied, api: pending.available });
    const shoot = async (name) => {
      if (args.screenshots) await page.screenshot({ path: args.screenshots + '/' + name, fullPage: true });
    };
    await shoot('dashboard.png');
    const hostileDetail = await detailOf(args.hostile);
    check(await page.textContent('#d-name') === args.hostile, 'the detail title shows the hostile name as text');
    check(!hostileDetail.reason || (await page.textContent('#d-status')).includes(hostileDetail.reason),
      'the detail view gives the reason ' + args.hostile + ' is ' + hostileDetail.status, hostileDetail.reason);
    await shoot('dashboard-hostile.png');
    await page.keyboard.press('Escape');
    check(await page.isHidden('#detail'), 'Escape closes the detail view');

    // 6. hostd unreachable (really: stopped with SIGSTOP) is shown as such, and recovers.
    if (args['hostd-pid']) {
      const pid = Number(args['hostd-pid']);
      hostdStopped = true;
      process.kill(pid, 'SIGSTOP');
      try {
        const banner = await eventually(async () => (await page.isVisible('#banner')) && page.textContent('#banner'), 30000);
        check(banner && banner.startsWith('hostd unreachable'), 'a stopped hostd shows as unreachable', banner);
        check(/^stale: updated \d+ s ago$/.test(await page.textContent('#freshness')), 'and the data as stale',
          await page.textContent('#freshness'));
        check((await readRows(page)).length === expected.length, 'the last known rows stay on screen');
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      check(await eventually(async () => page.isHidden('#banner'), 30000), 'the banner goes once hostd answers again');
      hostdStopped = false;
    }

    check(problems.length === 0, 'no console errors, page errors, dialogs or CSP violations', problems);
  } finally {
    await browser.close();
  }
}

main().then(() => console.log('dashboard browser test: all checks held'), (e) => {
  console.error(e.check ? e.message : e);
  process.exit(1);
});
