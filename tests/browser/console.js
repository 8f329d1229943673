/* The acceptance console in a real browser (Debian's chromium driven by puppeteer-core), for
 * tests/test_console_browser.c, which prepares the data folder, the accounts, the keys and the
 * bundles, starts `ctk console`, and runs this script twice:
 *   phase 1: the centre's and the provinces' paths, a province kept to its own province, a run
 *            watched to its end, a faulty run's failing field, the language switch, CSRF;
 *   phase 2: after a kill -9 and a restart, everything is still there.
 * Every step prints "ok: ..."; the first failed check prints "FAIL: ..." and exits 1.
 * Environment: CTK_CONSOLE_URL, CHROMIUM, CTK_SHOTS (screenshot folder), CTK_SCRATCH (profile),
 * CTK_BUNDLES (folder with jx-good.tar.gz, jx-tampered.tar.gz, hb-good.tar.gz), CTK_PHASE. */
'use strict';

const path = require('path');
const puppeteer = require('puppeteer-core');

const URL = process.env.CTK_CONSOLE_URL;
const SHOTS = process.env.CTK_SHOTS;
const BUNDLES = process.env.CTK_BUNDLES;
const PHASE = process.env.CTK_PHASE || '1';
const USERS = {
  centre: ['centre', 'centre-password-1'],
  jx: ['jx', 'jiangxi-password-1'],
  hb: ['hb', 'hubei-password-12'],
};
const STEP_MS = 20000;

const T0 = Date.now();
function check(cond, what) {
  if (!cond) throw new Error(what);
  console.log(`ok: [${((Date.now() - T0) / 1000).toFixed(1)} s] ${what}`);
}

async function shot(page, name, visibleOnly) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: !visibleOnly });
}

async function text(page, sel) {
  await page.waitForSelector(sel, { timeout: STEP_MS });
  return page.$eval(sel, (e) => e.textContent);
}

async function login(ctx, who) {
  const page = await ctx.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (e) => console.log('page error: ' + e.message));
  await page.goto(URL + '/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('#login-user', { timeout: STEP_MS });
  await page.type('#login-user', USERS[who][0]);
  await page.type('#login-password', USERS[who][1]);
  await page.click('#login-submit');
  await page.waitForSelector('#board', { timeout: STEP_MS });
  return page;
}

async function go(page, hash, sel) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForSelector(sel, { timeout: STEP_MS });
  await new Promise((r) => setTimeout(r, 150));
}

/* A change from the page's own script: status and error key. */
async function pageFetch(page, method, url, body, csrf) {
  return page.evaluate(async (m, u, b, withCsrf) => {
    const headers = { 'Content-Type': 'application/json' };
    if (withCsrf) {
      const me = await (await fetch('/api/me')).json();
      headers['X-CSRF-Token'] = withCsrf === 'wrong' ? '0'.repeat(64) : me.csrf;
    }
    const r = await fetch(u, { method: m, headers, body: b === null ? undefined : JSON.stringify(b) });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return { status: r.status, error: data && data.error };
  }, method, url, body, csrf);
}

async function upload(page, file) {
  await go(page, '#/submissions', '#upload-file');
  const input = await page.$('#upload-file');
  await input.uploadFile(path.join(BUNDLES, file));
  await page.click('#upload-submit');
  await page.waitForSelector('#submission', { timeout: STEP_MS });
  const verdict = await page.$eval('.badge', (e) => e.dataset.status);
  const id = await page.evaluate(() => location.hash.split('/').pop());
  return { verdict, id };
}

async function boardStatus(page, code) {
  await go(page, '#/board?x=' + Date.now(), '#board');
  return page.$eval(`tr[data-unit="${code}"] .badge`, (e) => e.dataset.status).catch(() => null);
}

