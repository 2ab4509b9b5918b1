// The dashboard of a hostd that cannot reach its guest directory (libvirt): headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core) must show a banner saying the
// directory is disconnected, since when and why, and an empty table must say the guests are
// unknown, never "hostd knows no guests yet". Run by the `browser` ctest
// hostagent/tests/dashboard_directory_test.cpp against a real hostd whose libvirt URI
// points at a socket where nothing listens; usable by hand:
//
//   node directory_down_test.js --url http://127.0.0.1:PORT/
//
// Exits 0 when every check held; otherwise prints what failed and exits 1.
'use strict';
const { parseArgs } = require('node:util');
const { chromium } = require('playwright-core');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!args.url) throw new Error('missing --url');

function check(condition, what, details) {
  if (!condition) {
    throw new Error('FAILED: ' + what + (details === undefined ? '' : '\n' + JSON.stringify(details, null, 1)));
  }
  console.log('ok: ' + what);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: args.chromium,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const problems = [];
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 600 } })).newPage();
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
    const response = await page.goto(args.url);
    check(response.ok(), 'the dashboard loads', response.status());
    const api = await (await page.request.get(new URL('api/v1/guests', args.url).href)).json();
    const directory = api.guest_directory || {};
    check(directory.connected === false, 'the API says the guest directory is disconnected', directory);

    await page.waitForSelector('#banner:not([hidden])', { timeout: 20000 });
    const banner = await page.textContent('#banner');
    check(banner.includes('disconnected since ' + directory.since),
      'the banner says the directory is disconnected, and since when', banner);
    check(banner.includes(directory.why), 'the banner says why', { banner, why: directory.why });
    check(banner.includes('unknown'), 'the banner says the guests are unknown', banner);
    const empty = await page.textContent('#empty');
    check(/unknown/.test(empty) && !/knows no guests/.test(empty),
      'the empty table says the guests are unknown, not that there are none', empty);
    check(problems.length === 0, 'no script errors', problems);
  } finally {
    await browser.close();
  }
}

main().then(() => console.log('directory-down browser test: all checks held'), (e) => {
  console.error(e.message || e);
  process.exit(1);
});