async function phase1(browser) {
  const jxCtx = await browser.createBrowserContext();
  const hbCtx = await browser.createBrowserContext();
  const centreCtx = await browser.createBrowserContext();

  /* Chinese first: the login page as a newcomer sees it. */
  const first = await jxCtx.newPage();
  await first.setViewport({ width: 1280, height: 700 });
  await first.goto(URL + '/', { waitUntil: 'networkidle0' });
  await first.waitForSelector('#login h1');
  check((await text(first, '#login h1')) === '登录', 'the login page speaks Chinese by default');
  await shot(first, '01-login-zh');
  await first.type('#login-user', 'jx');
  await first.type('#login-password', 'not-the-password');
  await first.click('#login-submit');
  await first.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  check((await text(first, '#login-error')).includes('不正确'), 'a wrong password is refused, in Chinese');
  await first.close();

  /* Jiangxi: its board, a tampered bundle, then a good one. */
  const jx = await login(jxCtx, 'jx');
  const units = await jx.$$eval('#board tbody tr', (rows) => rows.map((r) => r.dataset.unit));
  check(units.length === 1 && units[0] === '360000', 'a province sees only its own unit on the board');
  check((await boardStatus(jx, '360000')) === 'missing', 'before any upload its status is missing');
  await shot(jx, '02-board-province');
  const bad = await upload(jx, 'jx-tampered.tar.gz');
  check(bad.verdict === 'invalid', 'the tampered bundle is found invalid');
  check((await text(jx, '#problems')).includes('signature'), 'the verdict says the signature does not verify');
  await shot(jx, '03-submission-invalid');
  check((await boardStatus(jx, '360000')) === 'invalid', 'the board shows the invalid submission');
  const good = await upload(jx, 'jx-good.tar.gz');
  check(good.verdict === 'verified', 'the good bundle is verified against the registered key');
  await shot(jx, '04-submission-verified');
  check((await boardStatus(jx, '360000')) === 'verified', 'the board changes to verified');

  /* Hubei: its own upload; Jiangxi's submission is not there for it. */
  const hb = await login(hbCtx, 'hb');
  const hbUp = await upload(hb, 'hb-good.tar.gz');
  check(hbUp.verdict === 'verified', 'another province uploads its own good bundle');
  await go(hb, '#/submission/' + good.id, '#not-found');
  check(true, 'a province cannot open another province\'s submission');
  await shot(hb, '05-other-province-refused');
  const list = await hb.$$eval('#submissions tbody tr', (r) => r.length).catch(() => 0);
  await go(hb, '#/submissions', '#submissions');
  const ids = await hb.$$eval('#submissions tbody tr', (rows) => rows.map((r) => r.dataset.id));
  check(!ids.includes(String(good.id)) && !ids.includes(String(bad.id)), 'its list holds none of Jiangxi\'s submissions');
  void list;
  let r = await pageFetch(hb, 'GET', '/api/submissions/' + good.id, null, false);
  check(r.status === 404, 'the API answers 404 for another province\'s submission');
  r = await hb.evaluate(async () => {
    const me = await (await fetch('/api/me')).json();
    const res = await fetch('/api/submissions?region=360000', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf }, body: new Uint8Array([1, 2, 3]) });
    return { status: res.status, error: (await res.json()).error };
  });
  check(r.status === 403 && r.error === 'err.forbidden', 'a province cannot upload for another province');
  r = await pageFetch(hb, 'POST', `/api/submissions/${hbUp.id}/decision`, { decision: 'accept' }, true);
  check(r.status === 403, 'a province cannot accept its own submission');

  /* The centre: every unit, filters, a decision. */
  const centre = await login(centreCtx, 'centre');
  const all = await centre.$$eval('#board tbody tr', (rows) => rows.length);
  check(all === 32, 'the centre sees all 32 units');
  check(await centre.$('#timeline circle') !== null, 'the board draws its timeline');
  await shot(centre, '06-board-centre');
  await centre.select('#filter-status', 'verified');
  await centre.waitForFunction(() => location.hash.includes('status=verified'));
  await centre.waitForFunction(() => document.querySelectorAll('#board tbody tr').length === 2, { timeout: STEP_MS });
  check(true, 'the status filter keeps the two verified units');
  await centre.select('#filter-batch', '3');
  await centre.waitForFunction(() => document.querySelectorAll('#board tbody tr').length === 1, { timeout: STEP_MS });
  check(await centre.$('tr[data-unit="420000"]') !== null, 'batch 3 and verified: Hubei alone');
  await shot(centre, '07-board-filtered');
  await go(centre, '#/submission/' + good.id, '#decide');
  await centre.type('#decide-comment', '材料齐全，同意联调。');
  await centre.click('#decide-accept');
  await centre.waitForFunction(() => !document.querySelector('#decide') && document.querySelector('#submission'), { timeout: STEP_MS });
  check((await text(centre, '#submission')).includes('已接受'), 'the centre accepts the submission');
  await shot(centre, '08-submission-accepted');
  await go(centre, '#/submission/' + bad.id, '#decide');
  r = await pageFetch(centre, 'POST', `/api/submissions/${bad.id}/decision`, { decision: 'return' }, true);
  check(r.status === 400 && r.error === 'err.comment_needed', 'returning needs a comment');

  /* CSRF: the same change without the token, or with a wrong one, is refused. */
  r = await pageFetch(centre, 'POST', `/api/submissions/${bad.id}/decision`, { decision: 'return', comment: 'x' }, false);
  check(r.status === 403 && r.error === 'err.csrf', 'a change without the CSRF token is refused');
  r = await pageFetch(centre, 'POST', `/api/submissions/${bad.id}/decision`, { decision: 'return', comment: 'x' }, 'wrong');
  check(r.status === 403 && r.error === 'err.csrf', 'a change with a wrong CSRF token is refused');
  r = await pageFetch(centre, 'POST', `/api/submissions/${bad.id}/decision`, { decision: 'return', comment: '签名不符，请重新打包。' }, true);
  check(r.status === 200, 'with the token the same change goes through');

  /* Jiangxi registers its system (PICS and PIXIT checked as ctk run checks them), runs it
   * and watches the run to its end, live. */
  await go(jx, '#/runs', '#sut-form');
  await jx.type('#sut-name', 'jx-reference');
  /* the forms: a labelled field per item the runner knows, filled from the self-test's */
  const knowledge = '#pics-form [data-field="interface.knowledge"] input';
  check(await jx.$eval(knowledge, (e) => e.checked) === true, 'the PICS form shows each item as a checkbox, filled from the template');
  check((await text(jx, '#pics-form [data-field="interface.statistics"] label')).includes('统计接口'), 'each item labelled from the catalogue');
  await jx.click(knowledge);
  const region = '#pixit-form [data-field="sut.region"] input';
  check(await jx.$eval(region, (e) => e.value) === '360000', 'the PIXIT form shows each parameter as a labelled field');
  await jx.$eval(region, (e) => { e.value = ''; });
  await jx.type(region, '36x000');
  await jx.click('#sut-submit');
  await jx.waitForFunction(() => document.querySelector('#pixit-form [data-field="sut.region"] .field-error').textContent.length > 0, { timeout: STEP_MS });
  check((await text(jx, '#pixit-form [data-field="sut.region"] .field-error')).includes('sut.region'),
    'a bad value is refused by the same parser as ctk run, its error next to the field: ' + await text(jx, '#pixit-form [data-field="sut.region"] .field-error'));
  check(await jx.$('#pixit-form .field.invalid') !== null, 'and the field is marked');
  await jx.evaluate(() => document.querySelector('#pixit-form .field.invalid').scrollIntoView({ block: 'center' }));
  await shot(jx, '09b-sut-field-error', true);
  await jx.$eval(region, (e) => { e.value = ''; });
  await jx.type(region, '360000');
  await jx.click('#sut-submit');
  await jx.waitForFunction(() => document.querySelectorAll('#suts tbody tr').length === 1, { timeout: STEP_MS });
  check(true, 'with a good value the province registers its system under test');
  const saved = await jx.evaluate(async () => (await (await fetch('/api/runs/suts')).json())[0]);
  check(!saved.pics || /knowledge = no/.test(saved.pics), 'what the form saved is what was toggled');
  await shot(jx, '09-runs');
  const sutId = await jx.$eval('#run-sut option:nth-child(2)', (o) => o.value);
  await jx.select('#run-sut', sutId);
  await jx.type('#run-select', 'part:1');
  /* every progress line the page adds from the event stream, with its event id */
  await jx.evaluate(() => {
    window.ctkEvents = [];
    new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => {
      if (n.dataset && n.dataset.event) window.ctkEvents.push(Number(n.dataset.event));
    }))).observe(document.body, { childList: true, subtree: true });
  });
  await jx.click('#run-submit');
  await jx.waitForSelector('#progress-bar', { timeout: STEP_MS });
  await jx.waitForFunction(() => document.querySelectorAll('#progress li[data-event]').length > 0, { timeout: 60000 });
  check(true, 'progress arrives test by test while the run goes, as events of one stream');
  await jx.waitForSelector('#tests', { timeout: 90000 });
  const st = await jx.$eval('.badge', (e) => e.dataset.status);
  check(st === 'passed', 'the run of the registered system ends passed');
  check((await text(jx, '#tests ul.reqs li')).length > 20, 'each test shows its requirements with their text');
  const n = await jx.$$eval('#tests details', (d) => d.length);
  const done = await jx.$$eval('#progress li', (d) => d.length);
  check(n > 0 && done === n, `every test's verdict was shown live (${done} of ${n})`);
  const evIds = await jx.evaluate(() => window.ctkEvents);
  check(evIds.length > 0 && evIds.every((x, i) => i === 0 || x === evIds[i - 1] + 1) && evIds[evIds.length - 1] === n,
    `the run was watched through its event stream, one event per test, in order (events ${evIds[0]}..${evIds[evIds.length - 1]} of ${n})`);
  await shot(jx, '10-run-passed');
  r = await pageFetch(hb, 'GET', '/api/runs/suts', null, false);
  const hbSuts = await hb.evaluate(async () => (await (await fetch('/api/runs/suts')).json()).length);
  check(r.status === 200 && hbSuts === 0, 'another province does not see Jiangxi\'s system');
  r = await pageFetch(hb, 'POST', '/api/runs', { sut_id: Number(sutId), select: 'part:1' }, true);
  check(r.status === 404, 'nor can it run it');

  /* The centre runs Jiangxi's system with a fault: compared with the run before, its failing
   * test's field marked. */
  await go(centre, '#/runs', '#run-start');
  await centre.select('#run-sut', sutId);
  await centre.select('#run-fault', 'illegal-transition-accepted');
  await centre.type('#run-select', 'part:1');
  await centre.click('#run-submit');
  await centre.waitForSelector('#tests', { timeout: 90000 });
  check((await centre.$eval('.badge', (e) => e.dataset.status)) === 'failed', 'the faulty run ends failed');
  check((await text(centre, '#newly-failing')).includes('J1.'), 'the comparison names the newly failing tests');
  const failing = await centre.$$('details.v-fail');
  check(failing.length > 0, 'the failing tests are listed');
  await failing[0].click('summary');
  check(await centre.$('details.v-fail[open]') !== null, 'a failing test opens');
  await centre.evaluate(() => document.querySelectorAll('details.v-fail').forEach((d) => d.setAttribute('open', '')));
  const marked = await centre.$$eval('details.v-fail', (ds) => ds.filter((d) => d.querySelector('pre .mark')).map((d) => d.dataset.test));
  check(marked.length > 0, 'the failing field is marked in the exchanges (' + marked.join(', ') + ')');
  await centre.evaluate(() => document.querySelector('details.v-fail pre .mark').scrollIntoView({ block: 'center' }));
  await shot(centre, '11-run-failing-field', true);

  /* A whole self-test run, cancelled once it has begun. */
  await go(centre, '#/runs', '#run-start');
  await centre.click('#run-submit');
  await centre.waitForSelector('#run-cancel', { timeout: STEP_MS });
  await centre.waitForFunction(() => document.querySelectorAll('#progress li').length > 0, { timeout: 60000 });
  await centre.click('#run-cancel');
  await centre.waitForFunction(() => { const b = document.querySelector('.badge'); return b && b.dataset.status === 'cancelled'; }, { timeout: 60000 });
  check(true, 'a run is cancelled from the browser');

  /* Requirements and coverage. */
  await go(centre, '#/requirements', '#requirements');
  const nreq = await centre.$$eval('#requirements tbody tr', (x) => x.length);
  check(nreq > 20, `the requirements page lists the profile's ${nreq} requirements with their tests`);
  await shot(centre, '12-requirements', true);

  /* Which requirements Jiangxi's latest run (the centre's faulty run of its system) met. */
  await go(jx, '#/requirements', '#requirements .req-met');
  const met = await jx.$$eval('#requirements .req-met .badge', (b) => b.map((x) => x.dataset.status));
  const count = (st) => met.filter((x) => x === st).length;
  check(met.length === nreq && count('pass') > 0 && count('fail') > 0 && count('not_run') > 0,
    `the province sees what its latest run met (${count('pass')} pass, ${count('fail')} fail, ${count('not_run')} not run of ${nreq})`);
  check((await text(jx, '#req-run')).includes('#'), 'and which run that was');
  await shot(jx, '12b-requirements-province', true);
  r = await pageFetch(hb, 'GET', '/api/requirements/province?region=360000', null, false);
  check(r.status === 404, 'another province\'s requirement status is refused');

  /* Each province's monthly report: a province its own, the centre any. */
  const month = new Date().toISOString().slice(0, 7);
  const monthly = async (page, hash) => {
    await go(page, hash, '#monthly-frame');
    const frame = await (await page.$('#monthly-frame')).contentFrame();
    await frame.waitForSelector('#networked-count', { timeout: STEP_MS });
    return { heading: await frame.$eval('#monthly-heading', (e) => e.textContent), count: await frame.$eval('#networked-count', (e) => e.textContent) };
  };
  let m = await monthly(jx, '#/monthly?month=' + month);
  check(m.heading.includes('江西省') && m.heading.includes(month) && m.count.includes('个城市中'),
    'the province opens its monthly report, in Chinese: ' + m.count);
  /* its accepted bundle (of a ctk run this month) counts there; the tampered one does not */
  const own = await (await (await jx.$('#monthly-frame')).contentFrame()).$$eval('#own-runs tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  const goodRow = own.find((c) => c[1] === '提交的材料 ' + good.id);
  check(goodRow !== undefined && Number(goodRow[2]) > 0 && goodRow[2] === goodRow[3] && goodRow[8] === '是',
    'the submitted bundle\'s tests are counted in its month: ' + (goodRow || []).join(' | '));
  check(!own.some((c) => c[1] === '提交的材料 ' + bad.id), 'the tampered bundle is not');
  await (await (await jx.$('#monthly-frame')).contentFrame()).$eval('#own-runs', (e) => e.scrollIntoView());
  await shot(jx, '12f-monthly-annex', true);
  check(own.some((c) => (c[1] || '').startsWith('控制台测试运行')), 'the console\'s own runs are there too');
  await shot(jx, '12c-monthly-province');
  r = await pageFetch(hb, 'GET', `/api/monthly?region=360000&month=${month}`, null, false);
  check(r.status === 404, 'another province\'s monthly report is refused');
  await go(hb, `#/monthly?region=360000&month=${month}`, '#monthly-error');
  check(await hb.$('#monthly-frame') === null, 'the page shows the refusal, not the report: ' + await text(hb, '#monthly-error'));
  await shot(hb, '12d-monthly-other-refused');
  const hbNav = await hb.goto(`${URL}/api/monthly?region=360000&month=${month}`);
  check(hbNav.status() === 404 && !(await hb.content()).includes('江西省'), 'even when opened as a page');
  await hb.goto(URL + '/', { waitUntil: 'networkidle0' });
  m = await monthly(centre, `#/monthly?region=420000&month=${month}`);
  check(m.heading.includes('湖北省'), 'the centre opens any province\'s monthly report');
  await shot(centre, '12e-monthly-centre');

  /* The language switch. */
  await go(centre, '#/board', '#board');
  await centre.select('#lang', 'en');
  await centre.waitForFunction(() => document.querySelector('#nav a').textContent === 'Rollout', { timeout: STEP_MS });
  check((await text(centre, 'h1')) === 'Rollout board', 'the switch turns the pages into English');
  await shot(centre, '13-board-en');
  await go(centre, '#/audit', '#audit');
  const audit = await text(centre, '#audit');
  check(audit.includes('submission accepted') && audit.includes('refused (no right)'), 'the audit log holds the decisions and the refusals');
  await shot(centre, '14-audit-en');
  await centre.select('#lang', 'zh-CN');
  await centre.waitForFunction(() => document.querySelector('#nav a').textContent === '上线进度', { timeout: STEP_MS });
  check(true, 'and back to Chinese');
  await go(centre, '#/submissions', '#submissions');
  await shot(centre, '15-submissions-zh');
}

async function phase2(browser) {
  const ctx = await browser.createBrowserContext();
  const centre = await login(ctx, 'centre');
  check((await centre.$$eval('#board tbody tr', (r) => r.length)) === 32, 'after kill -9 and a restart the centre logs in again');
  await go(centre, '#/submissions', '#submissions');
  const rows = await centre.$$eval('#submissions tbody tr', (r) => r.map((x) => x.textContent));
  check(rows.length === 3, 'the three submissions survived');
  check(rows.some((x) => x.includes('已接受')) && rows.some((x) => x.includes('已退回')), 'and so did the decisions');
  await go(centre, '#/runs', '#runs');
  const runs = await centre.$$eval('#runs tbody .badge', (b) => b.map((x) => x.dataset.status));
  check((await centre.$$eval('#suts tbody tr', (x) => x.length)) === 1, 'and the registered system');
  check(runs.includes('passed') && runs.includes('failed'), 'and the runs with their results');
  await shot(centre, '16-after-restart');
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: path.join(process.env.CTK_SCRATCH, 'profile-' + PHASE),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--lang=zh-CN'],
  });
  let rc = 0;
  try {
    if (PHASE === '2') await phase2(browser); else await phase1(browser);
    console.log('console browser test: phase ' + PHASE + ' passed');
  } catch (e) {
    console.log('FAIL: ' + e.message);
    rc = 1;
  } finally {
    await browser.close();
  }
  process.exit(rc);
})();
